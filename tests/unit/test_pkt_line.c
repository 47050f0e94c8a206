// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pkt_line.c - capture's one-line-per-packet text (src/sinks/pkt_line*.c) reads
 * like tcpdump -n: ICMP and ICMPv6 types by name with the echo id and sequence,
 * TCP flags, seq, ack and window, UDP ports, ARP, and nothing read past the captured
 * bytes; then the frame's length. Also what tcpdump -n -S prints for TCP sequence
 * ranges, pure ACKs, URG and flag order, UDP lengths from the UDP header, IPv6
 * extension headers (HBH, DSTOPT, fragments), ARP padding and formats, 802.3 and
 * unknown frames, bad header lengths and frames cut by the snap length.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "pktbuild.h"
#include "sinks/pkt_line.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };

/*
 * The line pl_pkt_line() prints for the first @caplen bytes of @b, time stamp cut off.
 * The bytes are copied into a buffer of exactly that size, so that a read beyond
 * them is a heap overflow that the sanitizer build (make SAN=1 test) reports.
 */
static const char *line_of(const struct pb *b, size_t caplen)
{
	static char out[512];
	uint8_t *frame = malloc(caplen ? caplen : 1);
	FILE *f = fmemopen(out, sizeof(out), "w");

	if (!f || !frame) {
		free(frame);
		return "fmemopen or malloc failed";
	}
	memcpy(frame, b->buf, caplen);
	/* 1 s after the epoch, UTC: "00:00:01.000002 " */
	pl_pkt_line(f, NULL, frame, (uint32_t)caplen, (uint32_t)b->len, 1000002000ull);
	fclose(f);
	free(frame);
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
	/* As tcpdump: an echo without its id and sequence is a cut header (tests/text). */
	expect_line("ICMP echo cut after 4 bytes: [|icmp]", &b, 14 + 20 + 4,
		    "IP 198.18.0.1 > 198.18.0.2:  [|icmp], frame 98");

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
	pb_put(&b, &(struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } }, 16);
	pb_finish(&b);
	expect_line("ICMPv6 neighbor solicitation by name, with its target", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 24, frame 78");

	v6(&b, PB_IPPROTO_HOPOPTS);
	pb_ipv6_opts_hdr(&b, 58, 8);
	pb_icmp6(&b, 143, 0, 1);
	pb_payload(&b, 20);
	pb_finish(&b);
	expect_line("MLDv2 report behind hop-by-hop options: HBH, then the ICMPv6 type", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28, frame 90");

	v6(&b, PB_IPPROTO_DSTOPTS);
	pb_ipv6_opts_hdr(&b, 6, 8);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1, .dport = 2, .seq = 3, .flags = PB_TCP_SYN,
					  .window = 100 });
	pb_finish(&b);
	expect_line("TCP behind destination options: ports only, as tcpdump", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: DSTOPT 1 > 2: Flags [S], seq 3, win 100, length 0, frame 82");

	v6(&b, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(&b, 17, 0, true, 5);
	pb_udp(&b, 5000, 9);
	pb_payload(&b, 992);
	pb_finish(&b);
	pb_set16(&b, 14 + 40 + 8 + 4, 2008); /* the whole datagram */
	expect_line("IPv6 first fragment: offset and length, the UDP header's length", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: frag (0|1000) 5000 > 9: UDP, length 2000, frame 1062");

	v6(&b, PB_IPPROTO_FRAGMENT);
	pb_ipv6_frag(&b, 17, 125, false, 5);
	pb_payload(&b, 500);
	pb_finish(&b);
	expect_line("IPv6 later fragment: offset and length only", &b, b.len,
		    "IP6 2001:db8::1 > 2001:db8::2: frag (1000|500), frame 562");

	v4(&b, 17);
	pb_udp(&b, 5000, 9);
	pb_payload(&b, 1472);
	pb_finish(&b);
	pb_set16(&b, 14 + 6, PB_IP_MF);
	pb_set16(&b, 14 + 20 + 4, 2008);
	expect_line("IPv4 first fragment: the UDP header's length, the whole datagram", &b, b.len,
		    "IP 198.18.0.1.5000 > 198.18.0.2.9: UDP, length 2000, frame 1514");

	v4(&b, 17);
	pb_udp(&b, 5000, 9);
	pb_payload(&b, 10);
	pb_finish(&b);
	pb_set16(&b, 14 + 20 + 4, 200);
	expect_line("UDP length beyond the IP packet: bad length", &b, b.len,
		    "IP 198.18.0.1.5000 > 198.18.0.2.9: UDP, bad length 192 > 10, frame 52");

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
	expect_line("TCP data: sequence range, ack and payload length", &b, b.len,
		    "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [P.], seq 7:107, ack 2, win 502, length 100, frame 154");

	static const uint8_t syn_opts[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					    1, 3, 3, 7 };

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 40000, .dport = 80, .seq = 1000,
					  .flags = PB_TCP_SYN, .window = 64240,
					  .options = syn_opts, .optlen = sizeof(syn_opts) });
	pb_finish(&b);
	expect_line("TCP SYN options as tcpdump prints them", &b, b.len,
		    "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0, frame 74");
	expect_line("TCP options cut by the snap length", &b, 14 + 20 + 24,
		    "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,[|tcp]], length 0, frame 74");
	/* Cut right after an option's kind byte: its length byte is not there (fuzz_pkt_line). */
	expect_line("TCP options cut between an option's kind and length", &b, 14 + 20 + 25,
		    "IP 198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1000, win 64240, options [mss 1460,[|tcp]], length 0, frame 74");
	expect_line("IPv4 header cut after 10 bytes: nothing read beyond them", &b, 14 + 10,
		    "IP [|ip], frame 74");

	static const uint8_t odd_opts[] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9, 99, 4, 0xab, 0xcd,
					    2, 9 };

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1, .dport = 2, .ack = 5, .flags = PB_TCP_ACK,
					  .window = 100, .options = odd_opts,
					  .optlen = sizeof(odd_opts) });
	pb_finish(&b);
	expect_line("TCP SACK blocks, an unknown option in hex, a bad length stops", &b, b.len,
		    "IP 198.18.0.1.1 > 198.18.0.2.2: Flags [.], ack 5, win 100, options [nop,nop,sack 1 {1:9},unknown-99 0xabcd,[bad opt]], length 0, frame 74");

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 80, .dport = 40000, .seq = 7, .ack = 2,
					  .flags = PB_TCP_ACK, .window = 502 });
	pb_finish(&b);
	expect_line("TCP pure ACK: no sequence number", &b, b.len,
		    "IP 198.18.0.1.80 > 198.18.0.2.40000: Flags [.], ack 2, win 502, length 0, frame 54");

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1, .dport = 2, .seq = 3, .ack = 4,
					  .flags = PB_TCP_PSH | PB_TCP_ACK | PB_TCP_URG,
					  .window = 100 });
	pb_payload(&b, 10);
	pb_finish(&b);
	pb_set16(&b, 14 + 20 + 18, 9);
	expect_line("TCP URG: tcpdump's flag order and the urgent pointer", &b, b.len,
		    "IP 198.18.0.1.1 > 198.18.0.2.2: Flags [P.U], seq 3:13, ack 4, win 100, urg 9, length 10, frame 64");

	v4(&b, 6);
	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1, .dport = 2, .flags = PB_TCP_SYN });
	pb_payload(&b, 10);
	pb_finish(&b);
	b.buf[14 + 20 + 12] = 0x20;
	expect_line("TCP header length below 20: said so", &b, b.len,
		    "IP 198.18.0.1.1 > 198.18.0.2.2:  tcp 30 [bad hdr length 8 - too short, < 20], frame 64");
	b.buf[14 + 20 + 12] = 0xf0;
	expect_line("TCP header length beyond the packet: said so", &b, b.len,
		    "IP 198.18.0.1.1 > 198.18.0.2.2: Flags [S] [bad hdr length 60 - too long, > 30], frame 64");
	expect_line("TCP cut by the snap length after the ports: ports, [|tcp]", &b, 14 + 20 + 10,
		    "IP 198.18.0.1.1 > 198.18.0.2.2:  [|tcp], frame 64");
	expect_line("TCP cut by the snap length within the ports: [|tcp]", &b, 14 + 20 + 3,
		    "IP 198.18.0.1 > 198.18.0.2: [|tcp], frame 64");
	expect_line("IPv4 cut by the snap length: [|ip]", &b, 14 + 10, "IP [|ip], frame 64");
	b.buf[14] = 0x43;
	expect_line("IPv4 header length below 20: bad-hlen", &b, b.len, "IP bad-hlen 12, frame 64");
	b.buf[14] = 0x05;
	expect_line("IPv4 EtherType, version 0: as tcpdump", &b, b.len, "IP0 (invalid), frame 64");
	b.buf[14] = 0x65;
	expect_line("IPv4 EtherType, version 6: as tcpdump", &b, b.len,
		    "IP6, wrong link-layer encapsulation (invalid), frame 64");

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a, 0x0806);
	pb_arp(&b, 1, mac_a, 0xc6120001, (const uint8_t[6]){ 0 }, 0xc6120002);
	pb_finish(&b);
	expect_line("ARP request (target MAC zero, as usual: not shown)", &b, b.len,
		    "ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28, frame 42");

	pb_init(&b);
	pb_eth(&b, mac_a, mac_b, 0x0806);
	pb_arp(&b, 2, mac_b, 0xc6120002, mac_a, 0xc6120001);
	pb_finish(&b);
	expect_line("ARP reply: who is at which MAC", &b, b.len,
		    "ARP, Reply 198.18.0.2 is-at 02:00:00:00:00:02, length 28, frame 42");

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a, 0x0806);
	pb_arp(&b, 1, mac_a, 0xc6120001, mac_b, 0xc6120002);
	pb_zero(&b, 18);
	pb_finish(&b);
	expect_line("ARP padded to 60 bytes: the length after the Ethernet header, and a set target MAC",
		    &b, b.len,
		    "ARP, Request who-has 198.18.0.2 (02:00:00:00:00:02) tell 198.18.0.1, length 46, frame 60");
	pb_set16(&b, 14 + 2, 0x86dd);
	expect_line("ARP of another protocol: named, not read as IPv4", &b, b.len,
		    "ARP, hardware 1 (len 6), protocol 0x86dd (len 4), length 46, frame 60");

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a, 38);
	pb_zero(&b, 38);
	pb_finish(&b);
	expect_line("802.3 frame: a length, not an ethertype", &b, b.len,
		    "02:00:00:00:00:01 > 02:00:00:00:00:02, 802.3, length 38, frame 52");

	pb_init(&b);
	pb_eth(&b, mac_b, mac_a, 0x1234);
	pb_zero(&b, 46);
	pb_finish(&b);
	expect_line("unknown ethertype: who sent it to whom", &b, b.len,
		    "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 0x1234, frame 60");

	return check_summary();
}
