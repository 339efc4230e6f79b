# SPDX-License-Identifier: GPL-2.0-or-later
"""Capture on every interface of the namespace it runs in (AF_PACKET, ETH_P_ALL) and
log each probe tag seen, one line a sighting: "NS IFNAME in|out TAG".

    python3 sniff.py TAG-PREFIX LOGFILE NS-LABEL

Tags are TAG-PREFIX followed by [A-Za-z0-9._:-]; probes put them in their payload.
"READY" is the log's first line once the socket is open.
"""
import re
import socket
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    prefix, logfile, label = sys.argv[1:4]
    pattern = re.compile(re.escape(prefix.encode()) + rb"[A-Za-z0-9._:-]+")
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    with open(logfile, "a", buffering=1) as log:
        log.write("READY\n")
        while True:
            data, addr = sock.recvfrom(65535)
            tags = set(m.group(0).decode() for m in pattern.finditer(data))
            if not tags:
                continue
            direction = "out" if addr[2] == PACKET_OUTGOING else "in"
            for tag in sorted(tags):
                log.write("%s %s %s %s\n" % (label, addr[0], direction, tag))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
