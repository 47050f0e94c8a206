// SPDX-License-Identifier: BSD-2-Clause
/*
 * rules.c - rules in the mitigation maps (see rules.h). The meta data of a rule is
 * written before its prefixes (the kernel finds it on the first match) and cleared
 * after them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mitigate/rules.h"

__u64 pl_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *pl_rule_kind_name(int kind)
{
	static const char *const n[PL_RULE_KIND_MAX] = { "none", "block", "port", "allow",
							  "rate", "list" };

	return kind >= 0 && kind < PL_RULE_KIND_MAX ? n[kind] : "?";
}

const char *pl_mit_reason_name(int why)
{
	static const char *const n[PL_MIT_MAX] = { "none", "block", "port", "rate" };

	return why >= 0 && why < PL_MIT_MAX ? n[why] : "?";
}

static void rule_prefix(const struct pl_rule *r, struct pl_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = r->family;
	p->plen = r->plen;
	memcpy(p->addr, r->addr, 16);
}

static int read_rules(struct pl_mit *m, struct pl_rule *all)
{
	for (__u32 i = 0; i < PL_RULES_MAX; i++)
		if (bpf_map_lookup_elem(m->rules_fd, &i, &all[i]))
			return -errno;
	return 0;
}

static bool sport_rule(const struct pl_rule *r)
{
	return r->kind == PL_RULE_PORT && (r->flags & PL_RULE_F_SPORT);
}

static int cfg_adjust(struct pl_mit *m, const struct pl_rule *r, int delta)
{
	struct pl_mit_cfg c;
	__u32 k = 0, *n;
	int kind = r->kind;

	if (bpf_map_lookup_elem(m->cfg_fd, &k, &c))
		return -errno;
	n = sport_rule(r) ? &c.n_sport : kind == PL_RULE_ALLOW ? &c.n_allow :
	    kind == PL_RULE_PORT ? &c.n_port : kind == PL_RULE_RATE ? &c.n_rate : &c.n_block;
	*n += delta;
	return bpf_map_update_elem(m->cfg_fd, &k, &c, BPF_ANY) ? -errno : 0;
}

static int trie_of(struct pl_mit *m, int kind)
{
	return kind == PL_RULE_ALLOW ? m->allow_fd : kind == PL_RULE_PORT ? m->port_fd : m->rate_fd;
}

static void trie_key(const struct pl_rule *r, struct pl_rule_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + r->plen;
	k->family = r->family;
	if (r->kind == PL_RULE_PORT) {
		k->proto = r->proto;
		k->port = r->port;
	}
	if (sport_rule(r)) /* a key space of its own in the same trie */
		k->family |= PL_RULE_KEY_SPORT;
	memcpy(k->addr, r->addr, 16);
}

static bool overlap(const struct pl_rule *a, const struct pl_rule *b)
{
	struct pl_prefix pa, pb;

	rule_prefix(a, &pa);
	rule_prefix(b, &pb);
	return pl_prefix_contains(&pa, &pb) || pl_prefix_contains(&pb, &pa);
}

