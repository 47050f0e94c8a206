/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate.h - the verdict of `pktlens protect`: allowlist, CIDR blocks (the blocklist,
 * bpf/blocklist.h), address+port(+protocol) rules and per-source rate limits, with
 * counters per rule and per reason. The pipeline asks for the verdict first and then
 * counts the packet as always, so a dropped packet is still in the traffic statistics
 * (and in pl_mit_stats as dropped). Everything is skipped while the tables are empty.
 *
 * Order: an allow rule wins over everything; then blocks, port rules (destination,
 * then source port with a minimum frame size), rate limits. A
 * rule past its expiry time is ignored (user space removes it soon after). In a dry
 * run, or for a rule flagged alert-only, the drop is counted and the packet passes.
 */
#ifndef PL_MITIGATE_H
#define PL_MITIGATE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"
#include "blocklist.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_mit_cfg);
} pl_mit_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_mit_stats);
} pl_mit_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_RULES_MAX);
	__type(key, __u32);
	__type(value, struct pl_rule);
} pl_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_RULES_MAX);
	__type(key, __u32);
	__type(value, struct pl_rule_stats);
} pl_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_rule_key);
	__type(value, __u32);
} pl_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_PORT_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_rule_key);
	__type(value, __u32);
} pl_port_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_RULES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_rule_key);
	__type(value, __u32);
} pl_rate_rules SEC(".maps");

/* Per source and rate rule: the GCRA's theoretical arrival time (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_RATE_SOURCES_DEFAULT);
	__type(key, struct pl_rate_key);
	__type(value, __u64);
} pl_rate_state SEC(".maps");

/* What the verdict needs of a packet. */
struct pl_mit_pkt {
	__u32 addr[4];
	__u16 dport;  /* network order; 0: none */
	__u16 sport;  /* network order; 0: none */
	__u8 family;  /* 0: not IP */
	__u8 proto;
};

#define PL_MIT_VLAN_MAX 2

static __always_inline void pl_mit_parse(void *data, void *end, struct pl_mit_pkt *m)
{
	struct ethhdr *eth = data;
	__u8 *l4 = 0, *h;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return;
	proto = eth->h_proto;
	h = (void *)(eth + 1);
#pragma unroll
	for (int i = 0; i < PL_MIT_VLAN_MAX; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(h + 4) > end)
			return;
		proto = *(__u16 *)(h + 2);
		h += 4;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		__u32 ihl;

		if ((void *)(h + 20) > end)
			return;
		ihl = (h[0] & 0x0f) * 4;
		m->family = 4;
		m->proto = h[9];
		m->addr[0] = *(__u32 *)(h + 12);
		/* Ports only in the first fragment (offset 0). */
		if (ihl >= 20 && !(*(__u16 *)(h + 6) & bpf_htons(0x1fff)))
			l4 = h + ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(h + 40) > end)
			return;
		m->family = 6;
		m->proto = h[6];
		__builtin_memcpy(m->addr, h + 8, 16);
		l4 = h + 40; /* extension headers: no port, the address rules still apply */
	}
	if (l4 && (m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP ||
		   m->proto == IPPROTO_SCTP) && (void *)(l4 + 4) <= end) {
		m->sport = *(__u16 *)l4;
		m->dport = *(__u16 *)(l4 + 2);
	}
}

static __always_inline __u32 pl_mit_trie(void *map, const struct pl_mit_pkt *m, __u8 family,
					 __u8 proto, __u16 port)
{
	struct pl_rule_key k = { .prefixlen = 32 + 128, .family = family, .proto = proto,
				 .port = port };
	__u32 *v;

	__builtin_memcpy(k.addr, m->addr, 16);
	v = bpf_map_lookup_elem(map, &k);
	return v ? *v : 0;
}

/* The rule's meta data if it is in force (not expired), else NULL. */
static __always_inline struct pl_rule *pl_mit_rule(__u32 id)
{
	struct pl_rule *r = bpf_map_lookup_elem(&pl_rules, &id);

	if (!r || !r->kind)
		return NULL;
	if (r->expires_ns && bpf_ktime_get_coarse_ns() > r->expires_ns)
		return NULL;
	return r;
}

static __always_inline void pl_mit_count(__u32 id, __u64 len)
{
	struct pl_rule_stats *rs = bpf_map_lookup_elem(&pl_rule_stats, &id);

	if (rs) {
		rs->packets++;
		rs->bytes += len;
	}
}

/*
 * Per-source (or, aggregate rules, per-rule) token bucket as a GCRA: the state is the time the bucket would be full
 * again; a packet may come when that is at most burst intervals ahead of now. The
 * compare-and-swap makes it exact when several CPUs see one source.
 */
static __always_inline int pl_mit_over_rate(const struct pl_rule *r, __u32 id,
					    const struct pl_mit_pkt *m, struct pl_mit_stats *st)
{
	struct pl_rate_key k = { .rule = id };
	__u64 now = bpf_ktime_get_ns(), interval, tau, *tat;

	if (!r->pps)
		return 1;
	interval = 1000000000ULL / r->pps;
	tau = interval * (r->burst ? r->burst : 1);
	/* An aggregate rule keeps one bucket (address 0): many sources, one limit. */
	if (!(r->flags & PL_RULE_F_AGGREGATE))
		__builtin_memcpy(k.addr, m->addr, 16);
	tat = bpf_map_lookup_elem(&pl_rate_state, &k);
	if (!tat) {
		__u64 t = now + interval;

		bpf_map_update_elem(&pl_rate_state, &k, &t, BPF_NOEXIST);
		return 0;
	}
	for (int i = 0; i < 4; i++) {
		__u64 old = *tat, t = old > now ? old : now;

		if (t - now + interval > tau)
			return 1;
		if (__sync_val_compare_and_swap(tat, old, t + interval) == old)
			return 0;
	}
	st->rate_races++;
	return 0;
}

