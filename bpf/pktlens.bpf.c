// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktlens.bpf.c - the ingress pipeline: parse, count, track flows, optionally copy
 * packets to the ring buffer. The same logic runs as XDP (xdp_pktlens) or as a TC
 * clsact ingress classifier (tc_pktlens); analyze runs xdp_pktlens offline through
 * BPF_PROG_TEST_RUN. Only mitigation (bpf/mitigate.h, `pktlens protect`) changes a
 * packet's fate; with its tables empty, or pl_cfg_mitigate off, every verdict is PASS.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"
#include "parse.h"
#include "l7.h"
#include "mitigate.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space between open and load; the verifier prunes what is off. */
const volatile __u8 pl_cfg_offline = 0;   /* time and length from pl_offline */
const volatile __u8 pl_cfg_flows = 1;     /* maintain the flow table */
const volatile __u32 pl_cfg_snaplen = 0;  /* > 0: copy packets to pl_events */
const volatile __u32 pl_cfg_tick_ns = 0;  /* > 0: flow time from jiffies, see pl_now() */
const volatile __u8 pl_cfg_fast_path = 1; /* parse_fast() first; the tests turn it off */
const volatile __u8 pl_cfg_count_only = 0; /* count packets and bytes, parse nothing */
const volatile __u8 pl_cfg_frags = 0;      /* live XDP loaded for multi-buffer frames */
const volatile __u8 pl_cfg_mitigate = 1;   /* ask bpf/mitigate.h for the verdict (live) */
const volatile __u8 pl_cfg_talkers = 1;    /* address, port and ICMP tables */

struct pl_offline_input pl_offline[PL_OFFLINE_SLOTS];

/* This CPU's offline input (the caller pinned itself to a CPU below PL_OFFLINE_SLOTS). */
static __always_inline struct pl_offline_input *offline_in(void)
{
	return &pl_offline[bpf_get_smp_processor_id() & (PL_OFFLINE_SLOTS - 1)];
}

/* The offline frame being run. */
static __always_inline struct pl_offline_frame *offline_frame(void)
{
	struct pl_offline_input *in = offline_in();

	return &in->f[in->cur & (PL_OFFLINE_BATCH - 1)];
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_stats);
} pl_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_FLOWS_DEFAULT);
	__type(key, struct pl_flow_key);
	__type(value, struct pl_flow_value);
} pl_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} pl_events SEC(".maps");

/* Slot 0: this pipeline, the target of a user-space filter program's tail call. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pl_progs SEC(".maps");

#include "talkers.h" /* sources, destinations, ports, ICMP types (issue 17) */
const volatile __u8 pl_cfg_detect = 1; /* per-address detection counters (issue 19) */
__noinline int pl_det_xdp(struct xdp_md *ctx, struct pkt *p); /* bpf/detect.h, at the end */
__noinline int pl_det_tc(struct __sk_buff *skb, struct pkt *p);

static __always_inline int parse_vxlan(struct cursor *c, struct pkt *p)
{
	__u8 *h = c->pos;

	if (p->l4_len < 8 + 8) /* UDP + VXLAN headers in the IP packet */
		return pl_bad(p, PL_MAL_TRUNC_VXLAN);
	if (c->pos + 8 > c->end)
		return pl_short(p, PL_MAL_TRUNC_VXLAN);
	if (!(h[0] & 0x08)) /* VNI not valid: not VXLAN as we know it */
		return 0;
	c->pos += 8;
	p->s->encap[PL_ENCAP_VXLAN]++;
	p->tunnel = 1;
	return parse_eth(c, p, 0);
}

/*
 * One network + transport layer. Returns the ethertype (network order) of an
 * encapsulated packet to parse next, 0 when done, < 0 when malformed.
 */
