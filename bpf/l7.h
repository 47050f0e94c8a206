/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7.h - flow-start sampling for application classification: the first
 * pl_cfg_l7_pkts packets of each flow and direction are copied (PL_L7_SNAP bytes, a
 * fixed reservation, read with bpf_xdp_load_bytes/bpf_skb_load_bytes so multi-buffer
 * frames work) to the pl_l7_events ring; later packets of the flow never are. Every
 * packet of a flow is then counted under the verdict user space wrote into
 * pl_l7_verdicts (index 0 until there is one). Off (pl_cfg_l7_pkts == 0): pruned.
 */
#ifndef PL_BPF_L7_H
#define PL_BPF_L7_H

#include "pktlens.h"

const volatile __u32 pl_cfg_l7_pkts = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} pl_l7_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_FLOWS_DEFAULT);
	__type(key, struct pl_flow_key);
	__type(value, struct pl_l7_verdict_val);
} pl_l7_verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_l7_counters);
} pl_l7_counts SEC(".maps");

/* Count the packet under its flow's verdict; returns the counters, NULL when off. */
static __always_inline struct pl_l7_counters *l7_count(const struct pkt *p)
{
	struct pl_l7_verdict_val *v;
	struct pl_l7_counters *c;
	__u32 zero = 0, app = 0, cat = 0;

	if (!pl_cfg_l7_pkts || !p->has_flow)
		return NULL;
	c = bpf_map_lookup_elem(&pl_l7_counts, &zero);
	if (!c)
		return NULL;
	v = bpf_map_lookup_elem(&pl_l7_verdicts, &p->key);
	if (v) {
		app = v->app < PL_L7_APP_MAX ? v->app : PL_L7_APP_MAX - 1;
		cat = v->category < PL_L7_CAT_MAX ? v->category : PL_L7_CAT_MAX - 1;
	}
	c->app[app & (PL_L7_APP_MAX - 1)].packets++;
	c->app[app & (PL_L7_APP_MAX - 1)].bytes += p->len;
	c->category[cat & (PL_L7_CAT_MAX - 1)].packets++;
	c->category[cat & (PL_L7_CAT_MAX - 1)].bytes += p->len;
	return c;
}

/* Is this one of the first packets of its flow in its direction? */
static __always_inline int l7_wanted(const struct pkt *p)
{
	return pl_cfg_l7_pkts && p->has_flow && p->l7_dir_pkts && p->l7_dir_pkts <= pl_cfg_l7_pkts;
}

static __always_inline struct pl_l7_sample *l7_reserve(struct pl_l7_counters *c,
							const struct pkt *p, __u64 now, __u8 egress)
{
	struct pl_l7_sample *ev = bpf_ringbuf_reserve(&pl_l7_events, sizeof(*ev) + PL_L7_SNAP, 0);

	if (!ev) {
		c->lost++;
		return NULL;
	}
	__builtin_memcpy(&ev->key, &p->key, sizeof(ev->key));
	ev->ts_ns = now;
	ev->wire_len = p->len;
	ev->dir = p->l7_dir;
	ev->egress = egress;
	ev->vlan_pre = p->vlan_pre;
	return ev;
}

/*
 * Wake the reader only once a quarter of the ring holds samples: user space reads it
 * every 50 ms anyway (after every run offline), and a wakeup per sample is an
 * interrupt of its own (perf: 7 % of analyze's time on the nDPI corpus).
 */
static __always_inline __u64 l7_wakeup(void)
{
	__u64 size = bpf_ringbuf_query(&pl_l7_events, BPF_RB_RING_SIZE);

	return bpf_ringbuf_query(&pl_l7_events, BPF_RB_AVAIL_DATA) > size / 4 ?
		       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void l7_commit(struct pl_l7_counters *c, struct pl_l7_sample *ev,
				      long err, __u32 n)
{
	if (err) {
		bpf_ringbuf_discard(ev, 0);
		c->lost++;
		return;
	}
	ev->cap_len = n;
	bpf_ringbuf_submit(ev, l7_wakeup());
	c->sampled++;
}

static __always_inline void l7_sample_xdp(struct xdp_md *ctx, struct pl_l7_counters *c,
					  const struct pkt *p, __u64 now)
{
	struct pl_l7_sample *ev;
	__u32 n = bpf_xdp_get_buff_len(ctx);

	if (!c || !l7_wanted(p))
		return;
	ev = l7_reserve(c, p, now, 0);
	if (!ev)
		return;
	n = n > PL_L7_SNAP ? PL_L7_SNAP : n;
	l7_commit(c, ev, n ? bpf_xdp_load_bytes(ctx, 0, ev + 1, n) : -1, n);
}

static __always_inline void l7_sample_skb_dir(struct __sk_buff *skb, struct pl_l7_counters *c,
					      const struct pkt *p, __u64 now, __u8 egress)
{
	struct pl_l7_sample *ev;
	__u32 n = skb->len;

	if (!c || !l7_wanted(p))
		return;
	ev = l7_reserve(c, p, now, egress);
	if (!ev)
		return;
	n = n > PL_L7_SNAP ? PL_L7_SNAP : n;
	l7_commit(c, ev, n ? bpf_skb_load_bytes(skb, 0, ev + 1, n) : -1, n);
}

static __always_inline void l7_sample_skb(struct __sk_buff *skb, struct pl_l7_counters *c,
					  const struct pkt *p, __u64 now)
{
	l7_sample_skb_dir(skb, c, p, now, 0);
}

#endif /* PL_BPF_L7_H */