int pl_rule_check_alone(const struct pl_rule_spec *sp, char *err, size_t errlen)
{
	const struct pl_rule *r = &sp->r;
	struct pl_prefix p;
	char a[64];

	rule_prefix(r, &p);
	if (r->kind == PL_RULE_BLOCK && !r->plen) {
		snprintf(err, errlen, "refusing to block %s: that is every %s address; block "
				      "something narrower", pl_prefix_str(&p, a, sizeof(a)),
			 r->family == 4 ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	return 0;
}

/*
 * An allow entry inside a blocklist's prefix is refused as one inside a block: @sp an
 * allow rule and the lists in force, or @sp a list and the allow rules in force (the
 * host's own, implicit ones win inside lists: a list may cover this host's network).
 */
static int allow_in_list(struct pl_mit *m, const struct pl_rule_spec *sp,
			 const struct pl_rule *all, char *err, size_t errlen)
{
	const struct pl_rule *r = &sp->r;
	char a[64], b[64];
	struct pl_prefix p;

	if (r->kind == PL_RULE_ALLOW && r->origin != PL_ORIGIN_IMPLICIT) {
		rule_prefix(r, &p);
		for (int len = 0; len <= r->plen; len++) {
			struct pl_prefix q = p;
			__u32 id;

			q.plen = len;
			pl_prefix_mask(&q);
			if (pl_bl_get(&m->bl, &q, &id) || id >= PL_RULES_MAX ||
			    all[id].kind != PL_RULE_LIST)
				continue;
			snprintf(err, errlen, "allow %s would lie inside %s of blocklist %s (rule "
					      "%u): the allowlist wins, so the list would have a "
					      "hole; take the prefix out of the list instead",
				 pl_prefix_str(&p, a, sizeof(a)), pl_prefix_str(&q, b, sizeof(b)),
				 all[id].label, id);
			return -EINVAL;
		}
	}
	if (r->kind != PL_RULE_LIST)
		return 0;
	for (__u32 i = 1; i < PL_RULES_MAX; i++) {
		if (all[i].kind != PL_RULE_ALLOW || all[i].origin == PL_ORIGIN_IMPLICIT)
			continue;
		rule_prefix(&all[i], &p);
		for (size_t k = 0; k < sp->nlist; k++) {
			if (!pl_prefix_contains(&sp->list[k], &p))
				continue;
			snprintf(err, errlen, "blocklist %s: %s holds allow %s (rule %u): the "
					      "allowlist wins, so the list would have a hole; take "
					      "the prefix out of the list instead", r->label,
				 pl_prefix_str(&sp->list[k], b, sizeof(b)),
				 pl_prefix_str(&p, a, sizeof(a)), i);
			return -EINVAL;
		}
	}
	return 0;
}

/* The checks of "Bad input": clear errors before anything is written. */
static int check(const struct pl_rule_spec *sp, const struct pl_rule *all,
		 const struct pl_prefix *prot, size_t nprot, char *err, size_t errlen)
{
	const struct pl_rule *r = &sp->r;
	struct pl_prefix p;
	char a[64], b[64];

	rule_prefix(r, &p);
	if (pl_rule_check_alone(sp, err, errlen))
		return -EINVAL;
	if (r->kind != PL_RULE_LIST && pl_proto_check(r->proto, r->family, err, errlen))
		return -EINVAL;
	for (__u32 i = 1; i < PL_RULES_MAX; i++) {
		const struct pl_rule *o = &all[i];
		struct pl_prefix op;
		bool same_kind = o->kind == r->kind && (r->kind != PL_RULE_PORT ||
			(o->port == r->port && o->proto == r->proto &&
			 sport_rule(o) == sport_rule(r)));

		if (!o->kind || o->kind == PL_RULE_LIST || r->kind == PL_RULE_LIST ||
		    o->family != r->family || !overlap(o, r))
			continue;
		rule_prefix(o, &op);
		pl_prefix_str(&op, b, sizeof(b));
		pl_prefix_str(&p, a, sizeof(a));
		/* A rate rule inside another is its exception: the longest prefix applies. */
		if (same_kind && r->kind == PL_RULE_RATE && o->plen != r->plen)
			continue;
		if (same_kind) {
			snprintf(err, errlen, "%s %s overlaps rule %u (%s %s%s): remove that one "
					      "first (pktlens unblock) or merge them",
				 pl_rule_kind_name(r->kind), a, i, pl_rule_kind_name(o->kind), b,
				 o->origin == PL_ORIGIN_FILE ? ", from the rules file" : "");
			return -EEXIST;
		}
		if (o->kind == PL_RULE_ALLOW && o->origin == PL_ORIGIN_IMPLICIT &&
		    r->kind != PL_RULE_RATE && r->kind != PL_RULE_ALLOW && !sport_rule(r) &&
		    r->plen <= o->plen) {
			snprintf(err, errlen, "%s %s covers %s, an address of this host or its "
					      "gateway: pktlens never blocks those",
				 pl_rule_kind_name(r->kind), a, b);
			return -EPERM;
		}
		if ((r->kind == PL_RULE_ALLOW && o->kind == PL_RULE_BLOCK && o->plen <= r->plen) ||
		    (r->kind == PL_RULE_BLOCK && o->kind == PL_RULE_ALLOW && r->plen <= o->plen)) {
			snprintf(err, errlen, "allow %s would lie inside block %s (rule %u): the "
					      "allowlist wins, so the block would have a hole; "
					      "split the block instead",
				 r->kind == PL_RULE_ALLOW ? a : b, r->kind == PL_RULE_ALLOW ? b : a, i);
			return -EINVAL;
		}
	}
	/*
	 * A source-port rule is for answers from anywhere (0.0.0.0/0 sport 123): the allow
	 * rules of this host's addresses and gateways still win over it in the kernel.
	 */
	if ((r->kind == PL_RULE_BLOCK || r->kind == PL_RULE_PORT || r->kind == PL_RULE_RATE) &&
	    !sport_rule(r)) {
		for (size_t i = 0; i < nprot; i++) {
			if (!pl_prefix_contains(&p, &prot[i]))
				continue;
			if (r->kind == PL_RULE_RATE)
				continue; /* the host's own addresses are allowed, never limited */
			snprintf(err, errlen, "%s %s covers %s, an address of this host or its "
					      "gateway: pktlens never blocks those",
				 pl_rule_kind_name(r->kind), pl_prefix_str(&p, a, sizeof(a)),
				 pl_prefix_str(&prot[i], b, sizeof(b)));
			return -EPERM;
		}
	}
	return 0;
}

static int zero_stats(struct pl_mit *m, __u32 id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_rule_stats *z = calloc(ncpu > 0 ? ncpu : 1, sizeof(*z));
	int err = 0;

	if (!z)
		return -ENOMEM;
	if (bpf_map_update_elem(m->rule_stats_fd, &id, z, BPF_ANY))
		err = -errno;
	free(z);
	return err;
}

/* Remove the list's prefixes that carry @id (rolls back a failed add, too). */
static void list_remove(struct pl_mit *m, const struct pl_prefix *v, size_t n, __u32 id)
{
	for (size_t i = 0; i < n; i++) {
		__u32 rule;

		if (!pl_bl_get(&m->bl, &v[i], &rule) && rule == id)
			pl_bl_del(&m->bl, &v[i]);
	}
}

static int insert(struct pl_mit *m, const struct pl_rule_spec *sp, __u32 id)
{
	const struct pl_rule *r = &sp->r;
	struct pl_rule_key k;
	struct pl_prefix p;
	__u32 *ids;
	int err;

	switch (r->kind) {
	case PL_RULE_BLOCK:
		rule_prefix(r, &p);
		return pl_bl_add(&m->bl, &p, &id, 1);
	case PL_RULE_LIST:
		ids = malloc(sp->nlist * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		for (size_t i = 0; i < sp->nlist; i++)
			ids[i] = id;
		err = pl_bl_add(&m->bl, sp->list, ids, sp->nlist);
		free(ids);
		if (err)
			list_remove(m, sp->list, sp->nlist, id);
		return err;
	default:
		trie_key(r, &k);
		return bpf_map_update_elem(trie_of(m, r->kind), &k, &id, BPF_NOEXIST) ? -errno : 0;
	}
}

int pl_rule_add(struct pl_mit *m, const struct pl_rule_spec *sp,
		const struct pl_prefix *prot, size_t nprot, __u32 *id, char *err, size_t errlen)
{
	struct pl_rule *all = calloc(PL_RULES_MAX, sizeof(*all)), r = sp->r;
	__u32 slot = 0;
	int e;

	if (!all)
		return -ENOMEM;
	e = read_rules(m, all);
	if (e) {
		snprintf(err, errlen, "cannot read the rules: %s", strerror(-e));
		goto out;
	}
	e = check(sp, all, prot, nprot, err, errlen);
	if (!e)
		e = allow_in_list(m, sp, all, err, errlen);
	if (e)
		goto out;
	for (__u32 i = 1; i < PL_RULES_MAX && !slot; i++)
		if (!all[i].kind)
			slot = i;
	if (!slot) {
		snprintf(err, errlen, "the rule table is full (%d rules): remove some first "
				      "(pktlens unblock)", PL_RULES_MAX - 1);
		e = -ENOSPC;
		goto out;
	}
	if (sp->ttl_s)
		r.expires_ns = pl_mono_ns() + sp->ttl_s * 1000000000ull;
	r.created_s = time(NULL);
	e = zero_stats(m, slot);
	if (!e && bpf_map_update_elem(m->rules_fd, &slot, &r, BPF_ANY))
		e = -errno;
	if (!e)
		e = insert(m, sp, slot);
	if (!e)
		e = cfg_adjust(m, &r, 1);
	if (e) {
		struct pl_rule none = {};

		bpf_map_update_elem(m->rules_fd, &slot, &none, BPF_ANY);
		snprintf(err, errlen, "%s", e == -E2BIG || e == -ENOSPC || e == -ENOMEM ?
			 "a rule map is full: nothing was applied; remove rules or start protect "
			 "with a larger --blocklist-size" : strerror(-e));
		if (e == -EEXIST)
			snprintf(err, errlen, "that rule exists already");
		goto out;
	}
	*id = slot;
out:
	free(all);
	return e;
}

/* A list rule's prefixes: every entry of both hashes that carries @id. */
static void list_remove_all(struct pl_mit *m, __u32 id)
{
	for (int f = 0; f < 2; f++) {
		struct pl_bl6_key k, next;
		void *prev = NULL;
		struct pl_bl_val v;

		while (!bpf_map_get_next_key(m->bl.hash_fd[f], prev, &next)) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(m->bl.hash_fd[f], &k, &v) || v.rule != id)
				continue;
			{
				struct pl_prefix p = { .family = f ? 6 : 4, .plen = k.plen };

				/* An IPv4 key is (plen, addr): its address is the first word after plen. */
				memcpy(p.addr, k.addr, f ? 16 : 4);
				pl_bl_del(&m->bl, &p);
			}
			prev = NULL; /* the walk starts again after a delete */
		}
	}
}

/*
 * A rate rule's token buckets: a rule that takes the slot later must start with full
 * buckets, not with this one's arrival times.
 */
static void rate_states_remove(struct pl_mit *m, __u32 id)
{
	struct pl_rate_key cur, next, *v = NULL, *nv;
	size_t n = 0, cap = 0;
	bool first = true;

	if (m->rate_state_fd < 0)
		return;
	/* Collect, then delete: a delete in the middle of the walk would restart it. */
	while (!bpf_map_get_next_key(m->rate_state_fd, first ? NULL : &cur, &next)) {
		first = false;
		cur = next;
		if (cur.rule != id)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(m->rate_state_fd, &v[i]);
	free(v);
}

int pl_rule_del(struct pl_mit *m, __u32 id)
{
	struct pl_rule r, none = {};
	struct pl_rule_key k;
	struct pl_prefix p;
	int err = 0;

	if (!id || id >= PL_RULES_MAX || bpf_map_lookup_elem(m->rules_fd, &id, &r))
		return -ENOENT;
	if (!r.kind)
		return -ENOENT;
	switch (r.kind) {
	case PL_RULE_BLOCK:
		rule_prefix(&r, &p);
		err = pl_bl_del(&m->bl, &p);
		break;
	case PL_RULE_LIST:
		list_remove_all(m, id);
		break;
	default:
		trie_key(&r, &k);
		if (bpf_map_delete_elem(trie_of(m, r.kind), &k))
			err = -errno;
	}
	if (err && err != -ENOENT)
		return err;
	if (r.kind == PL_RULE_RATE)
		rate_states_remove(m, id);
	cfg_adjust(m, &r, -1);
	return bpf_map_update_elem(m->rules_fd, &id, &none, BPF_ANY) ? -errno : 0;
}

int pl_rule_find(struct pl_mit *m, const struct pl_rule *want, __u32 *id)
{
	for (__u32 i = 1; i < PL_RULES_MAX; i++) {
		struct pl_rule r;

		if (bpf_map_lookup_elem(m->rules_fd, &i, &r))
			return -errno;
		if (r.kind != want->kind || r.family != want->family || r.plen != want->plen ||
		    memcmp(r.addr, want->addr, 16) || r.port != want->port || r.proto != want->proto ||
		    (r.flags & PL_RULE_F_SPORT) != (want->flags & PL_RULE_F_SPORT))
			continue;
		*id = i;
		return 0;
	}
	return -ENOENT;
}

int pl_rule_list(struct pl_mit *m, struct pl_rule_row **rows, size_t *n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_rule_stats *pc = calloc(ncpu > 0 ? ncpu : 1, sizeof(*pc));
	struct pl_rule_row *v = NULL;
	size_t cnt = 0;
	int err = 0;

	if (!pc)
		return -ENOMEM;
	for (__u32 i = 1; i < PL_RULES_MAX && !err; i++) {
		struct pl_rule r;
		struct pl_rule_row *nv;

		if (bpf_map_lookup_elem(m->rules_fd, &i, &r)) {
			err = -errno;
			break;
		}
		if (!r.kind)
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].id = i;
		v[cnt].r = r;
		if (!bpf_map_lookup_elem(m->rule_stats_fd, &i, pc))
			for (int c = 0; c < ncpu; c++) {
				v[cnt].st.packets += pc[c].packets;
				v[cnt].st.bytes += pc[c].bytes;
			}
		cnt++;
	}
	free(pc);
	if (err) {
		free(v);
		return err;
	}
	*rows = v;
	*n = cnt;
	return 0;
}

int pl_rule_expire(struct pl_mit *m)
{
	__u64 now = pl_mono_ns();
	int n = 0;

	for (__u32 i = 1; i < PL_RULES_MAX; i++) {
		struct pl_rule r;

		if (bpf_map_lookup_elem(m->rules_fd, &i, &r))
			return -errno;
		if (r.kind && r.expires_ns && r.expires_ns <= now && !pl_rule_del(m, i))
			n++;
	}
	return n;
}

int pl_mit_stats_read(struct pl_mit *m, struct pl_mit_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_mit_stats *pc = calloc(ncpu > 0 ? ncpu : 1, sizeof(*pc));
	__u32 k = 0;
	int err = 0;

	if (!pc)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(m->stats_fd, &k, pc))
		err = -errno;
	for (int c = 0; c < ncpu && !err; c++) {
		out->allowed += pc[c].allowed;
		out->dropped += pc[c].dropped;
		out->dropped_bytes += pc[c].dropped_bytes;
		out->would_drop += pc[c].would_drop;
		out->rate_races += pc[c].rate_races;
		for (int w = 0; w < PL_MIT_MAX; w++)
			out->reason[w] += pc[c].reason[w];
	}
	free(pc);
	return err;
}

int pl_mit_set_dry_run(struct pl_mit *m, bool on)
{
	struct pl_mit_cfg c;
	__u32 k = 0;

	if (bpf_map_lookup_elem(m->cfg_fd, &k, &c))
		return -errno;
	c.dry_run = on;
	return bpf_map_update_elem(m->cfg_fd, &k, &c, BPF_ANY) ? -errno : 0;
}