static __always_inline int parse_l3_l4(struct cursor *c, struct pkt *p, int proto, int outer)
{
	int ipproto, r;
	__u64 off;

	if (cursor_settle(c))
		return 0;
	off = c->pos - c->start;
	/* Keep the offset a scalar: clang would otherwise fold it into pointer math. */
	asm volatile("" : "+r"(off));
	if (proto == bpf_htons(ETH_P_IP)) {
		PL_COUNT_L3(p, outer, PL_L3_IPV4);
		ipproto = parse_ipv4(c, p, off, outer);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		PL_COUNT_L3(p, outer, PL_L3_IPV6);
		ipproto = parse_ipv6(c, p, off, outer);
	} else if (proto == bpf_htons(ETH_P_ARP) || proto == bpf_htons(PL_ETH_P_RARP)) {
		PL_COUNT_L3(p, outer, PL_L3_ARP);
		PL_COUNT_L4(p, outer, PL_L4_NONE);
		parse_arp(c, p);
		return 0;
	} else {
		PL_COUNT_L3(p, outer, PL_L3_OTHER);
		PL_COUNT_L4(p, outer, PL_L4_NONE);
		return 0;
	}
	if (ipproto == -2) {
		PL_COUNT_L4(p, outer, PL_L4_FRAG);
		return 0;
	}
	if (ipproto < 0 || cursor_settle(c)) {
		PL_COUNT_L4(p, outer, PL_L4_NONE);
		return 0;
	}
	/* IPv4's AH, skipped as IPv6's is in its extension chain. */
	if (ipproto == IPPROTO_AH && proto == bpf_htons(ETH_P_IP)) {
		ipproto = parse_ah4(c, p, outer);
		if (ipproto < 0 || cursor_settle(c)) {
			PL_COUNT_L4(p, outer, PL_L4_NONE);
			return 0;
		}
	}

	switch (ipproto) {
	case IPPROTO_TCP:
		PL_COUNT_L4(p, outer, PL_L4_TCP);
		parse_tcp(c, p, outer);
		return 0;
	case IPPROTO_UDP:
		PL_COUNT_L4(p, outer, PL_L4_UDP);
		r = parse_udp(c, p, outer);
		if (outer && r == PL_VXLAN_PORT)
			return parse_vxlan(c, p);
		return 0;
	case IPPROTO_ICMP:
		PL_COUNT_L4(p, outer, PL_L4_ICMP);
		parse_icmp(c, p, outer, 0);
		/*
		 * Type and code also when the snap length cut the rest of a header the IP
		 * length says is whole (tshark shows them); not for a malformed one.
		 */
		if (outer && p->l4_len >= 8)
			count_icmp(c, p, 0);
		return 0;
	case IPPROTO_ICMPV6:
		PL_COUNT_L4(p, outer, PL_L4_ICMPV6);
		parse_icmp(c, p, outer, 1);
		if (outer && p->l4_len >= 4)
			count_icmp(c, p, 1);
		return 0;
	case IPPROTO_SCTP:
		PL_COUNT_L4(p, outer, PL_L4_SCTP);
		parse_sctp(c, p, outer);
		return 0;
	case IPPROTO_GRE:
		PL_COUNT_L4(p, outer, PL_L4_GRE);
		r = parse_gre(c, p, outer);
		if (!outer || r <= 0)
			return 0;
		p->s->encap[PL_ENCAP_GRE]++;
		p->tunnel = 1;
		return r == bpf_htons(PL_ETH_P_TEB) ? parse_eth(c, p, 0) : r;
	default:
		PL_COUNT_L4(p, outer, PL_L4_OTHER);
		return 0;
	}
}

/*
 * Outer headers. Returns the offset of an encapsulated packet's network header
 * (its ethertype in *inner) or 0 when there is none.
 */
static __always_inline __u32 parse_outer(struct cursor *c, struct pkt *p, int *inner)
{
	int proto;

	proto = parse_eth(c, p, 1);
	if (proto < 0)
		return 0;
	proto = parse_link_shim(c, p, proto); /* PPPoE, MPLS */
	if (proto < 0)
		return 0;
	proto = parse_l3_l4(c, p, proto, 1);
	if (proto <= 0)
		return 0;
	*inner = proto;
	return c->pos - c->start;
}

/*
 * The packet inside a tunnel, counted but not tracked as a flow. It runs as its own
 * (global) BPF function so the verifier checks it once, not once per outer path.
 */
