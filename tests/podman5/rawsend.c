// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * L10 from inside a podman 5 container (busybox image, so built static): on
 * every Ethernet interface of the container, IPv4 and IPv6 UDP in broadcast
 * frames written with AF_PACKET SOCK_RAW, and the IPv4 one again with
 * PACKET_QDISC_BYPASS, as tests/leak/probe.py's "raw" does. Needs CAP_NET_RAW.
 *
 *   rawsend TAG SRC4 DST4 SRC6 DST6
 *
 * Payload TAG.IFNAME.raw4|raw6|raw4bypass (tests/leak/sniff.py logs it);
 * prints "TAG.IFNAME.NAME sent" or "... error:ERRNO" for each frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif

static uint16_t checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IP packet after the Ethernet header; returns its length. */
static size_t build_ip(uint8_t *p, int v6, const char *src, const char *dst, const char *tag)
{
	size_t len = strlen(tag), ip_len = v6 ? 40 : 20, udp_len = 8 + len;
	uint8_t *udp = p + ip_len;

	memset(p, 0, ip_len + udp_len);
	if (v6) {
		p[0] = 0x60;
		p[4] = (uint8_t)(udp_len >> 8), p[5] = (uint8_t)udp_len;
		p[6] = 17, p[7] = 64;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	} else {
		uint16_t sum;

		p[0] = 0x45;
		p[2] = (uint8_t)((ip_len + udp_len) >> 8), p[3] = (uint8_t)(ip_len + udp_len);
		p[5] = 1, p[8] = 64, p[9] = 17;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
		sum = checksum(p, 20);
		p[10] = (uint8_t)(sum >> 8), p[11] = (uint8_t)sum;
	}
	udp[0] = 40000 >> 8, udp[1] = 40000 & 0xff, udp[3] = 9;
	udp[4] = (uint8_t)(udp_len >> 8), udp[5] = (uint8_t)udp_len;
	memcpy(udp + 8, tag, len);
	return ip_len + udp_len;
}

static void send_frame(const struct if_nameindex *ifn, const char *name, int v6, int bypass,
		       char **argv)
{
	uint8_t frame[256];
	char tag[128];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = (int)ifn->if_index };
	struct ifreq ifr = { 0 };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW, 0);
	size_t len;

	snprintf(tag, sizeof(tag), "%s.%s.%s", argv[1], ifn->if_name, name);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifn->if_name);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ||
	    (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		printf("%s error:%s\n", tag, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	memset(frame, 0xff, 6);
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	frame[12] = v6 ? 0x86 : 0x08, frame[13] = v6 ? 0xdd : 0x00;
	len = 14 + build_ip(frame + 14, v6, argv[v6 ? 4 : 2], argv[v6 ? 5 : 3], tag);
	if (send(fd, frame, len, 0) < 0)
		printf("%s error:%s\n", tag, strerror(errno));
	else
		printf("%s sent\n", tag);
	close(fd);
}

int main(int argc, char **argv)
{
	struct if_nameindex *names;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (argc != 6 || fd < 0 || !(names = if_nameindex())) {
		fprintf(stderr, "usage: rawsend TAG SRC4 DST4 SRC6 DST6\n");
		return 2;
	}
	for (struct if_nameindex *i = names; i->if_index; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		/* The tunnel has no link layer to write frames on; lo is not a leg. */
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
			continue;
		send_frame(i, "raw4", 0, 0, argv);
		send_frame(i, "raw6", 1, 0, argv);
		send_frame(i, "raw4bypass", 0, 1, argv);
	}
	if_freenameindex(names);
	close(fd);
	return 0;
}
