# SPDX-License-Identifier: GPL-2.0-or-later
# Flatten one JSON document into "path<TAB>value" lines, so shell tests can
# compare exact values without jq (the VM has none). Paths look like
# .ips[0].address; values are JSON literals with strings kept quoted, "\/"
# unescaped to "/" (json-c escapes slashes, which JSON allows). Empty
# containers print as {} and []. Anything but one valid document: a message
# on stderr and exit 2. Plain POSIX awk: runs under busybox.

function fail(what) {
	printf "json: %s at offset %d\n", what, pos > "/dev/stderr"
	failed = 1
	exit 2
}

function skip_ws() {
	while (pos <= len && index(" \t\r\n", substr(text, pos, 1)) > 0)
		pos++
}

function parse_string(    start, c, out) {
	if (substr(text, pos, 1) != "\"")
		fail("expected a string")
	start = pos
	pos++
	out = "\""
	while (pos <= len) {
		c = substr(text, pos, 1)
		if (c == "\"") {
			pos++
			return out "\""
		}
		if (c == "\\") {
			c = substr(text, pos + 1, 1)
			if (c == "/")
				out = out "/"
			else if (index("\"\\bfnrt", c) > 0)
				out = out "\\" c
			else if (c == "u" && substr(text, pos + 2, 4) ~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) {
				out = out "\\u" substr(text, pos + 2, 4)
				pos += 4
			} else
				fail("bad escape")
			pos += 2
			continue
		}
		if (c < " ")
			fail("control character in a string")
		out = out c
		pos++
	}
	pos = start
	fail("unterminated string")
}

function parse_value(path,    c, rest, n, key) {
	skip_ws()
	if (pos > len)
		fail("unexpected end")
	c = substr(text, pos, 1)
	if (c == "{") {
		pos++
		skip_ws()
		if (substr(text, pos, 1) == "}") {
			pos++
			print path "\t{}"
			return
		}
		for (;;) {
			skip_ws()
			key = parse_string()
			skip_ws()
			if (substr(text, pos, 1) != ":")
				fail("expected ':'")
			pos++
			parse_value(path "." substr(key, 2, length(key) - 2))
			skip_ws()
			c = substr(text, pos, 1)
			pos++
			if (c == "}")
				return
			if (c != ",")
				fail("expected ',' or '}'")
		}
	}
	if (c == "[") {
		pos++
		skip_ws()
		if (substr(text, pos, 1) == "]") {
			pos++
			print path "\t[]"
			return
		}
		for (n = 0; ; n++) {
			parse_value(path "[" n "]")
			skip_ws()
			c = substr(text, pos, 1)
			pos++
			if (c == "]")
				return
			if (c != ",")
				fail("expected ',' or ']'")
		}
	}
	if (c == "\"") {
		print path "\t" parse_string()
		return
	}
	rest = substr(text, pos)
	if (match(rest, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/) ||
	    match(rest, /^(true|false|null)/)) {
		print path "\t" substr(rest, 1, RLENGTH)
		pos += RLENGTH
		return
	}
	fail("unexpected character")
}

{ text = text $0 "\n" }

END {
	if (failed)
		exit 2
	len = length(text)
	pos = 1
	parse_value("")
	skip_ws()
	if (pos <= len)
		fail("trailing data")
}