static __always_inline int parse_inner(void *data, void *data_end, struct pl_stats *s, __u64 len,
				       __u32 off, int proto)
{
	struct pkt p = { .len = len, .s = s, .cut = data_end - data < len };
	struct cursor c = { .pos = data, .end = data_end, .start = data };

	if (off > PL_HDR_OFF_MAX) /* bounds it for the verifier, as cursor_settle() does */
		return 0;
	c.pos += off;
	if (c.pos > c.end)
		return 0;
	parse_l3_l4(&c, &p, proto, 0);
	return 0;
}

__noinline int pl_inner_xdp(struct xdp_md *ctx, struct pl_stats *s, __u64 len, __u32 off, int proto)
{
	if (!ctx || !s)
		return 0;
	/* Offline @len is the capture's frame; the buffer holds the Ethernet one. */
	if (pl_cfg_offline)
		len = offline_frame()->wire_len;
	return parse_inner((void *)(long)ctx->data, (void *)(long)ctx->data_end, s, len, off, proto);
}

__noinline int pl_inner_tc(struct __sk_buff *skb, struct pl_stats *s, __u64 len, __u32 off, int proto)
{
	if (!skb || !s)
		return 0;
	return parse_inner((void *)(long)skb->data, (void *)(long)skb->data_end, s, len, off, proto);
}

static __always_inline __u32 size_bucket(__u64 len)
{
	if (len <= 64)
		return PL_SZ_LE64;
	if (len <= 127)
		return PL_SZ_LE127;
	if (len <= 255)
		return PL_SZ_LE255;
	if (len <= 511)
		return PL_SZ_LE511;
	if (len <= 1023)
		return PL_SZ_LE1023;
	if (len <= 1518)
		return PL_SZ_LE1518;
	return PL_SZ_JUMBO;
}

static __always_inline void count_packet(struct pl_stats *s, struct pkt *p)
{
	s->packets++;
	s->bytes += p->len;
	s->size_hist[size_bucket(p->len)]++;
	if (p->has_flow && p->key.proto == IPPROTO_TCP && !p->malformed)
		s->tcp_flags[p->tcp_flags]++;
}

/* Is endpoint a (addr_a, port_a) greater than endpoint b? Any total order will do. */
static __always_inline int endpoint_a_greater(const struct pl_flow_key *k)
{
#pragma unroll
	for (int i = 0; i < 4; i++) {
		if (k->addr_a[i] != k->addr_b[i])
			return k->addr_a[i] > k->addr_b[i];
	}
	return k->port_a > k->port_b;
}

/* Put the greater endpoint second (both directions share one key); the packet's direction. */
static __always_inline __u8 normalize_key(struct pl_flow_key *k)
{
	__u16 port;
	__u32 t;

	if (!endpoint_a_greater(k))
		return PL_DIR_A_TO_B;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		t = k->addr_a[i];
		k->addr_a[i] = k->addr_b[i];
		k->addr_b[i] = t;
	}
	port = k->port_a;
	k->port_a = k->port_b;
	k->port_b = port;
	return PL_DIR_B_TO_A;
}

static __always_inline void update_flow(struct pl_stats *s, struct pkt *p, __u64 now)
{
	struct pl_flow_key *k = &p->key;
	struct pl_flow_value *v, nv = {};
	__u32 dir;
	long err;

	dir = normalize_key(k);

	p->l7_dir = dir;
	v = bpf_map_lookup_elem(&pl_flows, k);
	if (!v) {
		nv.packets[dir] = 1;
		nv.bytes[dir] = p->len;
		nv.first_seen_ns = now;
		nv.last_seen_ns = now;
		nv.tcp_flags = (__u32)p->tcp_flags << (8 * dir);
		nv.initiator = dir;
		err = bpf_map_update_elem(&pl_flows, k, &nv, BPF_NOEXIST);
		if (!err) {
			p->l7_dir_pkts = 1;
			s->flows_created++;
			return;
		}
		/* Another CPU inserted it first: fall through and add to its entry. */
		v = bpf_map_lookup_elem(&pl_flows, k);
		if (!v) {
			s->flow_update_fail++;
			return;
		}
	}
	__sync_fetch_and_add(&v->packets[dir], 1);
	__sync_fetch_and_add(&v->bytes[dir], p->len);
	p->l7_dir_pkts = v->packets[dir];
	if (v->last_seen_ns < now)
		v->last_seen_ns = now;
	/* Offline, a capture's time stamps may go backwards: first seen is the earliest. */
	if (v->first_seen_ns > now)
		v->first_seen_ns = now;
	if (p->tcp_flags) {
		__u32 f = (__u32)p->tcp_flags << (8 * dir);

		if ((v->tcp_flags & f) != f)
			__sync_fetch_and_or(&v->tcp_flags, f);
	}
}