/*
 * The port rule of a packet: destination port and protocol (PL_MIT_Q_DPORT), then, for
 * reflected answers, source port and protocol in frames of at least the rule's min_len
 * (PL_MIT_Q_SPORT); 0: none. A global function taking scalars (the packet's address
 * in @a01, @a23; family, protocol, ports and what to look for in @q, pl_mit_q()): the
 * verifier walks its paths once, and the verdict's following paths once for it. Inlined,
 * the source-port lookup cost ~100k processed instructions; with a pointer argument the
 * program went past the limit.
 */
#define PL_MIT_Q_DPORT (1ULL << 48)
#define PL_MIT_Q_SPORT (2ULL << 48)

static __always_inline __u64 pl_mit_q(const struct pl_mit_pkt *m)
{
	return m->family | (__u64)m->proto << 8 | (__u64)m->sport << 16 | (__u64)m->dport << 32;
}

__noinline int pl_mit_port(__u64 a01, __u64 a23, __u64 q, __u64 len)
{
	struct pl_mit_pkt m = { .family = q & 0xff, .proto = q >> 8 & 0xff,
				.sport = q >> 16 & 0xffff, .dport = q >> 32 & 0xffff };
	struct pl_rule *r;
	__u32 id = 0;

	__builtin_memcpy(m.addr, &a01, 8);
	__builtin_memcpy(m.addr + 2, &a23, 8);
	if (q & PL_MIT_Q_DPORT) {
		id = pl_mit_trie(&pl_port_rules, &m, m.family, m.proto, m.dport);
		if (!id)
			id = pl_mit_trie(&pl_port_rules, &m, m.family, m.proto, 0);
		if (!id && m.dport)
			id = pl_mit_trie(&pl_port_rules, &m, m.family, 0, m.dport);
		if (id)
			return id;
	}
	if (!(q & PL_MIT_Q_SPORT) || !m.sport)
		return 0;
	id = pl_mit_trie(&pl_port_rules, &m, m.family | PL_RULE_KEY_SPORT, m.proto, m.sport);
	r = id ? bpf_map_lookup_elem(&pl_rules, &id) : 0;
	return r && len >= r->min_len ? id : 0;
}

/* The verdict for one frame: XDP_PASS or XDP_DROP. */
static __always_inline int pl_mitigate(void *data, void *end, __u64 len)
{
	struct pl_mit_pkt m = {};
	struct pl_mit_stats *st;
	struct pl_mit_cfg *cfg;
	struct pl_rule *r = 0;
	__u32 zero = 0, id = 0;
	int why = PL_MIT_NONE;

	cfg = bpf_map_lookup_elem(&pl_mit_cfg, &zero);
	if (!cfg || !(cfg->n_allow | cfg->n_block | cfg->n_port | cfg->n_rate | cfg->n_sport))
		return XDP_PASS;
	pl_mit_parse(data, end, &m);
	if (!m.family)
		return XDP_PASS;
	st = bpf_map_lookup_elem(&pl_mit_stats, &zero);
	if (!st)
		return XDP_PASS;
	if (cfg->n_allow) {
		id = pl_mit_trie(&pl_allow, &m, m.family, 0, 0);
		if (id && pl_mit_rule(id)) {
			pl_mit_count(id, len);
			st->allowed++;
			return XDP_PASS;
		}
	}
	if (cfg->n_block) {
		id = m.family == 4 ? pl_bl_lookup4(m.addr[0]) : pl_bl_lookup6(m.addr);
		r = id ? pl_mit_rule(id) : 0;
		why = r ? PL_MIT_BLOCK : 0;
	}
	if (!r && (cfg->n_port | cfg->n_sport)) {
		__u64 a01, a23;

		__builtin_memcpy(&a01, m.addr, 8);
		__builtin_memcpy(&a23, m.addr + 2, 8);
		id = pl_mit_port(a01, a23, pl_mit_q(&m) | (cfg->n_port ? PL_MIT_Q_DPORT : 0) |
				 (cfg->n_sport ? PL_MIT_Q_SPORT : 0), len);
		r = id ? pl_mit_rule(id) : 0;
		why = r ? PL_MIT_PORT : 0;
	}
	if (!r && cfg->n_rate) {
		id = pl_mit_trie(&pl_rate_rules, &m, m.family, 0, 0);
		r = id ? pl_mit_rule(id) : 0;
		if (r && !pl_mit_over_rate(r, id, &m, st))
			return XDP_PASS;
		why = r ? PL_MIT_RATE : 0;
	}
	if (!r)
		return XDP_PASS;
	pl_mit_count(id, len);
	if (why < PL_MIT_MAX)
		st->reason[why]++;
	if (cfg->dry_run || (r->flags & PL_RULE_F_ALERT)) {
		st->would_drop++;
		return XDP_PASS;
	}
	st->dropped++;
	st->dropped_bytes += len;
	return XDP_DROP;
}

#endif /* PL_MITIGATE_H */
