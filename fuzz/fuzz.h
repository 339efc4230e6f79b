/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libFuzzer entry point each harness defines; replay.c drives it without libFuzzer. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