/*
 * Flow time stamps need tick resolution, not better, and a clock read was the largest
 * single cost per packet in `make bench` (bpf_ktime_get_ns ~50 ns, the coarse clock
 * ~20 ns here). Live, when user space has set pl_cfg_tick_ns (the tick length, from
 * clock_getres(CLOCK_MONOTONIC_COARSE)), time is jiffies * tick + a base that the
 * first packet ties to the monotonic clock: bpf_jiffies64() is inlined by the verifier
 * into one load, and jiffies advance by exactly one tick of CLOCK_MONOTONIC, so the
 * result tracks bpf_ktime_get_ns() to within one tick. Without the tick (an object
 * loaded by bpftool alone) it falls back to the coarse clock. Offline: capture time.
 */
__u64 pl_clock_base;

static __always_inline __u64 pl_now(void)
{
	__u64 base;

	if (pl_cfg_offline)
		return offline_frame()->ts_ns;
	if (!pl_cfg_tick_ns)
		return bpf_ktime_get_coarse_ns();
	base = pl_clock_base;
	if (!base) { /* unsigned: wraps, and jiffies * tick wraps back */
		base = bpf_ktime_get_ns() - bpf_jiffies64() * pl_cfg_tick_ns;
		pl_clock_base = base;
	}
	return bpf_jiffies64() * pl_cfg_tick_ns + base;
}

/* Sample times for latencies (L7 samples): a tick is too coarse, so the real clock. */
static __always_inline __u64 pl_now_precise(void)
{
	return pl_cfg_offline ? offline_frame()->ts_ns : bpf_ktime_get_ns();
}

#include "rtt.h" /* TCP RTT and health (issue 20) */

/*
 * Everything but the copy: parse, count, track the flow. Returns this CPU's
 * counters (NULL only if the map lookup failed) and the inner packet's offset.
 */
static __always_inline struct pl_stats *analyse(void *data, void *data_end, struct pkt *p,
						__u32 *inner_off, int *inner_proto)
{
	struct cursor c = { .pos = data, .end = data_end, .start = data };
	struct pl_stats *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&pl_stats, &zero);
	if (!s)
		return NULL;
	p->s = s;
	p->cut = data_end - data < pl_buf_len(p);
	if (pl_cfg_count_only) { /* capture: its closing lines show nothing else */
		s->packets++;
		s->bytes += p->len;
		*inner_off = 0;
		return s;
	}
	*inner_off = pl_cfg_fast_path && parse_fast(&c, p) ? 0 : parse_outer(&c, p, inner_proto);
	count_packet(s, p);
	if (!p->tunnel)
		s->encap[PL_ENCAP_NONE]++;
	/* has_flow is set only by L4 parsers, so later fragments never get here. */
	if (pl_cfg_flows && p->has_flow)
		update_flow(s, p, pl_now());
	/* Outer addresses read (family set): later fragments and malformed L4 too. */
	if (pl_cfg_talkers && p->key.family)
		count_talkers(p, pl_cfg_flows && p->has_flow);
	return s;
}

/* Reserve a fixed-size record so the verifier knows its bounds; fill what we have. */
static __always_inline struct pl_pkt_event *capture_reserve(struct pl_stats *s)
{
	struct pl_pkt_event *ev;

	ev = bpf_ringbuf_reserve(&pl_events, sizeof(*ev) + pl_cfg_snaplen, 0);
	if (!ev) {
		s->capture_lost++;
		return NULL;
	}
	ev->type = PL_EV_PACKET;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->vlan_present = 0;
	return ev;
}

/* Bytes to copy of a frame whose buffer holds @len: at most the snap length. */
static __always_inline __u32 capture_len(__u32 len)
{
	return len > pl_cfg_snaplen ? pl_cfg_snaplen : len;
}

/*
 * Hand a reserved record to user space once @n bytes were copied into it (@copy_err
 * is the copy's result), or give it back and count the packet lost if they were not.
 */
