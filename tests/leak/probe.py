# SPDX-License-Identifier: GPL-2.0-or-later
"""Leak probes with a unique payload each (the tag), sent from the namespace this runs in.

  probe.py send TAG [--dev IF] [--port N] [--protos tcp,udp,icmp] LABEL=ADDR...
      one probe per protocol and destination, tag TAG.PROTO.LABEL; TCP carries the tag in
      its SYN (TCP Fast Open without cookie), so a SYN that leaks is seen as well.
  probe.py stream TAG PHASEFILE SECONDS ADDR4 ADDR6
      a UDP probe to each address every 5 ms, tag TAG.pPHASE.SEQ (PHASE: PHASEFILE's content).
  probe.py raw IF TAG SRC4 DST4 SRC6 DST6 [MARK]
      IPv4 and IPv6 UDP in broadcast Ethernet frames written on IF with AF_PACKET, and the
      IPv4 one again with PACKET_QDISC_BYPASS; with MARK, each socket has that SO_MARK.
  probe.py rs TAG IF
      an ICMPv6 router solicitation (tag in an option) to ff02::2 on IF.
  probe.py knock TAG SRC DST PORT
      a TCP SYN, a TCP SYN/ACK and an ICMP echo request from SRC to DST (raw sockets);
      prints the number of packets DST sends back within 1.5 s.
Each probe prints "TAG sent" or "TAG error:ERRNO-NAME".
"""
import errno
import os
import select
import socket
import struct
import sys
import time

ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD
SO_BINDTODEVICE = 25


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sockaddr(addr, port, dev):
    if family_of(addr) == socket.AF_INET:
        return (addr, port)
    scope = socket.if_nametoindex(dev) if dev and addr.lower().startswith("ff02") else 0
    return (addr, port, 0, scope)


def prepare(sock, dev, addr):
    if dev:
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.encode())
    if family_of(addr) == socket.AF_INET:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if dev and addr.startswith("224."):
            idx = socket.if_nametoindex(dev)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                            struct.pack("4s4si", b"\0" * 4, b"\0" * 4, idx))
    elif dev and addr.lower().startswith("ff"):
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(dev))


def send_udp(tag, addr, port, dev):
    with socket.socket(family_of(addr), socket.SOCK_DGRAM) as s:
        prepare(s, dev, addr)
        s.sendto(tag.encode(), sockaddr(addr, port, dev))


def send_tcp(tag, addr, port, dev):
    with socket.socket(family_of(addr), socket.SOCK_STREAM) as s:
        prepare(s, dev, addr)
        s.setblocking(False)
        try:
            s.sendto(tag.encode(), socket.MSG_FASTOPEN, sockaddr(addr, port, dev))
        except BlockingIOError:
            pass
        time.sleep(0.05)  # let the SYN go before close() aborts it


def send_icmp(tag, addr, port, dev):
    fam = family_of(addr)
    proto = socket.IPPROTO_ICMP if fam == socket.AF_INET else socket.IPPROTO_ICMPV6
    with socket.socket(fam, socket.SOCK_RAW, proto) as s:
        prepare(s, dev, addr)
        kind = 8 if fam == socket.AF_INET else 128
        body = struct.pack("!HH", os.getpid() & 0xFFFF, 1) + tag.encode()
        head = struct.pack("!BBH", kind, 0, 0)
        if fam == socket.AF_INET:  # the kernel sums ICMPv6 itself
            head = struct.pack("!BBH", kind, 0, checksum(head + body))
        s.sendto(head + body, sockaddr(addr, 0, dev))


SENDERS = {"tcp": send_tcp, "udp": send_udp, "icmp": send_icmp}


def report(tag, fn, *args):
    try:
        fn(tag, *args)
        print(tag, "sent")
    except OSError as e:
        print(tag, "error:" + errno.errorcode.get(e.errno, str(e.errno)))


def fastopen_without_cookie():
    try:
        with open("/proc/sys/net/ipv4/tcp_fastopen", "w") as f:
            f.write("5\n")
    except OSError:
        pass


def cmd_send(args):
    tag, dev, port, protos = args.pop(0), None, 9, ["tcp", "udp", "icmp"]
    while args and args[0].startswith("--"):
        opt, val = args.pop(0), args.pop(0)
        if opt == "--dev":
            dev = val
        elif opt == "--port":
            port = int(val)
        elif opt == "--protos":
            protos = val.split(",")
    fastopen_without_cookie()
    for dest in args:
        label, addr = dest.split("=", 1)
        for proto in protos:
            report("%s.%s.%s" % (tag, proto, label), SENDERS[proto], addr, port, dev)


