// SPDX-License-Identifier: BSD-2-Clause
/*
 * reuse.c - one loaded offline data plane for several captures in one process
 * (`analyze -r A -r B`, `analyze -V LIST`). Loading verifies the program, ~0.3 s on
 * this kind of machine; clearing what it counted takes milliseconds. A parked data
 * plane is handed out again only to a load with the same options, with every map of
 * the object back to its state at load: hash, LRU and LPM maps emptied, arrays zeroed,
 * what is left in the ring buffers discarded. The program's own sections (.rodata,
 * .bss: per-run inputs and configuration) and its tail-call table are kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/dataplane.h"
#include "loader/dataplane_internal.h"
#include "pktlens.skel.h"

static struct {
	bool on, parked;
	struct pl_dp dp;
	struct pl_dp_opts o;  /* what the parked one was loaded with */
	char *filter;         /* o.filter's own copy */
	const struct pl_dp *owner; /* the data plane that o belongs to */
} keep;

/* Delete every key: all keys first (a walk from NULL after each delete is quadratic). */
static int empty_hash(int fd, __u32 key_size, __u32 max)
{
	char *keys = malloc((size_t)key_size * (max ? max : 1)), *prev = NULL;
	__u32 n = 0;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, prev, keys + (size_t)n * key_size)) {
		prev = keys + (size_t)n * key_size;
		n++;
	}
	for (__u32 i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + (size_t)i * key_size) && errno != ENOENT) {
			err = -errno;
			break;
		}
	free(keys);
	return err;
}

/* Zero every element, in batches (one system call for thousands of them). */
static int zero_array(int fd, __u32 value_size, __u32 max, bool percpu)
{
	enum { CHUNK = 4096 };
	size_t vsz = percpu ? (size_t)((value_size + 7) & ~7u) * libbpf_num_possible_cpus()
			    : value_size;
	__u32 *keys = malloc(CHUNK * sizeof(*keys));
	void *zeros = calloc(CHUNK, vsz);
	int err = 0;

	if (!keys || !zeros) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 base = 0; base < max && !err; base += CHUNK) {
		__u32 n = max - base < CHUNK ? max - base : CHUNK;

		for (__u32 i = 0; i < n; i++)
			keys[i] = base + i;
		if (bpf_map_update_batch(fd, keys, zeros, &n, NULL)) {
			/* a kernel without batches for this map type: one at a time */
			for (__u32 i = 0; i < n && !err; i++)
				if (bpf_map_update_elem(fd, &keys[i], zeros, BPF_ANY))
					err = -errno;
		}
	}
out:
	free(keys);
	free(zeros);
	return err;
}

/* A memory-mapped array (the port and ICMP tables): one memset. */
static int zero_mmapped(int fd, __u32 value_size, __u32 max)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = ((size_t)((value_size + 7) & ~7u) * max + page - 1) / page * page;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (m == MAP_FAILED)
		return -errno;
	memset(m, 0, len);
	munmap(m, len);
	return 0;
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

static int drain_ring(int fd)
{
	struct ring_buffer *rb = ring_buffer__new(fd, discard, NULL, NULL);
	int n;

	if (!rb)
		return -errno;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n < 0 ? n : 0;
}

int pl_dp_clear_maps(struct pl_dp *dp)
{
	struct bpf_map *map;
	int err = 0;

	if (!dp->skel)
		return -EINVAL;
	bpf_object__for_each_map(map, dp->skel->obj) {
		int fd = bpf_map__fd(map);
		__u32 max = bpf_map__max_entries(map);

		if (bpf_map__is_internal(map) || fd < 0)
			continue;
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		case BPF_MAP_TYPE_LPM_TRIE:
			err = empty_hash(fd, bpf_map__key_size(map), max);
			break;
		case BPF_MAP_TYPE_ARRAY:
			if (bpf_map__map_flags(map) & BPF_F_MMAPABLE)
				err = zero_mmapped(fd, bpf_map__value_size(map), max);
			else
				err = zero_array(fd, bpf_map__value_size(map), max, false);
			break;
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			err = zero_array(fd, bpf_map__value_size(map), max, true);
			break;
		case BPF_MAP_TYPE_RINGBUF:
			err = drain_ring(fd);
			break;
		default: /* the tail-call table: set at load, kept */
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

void pl_dp_keep_loaded(bool on)
{
	keep.on = on;
	if (!on && keep.parked) {
		keep.parked = false;
		pl_dp_close(&keep.dp);
	}
	if (!on) {
		free(keep.filter);
		keep.filter = NULL;
	}
}

static bool same_opts(const struct pl_dp_opts *a, const struct pl_dp_opts *b)
{
	if (!a->filter != !b->filter || (a->filter && strcmp(a->filter, b->filter)))
		return false;
	return a->mode == b->mode && a->flow_entries == b->flow_entries &&
	       a->addr_entries == b->addr_entries &&
	       a->snaplen == b->snaplen && a->flows == b->flows &&
	       a->count_only == b->count_only && a->filter_linktype == b->filter_linktype &&
	       a->filter_netmask == b->filter_netmask && a->offline_cpu == b->offline_cpu &&
	       a->l7_pkts == b->l7_pkts && a->mitigate == b->mitigate && a->tcp == b->tcp &&
	       a->detect == b->detect && a->amp_min_bytes == b->amp_min_bytes &&
	       !a->pin && !b->pin;
}

bool pl_dp_park(struct pl_dp *dp)
{
	if (!keep.on || keep.parked || dp != keep.owner || !dp->fds_set || !dp->skel ||
	    dp->mode != PL_MODE_OFFLINE)
		return false;
	keep.dp = *dp;
	keep.dp.after_run = NULL;
	keep.dp.after_run_arg = NULL;
	keep.parked = true;
	keep.owner = NULL;
	pl_dp_reset(dp);
	return true;
}

bool pl_dp_unpark(struct pl_dp *dp, const struct pl_dp_opts *o)
{
	if (!keep.parked)
		return false;
	if (!same_opts(&keep.o, o) || pl_dp_clear_maps(&keep.dp)) {
		keep.parked = false; /* not of use: loaded anew */
		pl_dp_close(&keep.dp);
		return false;
	}
	*dp = keep.dp;
	keep.parked = false;
	keep.owner = dp;
	return true;
}

void pl_dp_note_opts(const struct pl_dp *dp, const struct pl_dp_opts *o)
{
	if (!keep.on || keep.parked || o->mode != PL_MODE_OFFLINE)
		return;
	keep.owner = dp;
	free(keep.filter);
	keep.o = *o;
	keep.filter = o->filter ? strdup(o->filter) : NULL;
	keep.o.filter = keep.filter;
	if (o->filter && !keep.filter)
		keep.o.mode = PL_MODE_AUTO; /* out of memory: never matches an offline load */
}
