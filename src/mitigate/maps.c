// SPDX-License-Identifier: BSD-2-Clause
/*
 * maps.c - open, size and lock the mitigation maps (see maps.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktlens.h" /* before the skeleton: it defines the .bss/.rodata types */
#include "pktlens.skel.h"
#include "mitigate/maps.h"
#include "util/log.h"

const char *const pl_mit_map_names[] = {
	"pl_mit_cfg", "pl_mit_stats", "pl_rules",   "pl_rule_stats", "pl_allow",
	"pl_port_rules", "pl_rate_rules", "pl_rate_state", "pl_bl_cfg", "pl_bl_bloom",
	"pl_bl_top4", "pl_bl_top6", "pl_bl_sum6", "pl_bl4", "pl_bl6",
};
const int pl_mit_nmaps = sizeof(pl_mit_map_names) / sizeof(pl_mit_map_names[0]);

static __u32 bloom_words_for(__u32 prefixes)
{
	__u32 w = 1 << 10;

	/* About 16 bits per prefix, two set each: a few per cent of misses say "maybe". */
	while ((__u64)w * 64 < 16ULL * prefixes && w < (1u << 22))
		w <<= 1;
	return w;
}

void pl_mit_size_maps(struct pktlens *skel, bool on, __u32 prefixes)
{
	if (!prefixes)
		prefixes = PL_BL_ENTRIES_DEFAULT;
	skel->rodata->pl_cfg_mitigate = on;
	if (on) {
		bpf_map__set_max_entries(skel->maps.pl_bl4, prefixes);
		bpf_map__set_max_entries(skel->maps.pl_bl6, prefixes);
		bpf_map__set_max_entries(skel->maps.pl_bl_bloom, bloom_words_for(prefixes));
		return;
	}
	/* Off: the program never reads them (pruned); keep their memory small. */
	bpf_map__set_max_entries(skel->maps.pl_bl_bloom, 1);
	bpf_map__set_max_entries(skel->maps.pl_bl_top4, 1);
	bpf_map__set_max_entries(skel->maps.pl_bl_top6, 1);
	bpf_map__set_max_entries(skel->maps.pl_bl_sum6, 1);
	bpf_map__set_max_entries(skel->maps.pl_rules, 1);
	bpf_map__set_max_entries(skel->maps.pl_rule_stats, 1);
	bpf_map__set_max_entries(skel->maps.pl_rate_state, 1);
}

static void fds_reset(struct pl_mit *m)
{
	memset(m, 0, sizeof(*m));
	m->cfg_fd = m->stats_fd = m->rules_fd = m->rule_stats_fd = -1;
	m->allow_fd = m->port_fd = m->rate_fd = m->rate_state_fd = -1;
	m->bl.cfg_fd = m->bl.bloom_fd = m->bl.top4_fd = m->bl.top6_fd = m->bl.sum6_fd = -1;
	m->bl.hash_fd[0] = m->bl.hash_fd[1] = -1;
	m->lock_fd = -1;
}

/* Where each named map's fd goes. */
static int *fd_slot(struct pl_mit *m, int i)
{
	int *slots[] = { &m->cfg_fd,      &m->stats_fd,      &m->rules_fd,   &m->rule_stats_fd,
			 &m->allow_fd,    &m->port_fd,       &m->rate_fd,    &m->rate_state_fd,
			 &m->bl.cfg_fd,   &m->bl.bloom_fd,   &m->bl.top4_fd, &m->bl.top6_fd,
			 &m->bl.sum6_fd,  &m->bl.hash_fd[0], &m->bl.hash_fd[1] };

	return slots[i];
}

int pl_mit_from_skel(struct pl_mit *m, struct pktlens *skel)
{
	struct pl_mit_cfg zero = {};
	__u32 k = 0;
	int err;

	fds_reset(m);
	for (int i = 0; i < pl_mit_nmaps; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, pl_mit_map_names[i]);

		if (!map)
			return -ENOENT;
		*fd_slot(m, i) = bpf_map__fd(map);
	}
	err = pl_bl_map(&m->bl);
	if (!err)
		err = pl_bl_init(&m->bl);
	if (!err && bpf_map_update_elem(m->cfg_fd, &k, &zero, BPF_ANY))
		err = -errno;
	return err;
}

int pl_mit_open_pinned(struct pl_mit *m, const char *dir)
{
	char path[512];
	int err;

	fds_reset(m);
	m->owned = true;
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	for (int i = 0; i < pl_mit_nmaps; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pl_mit_map_names[i]);
		*fd_slot(m, i) = bpf_obj_get(path);
		if (*fd_slot(m, i) < 0) {
			err = -errno;
			if (i == 0)
				pl_warn("%s has no mitigation maps (%s: %s): is it a data plane of "
					"'pktlens protect', or one bpftool loaded from pktlens.bpf.o?",
					dir, path, strerror(-err));
			else
				pl_warn("cannot open %s: %s", path, strerror(-err));
			pl_mit_close(m);
			return err;
		}
	}
	err = pl_bl_map(&m->bl);
	if (err) {
		pl_warn("the blocklist maps in %s are not the ones this pktlens knows (%s): load "
			"the pktlens.bpf.o that came with it",
			dir, strerror(-err));
		pl_mit_close(m);
	}
	return err;
}

void pl_mit_close(struct pl_mit *m)
{
	pl_mit_unlock(m);
	pl_bl_unmap(&m->bl);
	if (m->owned)
		for (int i = 0; i < pl_mit_nmaps; i++)
			if (*fd_slot(m, i) >= 0)
				close(*fd_slot(m, i));
	fds_reset(m);
}

int pl_mit_lock(struct pl_mit *m)
{
	const char *path = m->dir[0] ? m->dir : "/sys/fs/bpf";

	if (m->lock_fd >= 0)
		return 0;
	m->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->lock_fd < 0)
		return -errno;
	if (flock(m->lock_fd, LOCK_EX)) {
		int err = -errno;

		close(m->lock_fd);
		m->lock_fd = -1;
		return err;
	}
	return 0;
}

void pl_mit_unlock(struct pl_mit *m)
{
	if (m->lock_fd < 0)
		return;
	flock(m->lock_fd, LOCK_UN);
	close(m->lock_fd);
	m->lock_fd = -1;
}
