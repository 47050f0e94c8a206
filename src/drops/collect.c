// SPDX-License-Identifier: BSD-2-Clause
/* collect.c - the drops program's lifecycle and its tables read into snapshots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "drops/collect.h"
#include "util/log.h"
#include "drops.skel.h"

__u32 pl_drops_own_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

/* Open, configure and load with the program of @hook; the other one is not loaded. */
static int load(struct pl_drops *d, const struct pl_drop_names *names, bool btf_hook,
		bool dynptr)
{
	struct drops *skel = drops__open();
	int err;

	if (!skel)
		return -errno;
	skel->rodata->pl_consumed = names->consumed;
	skel->rodata->pl_not_dropped = names->not_dropped;
	skel->rodata->pl_netns = d->all_netns ? 0 : d->netns;
	skel->rodata->pl_ifindex = d->ifindex;
	skel->rodata->pl_use_dynptr = dynptr;
	bpf_program__set_autoload(skel->progs.pl_kfree_skb, btf_hook);
	bpf_program__set_autoload(skel->progs.pl_kfree_skb_raw, !btf_hook);
	err = drops__load(skel);
	if (err) {
		drops__destroy(skel);
		return err;
	}
	d->skel = skel;
	d->hook = btf_hook ? "tp_btf" : "raw_tp";
	d->whole_skb = dynptr;
	return 0;
}

int pl_drops_open(struct pl_drops *d, const struct pl_drops_opts *o,
		  const struct pl_drop_names *names)
{
	struct bpf_program *prog;
	int err, quiet;

	memset(d, 0, sizeof(*d));
	d->netns = pl_drops_own_netns();
	d->all_netns = o->all_netns;
	if (!d->netns && !o->all_netns) {
		pl_warn("cannot read this process's network namespace (/proc/self/ns/net); "
			"use --all-netns");
		return -ENOENT;
	}
	if (o->ifname) {
		snprintf(d->ifname, sizeof(d->ifname), "%s", o->ifname);
		d->ifindex = (int)if_nametoindex(o->ifname);
		if (!d->ifindex) {
			pl_warn("unknown interface '%s': see 'ip link' for the names", o->ifname);
			return -ENODEV;
		}
		d->all_netns = false; /* an ifindex means something in our namespace only */
	}
	/*
	 * tp_btf reading the whole packet through a dynptr (Linux 6.14+) first, then
	 * tp_btf reading the linear part, then raw_tp (libbpf's messages only with -vv).
	 */
	quiet = pl_log_libbpf_quiet(1);
	err = load(d, names, true, true);
	if (err) {
		pl_info("no dynptr of the packet in tracing programs (%s): ports only from "
			"the linear part of packets", strerror(-err));
		err = load(d, names, true, false);
	}
	pl_log_libbpf_quiet(quiet);
	if (err) {
		pl_info("the tp_btf program was refused (%s): trying raw_tp", strerror(-err));
		err = load(d, names, false, false);
	}
	if (err) {
		pl_warn("cannot load the drops program on skb:kfree_skb: %s (run with -vv for "
			"the verifier's log; the tracepoint needs a drop reason, Linux 5.17+)",
			strerror(-err));
		return err;
	}
	prog = strcmp(d->hook, "tp_btf") ? d->skel->progs.pl_kfree_skb_raw :
					   d->skel->progs.pl_kfree_skb;
	d->link = bpf_program__attach(prog);
	if (!d->link) {
		err = -errno;
		pl_warn("cannot attach to the skb:kfree_skb tracepoint: %s", strerror(-err));
		pl_drops_close(d);
		return err;
	}
	pl_info("counting drops through %s/kfree_skb", d->hook);
	return 0;
}

void pl_drops_close(struct pl_drops *d)
{
	bpf_link__destroy(d->link);
	drops__destroy(d->skel);
	d->link = NULL;
	d->skel = NULL;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pl_drop_key));
}

static int cmp_loc(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pl_drop_loc));
}

static __u64 sum(const __u64 *v, int ncpu)
{
	__u64 s = 0;

	for (int c = 0; c < ncpu; c++)
		s += v[c];
	return s;
}

/*
 * Every (key, per-CPU sum) of a per-CPU hash of __u64 into a new array of
 * (key, __u64) rows of @row bytes, sorted with @cmp. 0 or -errno.
 */
static int read_hash(int fd, size_t ksize, size_t row, int (*cmp)(const void *, const void *),
		     void **out, size_t *n)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned char key[32], next[32];
	size_t cap = 0, cnt = 0;
	unsigned char *rows = NULL, *r;
	__u64 *vals;
	void *prev = NULL;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, ksize);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue; /* gone meanwhile: never happens, nothing deletes */
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(rows, cap * row);
			if (!r) {
				free(rows);
				free(vals);
				return -ENOMEM;
			}
			rows = r;
		}
		memcpy(rows + cnt * row, key, ksize);
		*(__u64 *)(rows + cnt * row + ksize) = sum(vals, ncpu);
		cnt++;
	}
	free(vals);
	if (cnt > 1)
		qsort(rows, cnt, row, cmp);
	*out = rows;
	*n = cnt;
	return 0;
}

int pl_drops_read(const struct pl_drops *d, struct pl_drops_snap *s)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	struct timespec ts;
	int err, fd;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->mono_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	err = read_hash(bpf_map__fd(d->skel->maps.pl_drops), sizeof(struct pl_drop_key),
			sizeof(struct pl_drop_row), cmp_key, (void **)&s->rows, &s->nrows);
	if (!err)
		err = read_hash(bpf_map__fd(d->skel->maps.pl_drop_locs),
				sizeof(struct pl_drop_loc), sizeof(struct pl_drop_loc_row),
				cmp_loc, (void **)&s->locs, &s->nlocs);
	if (err)
		goto fail;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto fail;
	}
	fd = bpf_map__fd(d->skel->maps.pl_drop_totals);
	for (__u32 i = 0; i < PL_DT_MAX; i++)
		if (bpf_map_lookup_elem(fd, &i, vals) == 0)
			s->totals[i] = sum(vals, ncpu);
	free(vals);
	return 0;
fail:
	pl_warn("reading the drops tables: %s", strerror(-err));
	return err;
}

void pl_drops_snap_free(struct pl_drops_snap *s)
{
	free(s->rows);
	free(s->locs);
	memset(s, 0, sizeof(*s));
}

const struct pl_drop_row *pl_drops_find(const struct pl_drops_snap *s, const struct pl_drop_key *k)
{
	return s->nrows ? bsearch(k, s->rows, s->nrows, sizeof(*s->rows), cmp_key) : NULL;
}

const struct pl_drop_loc_row *pl_drops_find_loc(const struct pl_drops_snap *s,
						const struct pl_drop_loc *k)
{
	return s->nlocs ? bsearch(k, s->locs, s->nlocs, sizeof(*s->locs), cmp_loc) : NULL;
}