def cmd_stream(args):
    tag, phasefile, seconds, dests = args[0], args[1], float(args[2]), args[3:]
    socks = [socket.socket(family_of(a), socket.SOCK_DGRAM) for a in dests]
    end, seq, sent, errors, phase = time.monotonic() + seconds, 0, 0, 0, "0"
    while time.monotonic() < end:
        try:
            with open(phasefile) as f:
                phase = f.read().strip() or phase  # empty: caught mid-write
        except OSError:
            pass
        if phase == "stop":
            break
        for s, a in zip(socks, dests):
            seq += 1
            try:
                s.sendto(("%s.p%s.%d" % (tag, phase, seq)).encode(), sockaddr(a, 9, None))
                sent += 1
            except OSError:
                errors += 1
        time.sleep(0.005)
    print("stream sent %d, refused %d" % (sent, errors))


def ipv4_udp(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                       socket.inet_aton(src), socket.inet_aton(dst))
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + udp


def ipv6_udp(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + udp


SOL_PACKET, PACKET_QDISC_BYPASS = 263, 20
SO_MARK = 36


def cmd_raw(args):
    dev, tag, src4, dst4, src6, dst6 = args[:6]
    mark = int(args[6], 0) if len(args) > 6 else 0
    frames = (("raw4", 0, ETH_P_IP, ipv4_udp, src4, dst4),
              ("raw6", 0, ETH_P_IPV6, ipv6_udp, src6, dst6),
              ("raw4bypass", 1, ETH_P_IP, ipv4_udp, src4, dst4))
    for name, bypass, ethertype, build, src, dst in frames:
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            if bypass:  # straight to the driver, around the qdisc layer
                s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
            if mark:  # CAP_NET_RAW is enough for SO_MARK since Linux 5.17
                s.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
            s.bind((dev, 0))
            mac = s.getsockname()[4]
            t = "%s.%s" % (tag, name)
            frame = b"\xff" * 6 + mac + struct.pack("!H", ethertype) + build(src, dst, t.encode())
            report(t, lambda _t, f=frame: s.send(f))


def cmd_rs(args):
    tag, dev = args
    t = tag + ".rs6"
    opt = t.encode()
    opt += b"\0" * (-(len(opt) + 2) % 8)
    msg = struct.pack("!BBHI", 133, 0, 0, 0) + struct.pack("!BB", 253, (len(opt) + 2) // 8) + opt

    def send(_t):
        with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as s:
            s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.encode())
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            s.sendto(msg, ("ff02::2", 0, 0, socket.if_nametoindex(dev)))
    report(t, send)


def tcp_segment(src, dst, sport, dport, flags, payload):
    fam = family_of(dst)
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000 if flags & 0x10 else 0,
                      5 << 4, flags, 65535, 0, 0) + payload
    if fam == socket.AF_INET:
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
                  struct.pack("!I3xB", len(seg), 6))
    return seg[:16] + struct.pack("!H", checksum(pseudo + seg)) + seg[18:]


def cmd_knock(args):
    tag, src, dst, port = args[0], args[1], args[2], int(args[3])
    fam = family_of(dst)
    icmp_proto = socket.IPPROTO_ICMP if fam == socket.AF_INET else socket.IPPROTO_ICMPV6
    listeners = [socket.socket(fam, socket.SOCK_RAW, p) for p in (socket.IPPROTO_TCP, icmp_proto)]
    with socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP) as s:
        s.bind((src, 0) if fam == socket.AF_INET else (src, 0, 0, 0))
        for name, flags, sport in (("syn", 0x02, 40001), ("synack", 0x12, 40002)):
            t = "%s.%s" % (tag, name)
            seg = tcp_segment(src, dst, sport, port, flags, t.encode())
            report(t, lambda _t, b=seg: s.sendto(b, sockaddr(dst, 0, None)))
    with socket.socket(fam, socket.SOCK_RAW, icmp_proto) as s:
        s.bind((src, 0) if fam == socket.AF_INET else (src, 0, 0, 0))
        t = tag + ".echo"
        kind = 8 if fam == socket.AF_INET else 128
        body = struct.pack("!HH", 7, 1) + t.encode()
        msg = struct.pack("!BBH", kind, 0, checksum(struct.pack("!BBH", kind, 0, 0) + body)) + body
        report(t, lambda _t: s.sendto(msg, sockaddr(dst, 0, None)))
    replies, end = 0, time.monotonic() + 1.5
    while time.monotonic() < end:
        ready, _, _ = select.select(listeners, [], [], max(0, end - time.monotonic()))
        for r in ready:
            data, addr = r.recvfrom(65535)
            if addr[0] != dst:
                continue
            kind = data[20] if fam == socket.AF_INET and r.proto == icmp_proto else None
            if kind == 8 or (fam == socket.AF_INET6 and r.proto == icmp_proto and data[0] == 128):
                continue  # our own request looped back
            replies += 1
    print("replies", replies)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"send": cmd_send, "stream": cmd_stream, "raw": cmd_raw, "rs": cmd_rs,
     "knock": cmd_knock}[cmd](args)


if __name__ == "__main__":
    main()
