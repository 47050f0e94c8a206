// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pkt_line.c - capture's one-line-per-packet text (src/sinks/pkt_line.c) reads
 * like tcpdump -n: ICMP and ICMPv6 types by name with the echo id and sequence,
 * TCP flags, seq, ack and window, UDP ports, ARP, and nothing read past the captured
 * bytes; then the frame's length.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "pktbuild.h"
#include "sinks/pkt_line.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };

/* The line pl_pkt_line() prints for the first @caplen bytes of @b, time stamp cut off. */
static const char *line_of(const struct pb *b, size_t caplen)
{
	static char out[512];
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (!f)
		return "fmemopen failed";
	/* 1 s after the epoch, UTC: "00:00:01.000002 " */
	pl_pkt_line(f, b->buf, (uint32_t)caplen, (uint32_t)b->len, 1000002000ull);
	fclose(f);
	out[strcspn(out, "\n")] = 0;
	if (strncmp(out, "00:00:01.000002 ", 16))
		return out;
	return out + 16;
}

static void v4(struct pb *b, uint8_t proto)
{
	pb_init(b);
	pb_eth(b, mac_b, mac_a, 0x0800);
	pb_ipv4(b, &(struct pb_ipv4_opts){ .src = 0xc6120001, .dst = 0xc6120002, .proto = proto });
}

static void v6(struct pb *b, uint8_t nexthdr)
{
	pb_init(b);
	pb_eth(b, mac_b, mac_a, 0x86dd);
	pb_ipv6(b, &(struct pb_ipv6_opts){ .src = pb_in6("2001:db8::1"),
					  .dst = pb_in6("2001:db8::2"), .nexthdr = nexthdr });
}

static void expect_line(const char *name, const struct pb *b, size_t caplen, const char *want)
{
	const char *got = line_of(b, caplen);

	TEST_BEGIN(name);
	CHECK(!strcmp(got, want), "got '%s', expected '%s'", got, want);
	TEST_END();
}

int main(void)
{
	struct pb b;

	setenv("TZ", "UTC", 1);
	tzset();

	v4(&b, 1);
	pb_icmp_echo(&b, false, 7, 1);
	pb_payload(&b, 56);
	pb_finish(&b);
	expect_line("ICMP echo request: name, id, seq, ICMP length", &b, b.len,
		    "IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64, frame 98");
	expect_line("ICMP echo cut after 4 bytes: no id or seq", &b, 14 + 20 + 4,
		    "IP 198.18.0.1 > 198.18.0.2: ICMP echo request, length 64, frame 98");

	v4(&b, 1);
	pb_icmp(&b, 3, 3, 0);
	pb_finish(&b);
	expect_line("ICMP unreachable by name", &b, b.len,
		    "IP 198.18.0.1 > 198.18.0.2: ICMP destination unreachable, length 8, frame 42");

	v4(&b, 1);
	pb_icmp(&b, 42, 1, 0);
	pb_finish(&b);
	expect_line("ICMP type without a name: type and code", &b, b.len,
		    "IP 198.18.0.1 > 198.18.0.2: ICMP type 42, code 1, length 8, frame 42");

	v6(&b, 58);
	pb_icmp6_echo(&b, true, 3333, 2);
	pb_payload(&b, 56);
	pb_finish(&b);
	expect_line("ICMPv6 echo reply: tcpdump's 'ICMP6, ' form", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo reply, id 3333, seq 2, length 64, frame 118");

	v6(&b, 58);
	pb_icmp6(&b, 135, 0, 0);
	pb_payload(&b, 16);
	pb_finish(&b);
	expect_line("ICMPv6 neighbor solicitation by name", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: ICMP6, neighbor solicitation, length 24, frame 78");

	v4(&b, 17);
	pb_udp(&b, 5000, 53);
	pb_payload(&b, 10);
	pb_finish(&b);
	expect_line("UDP: ports and payload length", &b, b.len,
		    "IP 198.18.0.1.5000 > 198.18.0.2.53: UDP, length 10, frame 52");

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 40000, .dport = 80, .seq = 1,
					  .flags = PB_TCP_SYN, .window = 64240 });
	pb_finish(&b);
	expect_line("TCP SYN: flags, seq, window, no ack", &b, b.len,
		    "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1, win 64240, length 0, frame 54");

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 80, .dport = 40000, .seq = 7, .ack = 2,
					  .flags = PB_TCP_PSH | PB_TCP_ACK, .window = 502 });
	pb_payload(&b, 100);
	pb_finish(&b);
	expect_line("TCP data: ack and payload length", &b, b.len,
		    "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [P.], seq 7, ack 2, win 502, length 100, frame 154");

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a, 0x0806);
	pb_arp(&b, 1, mac_a, 0xc6120001, mac_b, 0xc6120002);
	pb_finish(&b);
	expect_line("ARP request", &b, b.len,
		    "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28, frame 42");

	pb_init(&b);
	pb_eth(&b, mac_a, mac_b, 0x0806);
	pb_arp(&b, 2, mac_b, 0xc6120002, mac_a, 0xc6120001);
	pb_finish(&b);
	expect_line("ARP reply: who is at which MAC", &b, b.len,
		    "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02, length 28, frame 42");

	return check_summary();
}