static __always_inline void capture_commit(struct pl_stats *s, struct pl_pkt_event *ev,
					   long copy_err, __u32 n, __u64 wire_len,
					   __u32 ifindex)
{
	if (copy_err) {
		bpf_ringbuf_discard(ev, 0);
		s->capture_lost++;
		return;
	}
	ev->cap_len = n;
	ev->wire_len = wire_len;
	ev->ifindex = ifindex;
	bpf_ringbuf_submit(ev, 0);
	s->capture_copied++;
}

/* Mitigation's verdict, verified once as a function of its own. */
__noinline int pl_mitigate_xdp(struct xdp_md *ctx, __u64 len)
{
	if (!ctx)
		return XDP_PASS;
	return pl_mitigate((void *)(long)ctx->data, (void *)(long)ctx->data_end, len);
}

__noinline int pl_mitigate_tc(struct __sk_buff *skb, __u64 len)
{
	if (!skb)
		return XDP_PASS;
	return pl_mitigate((void *)(long)skb->data, (void *)(long)skb->data_end, len);
}

static __always_inline int xdp_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};
	struct pl_stats *s;

	__u32 inner_off;
	int inner_proto, verdict;

	/* Live frames are single-buffer unless the program was loaded for frags (jumbo MTU). */
	if (pl_cfg_offline) {
		struct pl_offline_frame *f = offline_frame();

		/* frame_len 0: the file's frame is the Ethernet one (tests, benches) */
		p.len = f->frame_len ? f->frame_len : f->wire_len;
		p.len_adj = (__s64)p.len - f->wire_len;
	} else if (pl_cfg_frags)
		p.len = bpf_xdp_get_buff_len(ctx);
	else
		p.len = (__u64)(data_end - data);
	/* The verdict first; the packet is counted below either way. */
	verdict = pl_cfg_mitigate && !pl_cfg_offline ? pl_mitigate_xdp(ctx, p.len) : XDP_PASS;
	s = analyse(data, data_end, &p, &inner_off, &inner_proto);
	if (s && inner_off)
		pl_inner_xdp(ctx, s, p.len, inner_off, inner_proto);
	if (s && pl_cfg_tcp && pl_cfg_flows) {
		struct pl_tcp_in *in = tcp_in(&p, 1, 0);

		if (in)
			pl_tcp_xdp(ctx, in);
	}
	if (s && pl_cfg_l7_pkts) {
		struct pl_l7_counters *c = l7_count(&p);

		if (l7_wanted(&p))
			l7_sample_xdp(ctx, c, &p, pl_now_precise());
	}
	if (s && pl_cfg_snaplen) {
		struct pl_pkt_event *ev = capture_reserve(s);
		/* What the buffer holds: live that is p.len; offline p.len is the wire length. */
		__u32 n = capture_len(pl_cfg_offline ? bpf_xdp_get_buff_len(ctx) : p.len);

		if (ev)
			capture_commit(s, ev, n ? bpf_xdp_load_bytes(ctx, 0, ev + 1, n) : -1, n,
				       p.len, ctx->ingress_ifindex);
	}
	/* Last: the verifier takes the call as writing all of p (see count_detect). */
	if (s && pl_cfg_detect && (p.key.family || p.arp_req))
		pl_det_xdp(ctx, &p);
	return verdict;
}

#define PL_ETH_HLEN 14 /* bpf_xdp_adjust_head/_tail leave at least this much in view */

/* One frame, as a global function: the verifier checks it once, not per offline frame. */
__noinline int pl_xdp_frame(struct xdp_md *ctx)
{
	if (!ctx)
		return XDP_ABORTED;
	return xdp_frame(ctx);
}

/*
 * An offline run: one frame, or a batch packed last-first (see struct
 * pl_offline_input). Frame i ends where frame i-1 starts; moving the start back onto
 * it and then the end back by frame i-1's length leaves exactly frame i in view.
 * Anything inconsistent aborts the run, which user space reports.
 */
