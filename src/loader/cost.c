// SPDX-License-Identifier: BSD-2-Clause
/*
 * cost.c - the own-cost statistics: the kernel's run-time counters of our programs,
 * and holding kernel.bpf_stats_enabled on while they are wanted.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "loader/dataplane.h"

int pl_dp_cost_on(struct pl_dp *dp)
{
	if (dp->stats_enable_fd >= 0)
		return 0;
	/* Held open, this keeps kernel.bpf_stats_enabled on; closing it restores the old value. */
	dp->stats_enable_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return dp->stats_enable_fd < 0 ? -errno : 0;
}

int pl_dp_cost_system_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = -1;

	if (!f)
		return -errno;
	if (fscanf(f, "%d", &on) != 1)
		on = -EINVAL;
	fclose(f);
	return on < 0 ? on : on != 0;
}

void pl_dp_cost_off(struct pl_dp *dp)
{
	if (dp->stats_enable_fd >= 0)
		close(dp->stats_enable_fd);
	dp->stats_enable_fd = -1;
}

static int prog_runs(int fd, __u64 *run_ns, __u64 *run_cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -ENOENT;
	*run_ns += info.run_time_ns;
	*run_cnt += info.run_cnt;
	return 0;
}

int pl_dp_cost(const struct pl_dp *dp, __u64 *run_ns, __u64 *run_cnt)
{
	int a, b;

	*run_ns = *run_cnt = 0;
	a = prog_runs(dp->entry_fd, run_ns, run_cnt);
	b = prog_runs(dp->pinned_tc_fd, run_ns, run_cnt);
	return a && b ? -ENOENT : 0;
}

int pl_dp_cost_egress(const struct pl_dp *dp, __u64 *run_ns, __u64 *run_cnt)
{
	*run_ns = *run_cnt = 0;
	return prog_runs(dp->egress_fd, run_ns, run_cnt);
}
