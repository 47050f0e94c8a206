// SPDX-License-Identifier: BSD-2-Clause
/*
 * pin.c - --pin (our maps under /sys/fs/bpf/pktlens/<ifname>/, removed again on close)
 * and --pinned (adopt the maps and programs that bpftool loaded and pinned).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "loader/dataplane.h"
#include "loader/dataplane_internal.h"
#include "util/log.h"

#define PL_PIN_ROOT "/sys/fs/bpf/pktlens"

int pl_bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		int err = -errno;

		pl_warn("bpffs is not mounted on /sys/fs/bpf and mounting it failed: %s; "
			"run 'mount -t bpf bpf /sys/fs/bpf' as root",
			strerror(-err));
		return err;
	}
	pl_info("mounted bpffs on /sys/fs/bpf");
	return 0;
}

int pl_dp_pin(struct pl_dp *dp)
{
	struct bpf_map *maps[] = { dp->skel->maps.pl_stats, dp->skel->maps.pl_flows,
				   dp->skel->maps.pl_events };
	char path[256];
	int err;

	err = pl_bpffs_ensure();
	if (err)
		return err;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), PL_PIN_ROOT "/%s", dp->ifname);
	mkdir(PL_PIN_ROOT, 0700);
	if (mkdir(dp->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pl_warn("cannot create %s: %s", dp->pin_dir, strerror(-err));
		dp->pin_dir[0] = 0;
		return err;
	}
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
		if (err) {
			pl_warn("cannot pin map at %s: %s (is another pktlens using %s? remove "
				"the directory if not)",
				path, strerror(-err), dp->pin_dir);
			return err;
		}
	}
	pl_info("maps pinned under %s", dp->pin_dir);
	return 0;
}

void pl_dp_unpin(struct pl_dp *dp)
{
	struct bpf_map *maps[3];

	if (!dp->pin_dir[0] || !dp->skel)
		return;
	maps[0] = dp->skel->maps.pl_stats;
	maps[1] = dp->skel->maps.pl_flows;
	maps[2] = dp->skel->maps.pl_events;
	/* Only our own pins: a failed pin leaves its path set, and that file is not ours. */
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (bpf_map__is_pinned(maps[i]))
			bpf_map__unpin(maps[i], NULL);
	rmdir(dp->pin_dir);
	rmdir(PL_PIN_ROOT); /* only succeeds when empty */
}

static int get_pinned(const char *dir, const char *name, int *fd, bool required)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0 && required) {
		int err = -errno;

		pl_warn("cannot open pinned object %s: %s; load the object with 'bpftool prog "
			"loadall pktlens.bpf.o %s pinmaps %s' first",
			path, strerror(-err), dir, dir);
		return err;
	}
	return 0;
}

/*
 * A pinned map is only read with our own struct sizes: one from another build of
 * pktlens, or any map of that name, would make the reads overrun them.
 */
static int check_pinned_map(const char *dir, const char *name, int fd, __u32 type,
			    __u32 key_size, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		pl_warn("cannot read %s/%s: %s", dir, name, strerror(-err));
		return err;
	}
	if (info.type == type && info.key_size == key_size && info.value_size == value_size &&
	    info.max_entries)
		return 0;
	pl_warn("%s/%s is not the map this pktlens reads (type %u, key %u bytes, value %u "
		"bytes; want type %u, %u, %u): load the pktlens.bpf.o that came with this "
		"pktlens",
		dir, name, info.type, info.key_size, info.value_size, type, key_size, value_size);
	return -EPROTO;
}

int pl_dp_open_pinned(struct pl_dp *dp, const char *dir)
{
	int err;

	pl_dp_reset(dp);
	err = pl_bpffs_ensure();
	if (err)
		return err;
	err = get_pinned(dir, "pl_stats", &dp->stats_fd, true);
	if (!err)
		err = check_pinned_map(dir, "pl_stats", dp->stats_fd, BPF_MAP_TYPE_PERCPU_ARRAY,
				       sizeof(__u32), sizeof(struct pl_stats));
	if (!err)
		err = get_pinned(dir, "pl_flows", &dp->flows_fd, true);
	if (!err)
		err = check_pinned_map(dir, "pl_flows", dp->flows_fd, BPF_MAP_TYPE_LRU_HASH,
				       sizeof(struct pl_flow_key), sizeof(struct pl_flow_value));
	if (err) {
		pl_dp_close(dp);
		return err;
	}
	get_pinned(dir, "pl_events", &dp->events_fd, false);
	/*
	 * The programs are optional: without them there is no cost figure. bpftool pins
	 * both and attaches one; the cost adds up both, the other one never runs.
	 */
	get_pinned(dir, "xdp_pktlens", &dp->pipeline_fd, false);
	get_pinned(dir, "tc_pktlens", &dp->pinned_tc_fd, false);
	dp->entry_fd = dp->pipeline_fd;
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", "pinned");
	return 0;
}
