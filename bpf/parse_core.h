/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_core.h - what every parser shares: the cursor over the frame, struct pkt (what
 * the parsers learned about one packet) and the helpers that count into its counters.
 */
#ifndef PL_PARSE_CORE_H
#define PL_PARSE_CORE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"

/* Headers starting beyond this offset are not parsed (only absurd IPv6 chains get there). */
#define PL_HDR_OFF_MAX 0x7fff

struct cursor {
	void *pos;
	void *end;
	void *start; /* first byte of the frame */
};

/*
 * Re-derive the cursor as start + an offset the verifier only knows to be bounded.
 * Called between layers so that every way of reaching a layer (0, 1 or 2 VLAN tags,
 * any IPv4 option length, any IPv6 extension chain) looks the same to the verifier
 * and is checked once: the layers' costs add up instead of multiplying.
 */
static __always_inline int cursor_settle(struct cursor *c)
{
	__u64 off = c->pos - c->start;

	asm volatile("" : "+r"(off)); /* keep clang from folding it back to c->pos */
	/* The verifier tracks packet offsets up to 0xffff, headers included: leave room. */
	if (off > PL_HDR_OFF_MAX)
		return -1;
	c->pos = c->start + off;
	return 0;
}

/*
 * What the parsers learned about one packet; the key doubles as the flow key.
 * Classes (L3, L4, malformed reason, ...) are not stored here: the parsers count
 * them on the spot with constant indexes. Storing them and indexing counters
 * later makes the verifier track every combination and blows its budget.
 */
struct pkt {
	struct pl_flow_key key; /* filled un-normalized: a = source, b = destination */
	/*
	 * Frame length counted (bytes of every counter): on the wire live; offline the
	 * capture's own frame length, link header and all, as tshark and capinfos count
	 * it. Parsers bound headers by pl_buf_len().
	 */
	__u64 len;
	/*
	 * Offline: how much longer len is than the frame as the buffer frames it, behind
	 * the synthetic Ethernet header that replaced the capture's link header (Linux
	 * cooked SLL +2, raw IP -14, ...); 0 live. 64 bits: half a stack slot would make
	 * the verifier lose what it knows of the other half.
	 */
	__s64 len_adj;
	struct pl_stats *s;     /* this CPU's counters */
	__u8 tcp_flags;
	__u8 has_flow;          /* key is a complete 5-tuple */
	__u8 malformed;         /* a reason was counted */
	__u8 vlan_pre;          /* tags already removed from the frame (TC: skb vlan_tci) */
	__u8 tunnel;            /* a GRE or VXLAN header was opened (counted in encap) */
	__u8 cut;               /* the buffer holds less than the frame (snap length, frags) */
	__u8 frag_first;        /* the IP packet is a first fragment: L4 lengths span more */
	__u8 l7_dir;            /* enum pl_flow_dir of the packet, set by the flow update */
	/*
	 * An Ethernet/IPv4 ARP request (detection): its sender and target addresses are in
	 * key.addr_a[3] and key.addr_b[3] (key.family stays 0: no flow, no talker).
	 */
	__u8 arp_req;
	__u8 icmp_req;          /* an ICMP/ICMPv6 message that is neither an answer nor an error */
	__u16 tcp_off;          /* outer TCP: its header's offset in the buffer (bpf/rtt.h) */
	/*
	 * Bytes of the IP packet after its network headers, from its length field: L4
	 * headers must fit in it, not merely in the frame, whose Ethernet padding or
	 * trailer is no part of the packet (tshark and Suricata bound them the same way).
	 * (The fields are packed: the offline program's call chain is at the stack limit.)
	 */
	__u32 l4_len;
	__u32 l7_dir_pkts;      /* packets of its flow in that direction, this one included */
	__u8 egress;            /* leaving (L7's egress program): count no ICMP type */
};

/*
 * Length of the frame as the buffer frames it (what IP lengths are checked against):
 * TC counts a tag the kernel took out in len, but header offsets in the buffer do not
 * include it; offline len is the capture's frame, which the buffer holds behind a
 * synthetic Ethernet header (len_adj).
 */
static __always_inline __u64 pl_buf_len(const struct pkt *p)
{
	return p->len - p->len_adj - (p->vlan_pre ? 4 : 0);
}

/* Count a malformed reason and fail the parse; evaluates to -1 for `return`. */
static __always_inline int pl_bad(struct pkt *p, enum pl_malformed why)
{
	p->s->malformed[why]++;
	p->malformed = 1;
	return -1;
}

/*
 * A header runs past the end of the buffer. When the frame is longer than the buffer
 * (a capture's snap length; live, a multi-buffer frame's first buffer) the rest of the
 * header exists but is not visible: counted as cut, not malformed, as tshark calls it
 * "packet size limited during capture". Otherwise the frame is truncated: malformed.
 */
static __always_inline int pl_short(struct pkt *p, enum pl_malformed why)
{
	if (p->cut) {
		p->s->hdr_cut++;
		return -1;
	}
	return pl_bad(p, why);
}

/* Count a header class, outer or inside a tunnel. */
#define PL_COUNT_L3(p, outer, cls)                                \
	do {                                                      \
		if (outer) {                                      \
			(p)->s->l3_packets[cls]++;                \
			(p)->s->l3_bytes[cls] += (p)->len;        \
		} else {                                          \
			(p)->s->inner_l3_packets[cls]++;          \
		}                                                 \
	} while (0)
#define PL_COUNT_L4(p, outer, cls)                                \
	do {                                                      \
		if (outer) {                                      \
			(p)->s->l4_packets[cls]++;                \
			(p)->s->l4_bytes[cls] += (p)->len;        \
		} else {                                          \
			(p)->s->inner_l4_packets[cls]++;          \
		}                                                 \
	} while (0)

#endif /* PL_PARSE_CORE_H */
