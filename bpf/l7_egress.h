/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_egress.h - the tc egress program that samples the outgoing direction of flows
 * for L7 (bpf/l7.h), so that a server's answers are classified too; with detection on
 * it also counts what left (for detection's "was this asked for?"). It counts nothing
 * that the reports show: every counter of monitor stays what the interface receives.
 * The parsers count into a scratch copy of pl_stats, and the packets and bytes of each
 * flow and direction that left are counted in pl_l7_egress, not in pl_flows (EVE flow
 * events add them). With a filter
 * (pl_cfg_l7_egress_known), only flows that the filter let into pl_flows are sampled.
 * Included at the end of pktlens.bpf.c: it reuses the ingress parsers as they are.
 */
#ifndef PL_BPF_L7_EGRESS_H
#define PL_BPF_L7_EGRESS_H

const volatile __u8 pl_cfg_l7_egress_known = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_stats);
} pl_l7_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_FLOWS_DEFAULT);
	__type(key, struct pl_flow_key);
	__type(value, struct pl_l7_egress_val);
} pl_l7_egress SEC(".maps");

static __always_inline __u32 l7_egress_add(struct pl_l7_egress_val *v, const struct pkt *p)
{
	__u32 d = p->l7_dir & 1;

	__sync_fetch_and_add(&v->bytes[d], p->len);
	return __sync_fetch_and_add(&v->packets[d], 1) + 1;
}

/* Packets of the flow that left in @p's direction, this one included; 0: not tracked. */
static __always_inline __u32 l7_egress_count(struct pkt *p)
{
	struct pl_l7_egress_val *v, nv = {};
	__u32 d = p->l7_dir & 1;

	v = bpf_map_lookup_elem(&pl_l7_egress, &p->key);
	if (v)
		return l7_egress_add(v, p);
	/* Constant indexes: clang would OR a variable one into the stack pointer. */
	nv.packets[0] = !d;
	nv.packets[1] = d;
	nv.bytes[0] = d ? 0 : p->len;
	nv.bytes[1] = d ? p->len : 0;
	if (!bpf_map_update_elem(&pl_l7_egress, &p->key, &nv, BPF_NOEXIST))
		return 1;
	v = bpf_map_lookup_elem(&pl_l7_egress, &p->key); /* another CPU inserted it */
	return v ? l7_egress_add(v, p) : 0;
}

SEC("tc")
int tc_pktlens_egress(struct __sk_buff *skb)
{
	__u32 want = skb->len < PL_TC_PULL ? skb->len : PL_TC_PULL;
	struct pl_l7_counters *c;
	struct pkt p = {};
	struct cursor cur;
	__u32 zero = 0;
	int inner;

	if (!pl_cfg_l7_pkts && !pl_cfg_tcp && !pl_cfg_detect)
		return PL_TC_NEXT;
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	cur.start = cur.pos = (void *)(long)skb->data;
	cur.end = (void *)(long)skb->data_end;
	p.s = bpf_map_lookup_elem(&pl_l7_scratch, &zero);
	c = bpf_map_lookup_elem(&pl_l7_counts, &zero);
	if (!p.s || !c)
		return PL_TC_NEXT;
	p.len = skb->len + (skb->vlan_present ? 4 : 0);
	p.key.vlan = skb->vlan_tci & 0x0fff;
	p.vlan_pre = skb->vlan_present;
	p.cut = cur.end - cur.start < pl_buf_len(&p);
	p.egress = 1;
	if (!(pl_cfg_fast_path && parse_fast(&cur, &p)))
		parse_outer(&cur, &p, &inner);
	if (!p.has_flow)
		return PL_TC_NEXT;
	p.l7_dir = normalize_key(&p.key); /* as update_flow() does */
	if (pl_cfg_l7_egress_known && !bpf_map_lookup_elem(&pl_flows, &p.key))
		return PL_TC_NEXT;
	if (pl_cfg_tcp) {
		struct pl_tcp_in *in = tcp_in(&p, skb->gso_segs, 1);

		if (in)
			pl_tcp_skb(skb, in);
	}
	/* Detection asks what left: an answer to the host's own query is no scan or flood. */
	if (!pl_cfg_l7_pkts && !pl_cfg_detect)
		return PL_TC_NEXT;
	p.l7_dir_pkts = l7_egress_count(&p);
	if (pl_cfg_l7_pkts)
		l7_sample_skb_dir(skb, c, &p, pl_now_precise(), 1);
	return PL_TC_NEXT;
}

#endif /* PL_BPF_L7_EGRESS_H */