static __always_inline int xdp_offline(struct xdp_md *ctx)
{
	struct pl_offline_input *in = offline_in();
	__u32 n = in->n, end, start, pos = 0, prev = 0;

	in->cur = 0;
	if (n <= 1)
		return pl_xdp_frame(ctx);
	if (n > PL_OFFLINE_BATCH)
		return XDP_ABORTED;
	end = ctx->data_end - ctx->data;
	for (__u32 i = 0; i < PL_OFFLINE_BATCH; i++) {
		__u32 len;

		if (i >= n)
			break;
		len = in->f[i].cap_len;
		if (len < PL_ETH_HLEN || len > end)
			return XDP_ABORTED;
		start = end - len;
		if (bpf_xdp_adjust_head(ctx, (int)start - (int)pos))
			return XDP_ABORTED;
		if (prev && bpf_xdp_adjust_tail(ctx, -(int)prev))
			return XDP_ABORTED;
		in->cur = i;
		if (pl_xdp_frame(ctx) != XDP_PASS)
			return XDP_ABORTED;
		pos = start;
		prev = len;
		end = start;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_pktlens(struct xdp_md *ctx)
{
	/*
	 * The frame's work in a function of its own in both modes: inlined here, its
	 * locals sat in this frame under the offline loop's, and the offline call chain
	 * (this, the frame, TCP tracking) went past the 512-byte stack.
	 */
	return pl_cfg_offline ? xdp_offline(ctx) : pl_xdp_frame(ctx);
}

/*
 * "No verdict": the next tc filter (or tcx program) still sees the packet. TC_ACT_OK
 * would end classification here and skip the filters queued after ours.
 */
#define PL_TC_NEXT TC_ACT_UNSPEC

/* Enough linear bytes for every header we parse (QinQ + IPv6 chain + VXLAN inner). */
#define PL_TC_PULL 256

SEC("tc")
int tc_pktlens(struct __sk_buff *skb)
{
	__u32 want = skb->len < PL_TC_PULL ? skb->len : PL_TC_PULL;
	struct pkt p = {};
	struct pl_stats *s;
	void *data, *data_end;
	int verdict = PL_TC_NEXT;

	/* Counting only parses nothing, and bpf_skb_load_bytes reads any skb. */
	if (!pl_cfg_count_only && skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	/* The wire frame carried the tag the driver or veth moved into the skb. */
	p.len = skb->len + (skb->vlan_present ? 4 : 0);
	__u32 inner_off;
	int inner_proto;

	p.key.vlan = skb->vlan_tci & 0x0fff;
	p.vlan_pre = skb->vlan_present;
	if (pl_cfg_mitigate && pl_mitigate_tc(skb, p.len) == XDP_DROP)
		verdict = TC_ACT_SHOT;
	s = analyse(data, data_end, &p, &inner_off, &inner_proto);
	/* Inner lengths are only checked against offsets in the buffer, which lacks the tag. */
	if (s && inner_off)
		pl_inner_tc(skb, s, skb->len, inner_off, inner_proto);
	if (s && pl_cfg_tcp && pl_cfg_flows) {
		struct pl_tcp_in *in = tcp_in(&p, skb->gso_segs, 0);

		if (in)
			pl_tcp_skb(skb, in);
	}
	if (s && skb->vlan_present)
		s->vlan_tagged++;
	if (s && pl_cfg_l7_pkts) {
		struct pl_l7_counters *c = l7_count(&p);

		if (l7_wanted(&p))
			l7_sample_skb(skb, c, &p, pl_now_precise());
	}
	/* After the rest: the verifier takes the call as writing all of p. */
	if (s && pl_cfg_detect && (p.key.family || p.arp_req))
		pl_det_tc(skb, &p);
	if (s && pl_cfg_snaplen) {
		struct pl_pkt_event *ev = capture_reserve(s);
		__u32 n = capture_len(skb->len);

		if (!ev)
			return verdict;
		if (skb->vlan_present) {
			ev->vlan_present = 1;
			ev->vlan_tci = skb->vlan_tci;
			ev->vlan_proto = skb->vlan_proto;
		}
		capture_commit(s, ev, n ? bpf_skb_load_bytes(skb, 0, ev + 1, n) : -1, n, p.len,
			       skb->ingress_ifindex);
	}
	return verdict;
}

/* L7: the outgoing direction, sampled by a tc egress program beside this one. */
#include "l7_egress.h"
#include "detect.h"
