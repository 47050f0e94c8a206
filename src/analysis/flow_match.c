// SPDX-License-Identifier: BSD-2-Clause
/* flow_match.c - a tcpdump expression on a packet made from a flow's key (flow_match.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "analysis/flow_match.h"

static void put16(unsigned char *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The transport header: ports where the protocol has them (network order already). */
static size_t l4_header(const struct pl_flow *f, __u16 sport, __u16 dport, unsigned char *p)
{
	switch (f->key.proto) {
	case 6: /* TCP: data offset 5 words, ACK */
		memcpy(p, &sport, 2);
		memcpy(p + 2, &dport, 2);
		memset(p + 4, 0, 16);
		p[12] = 5 << 4;
		p[13] = 0x10;
		return 20;
	case 17: /* UDP, SCTP: the ports first */
	case 132:
		memcpy(p, &sport, 2);
		memcpy(p + 2, &dport, 2);
		memset(p + 4, 0, f->key.proto == 17 ? 4 : 8);
		if (f->key.proto == 17)
			put16(p + 4, 8);
		return f->key.proto == 17 ? 8 : 12;
	case 1: /* ICMP, ICMPv6: an echo request when the key holds an echo id */
	case 58:
		memset(p, 0, 8);
		if (sport)
			p[0] = f->key.proto == 1 ? 8 : 128;
		memcpy(p + 4, &sport, 2);
		return 8;
	default:
		return 0;
	}
}

size_t pl_flow_packet(const struct pl_flow *f, unsigned char *pkt)
{
	bool fwd = f->val.initiator == PL_DIR_A_TO_B;
	const __u32 *src = fwd ? f->key.addr_a : f->key.addr_b;
	const __u32 *dst = fwd ? f->key.addr_b : f->key.addr_a;
	__u16 sport = fwd ? f->key.port_a : f->key.port_b;
	__u16 dport = fwd ? f->key.port_b : f->key.port_a;
	size_t off = 12, l3, l4;

	memset(pkt, 0, 14);
	pkt[0] = 0x02; /* locally administered, unicast: no "broadcast" match */
	pkt[6] = 0x02;
	pkt[11] = 1;
	if (f->key.vlan) {
		put16(pkt + off, 0x8100);
		put16(pkt + off + 2, f->key.vlan & 0xfff);
		off += 4;
	}
	put16(pkt + off, f->key.family == 4 ? 0x0800 : 0x86dd);
	off += 2;
	l3 = f->key.family == 4 ? 20 : 40;
	l4 = l4_header(f, sport, dport, pkt + off + l3);
	if (f->key.family == 4) {
		unsigned char *ip = pkt + off;

		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 20 + l4);
		ip[8] = 64;
		ip[9] = f->key.proto;
		memcpy(ip + 12, &src[3], 4);
		memcpy(ip + 16, &dst[3], 4);
	} else {
		unsigned char *ip = pkt + off;

		memset(ip, 0, 8);
		ip[0] = 0x60;
		put16(ip + 4, l4);
		ip[6] = f->key.proto;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	return off + l3 + l4;
}

int pl_flow_match_set(struct pl_flow_match *m, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *p;
	int rc;

	while (*expr == ' ')
		expr++;
	if (!*expr) {
		pl_flow_match_free(m);
		return 0;
	}
	if (strlen(expr) >= sizeof(m->text)) {
		snprintf(err, errlen, "longer than %zu characters", sizeof(m->text) - 1);
		return -E2BIG;
	}
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	pl_flow_match_free(m);
	m->prog = prog;
	m->set = true;
	snprintf(m->text, sizeof(m->text), "%s", expr);
	return 0;
}

bool pl_flow_match(const struct pl_flow_match *m, const struct pl_flow *f)
{
	unsigned char pkt[128];
	struct pcap_pkthdr h = {};

	if (!m || !m->set)
		return true;
	h.caplen = h.len = pl_flow_packet(f, pkt);
	return pcap_offline_filter(&m->prog, &h, pkt) != 0;
}

void pl_flow_match_free(struct pl_flow_match *m)
{
	if (m->set)
		pcap_freecode(&m->prog);
	memset(m, 0, sizeof(*m));
}
