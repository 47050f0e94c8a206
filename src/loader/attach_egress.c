// SPDX-License-Identifier: BSD-2-Clause
/*
 * attach_egress.c - the tc egress program that samples the outgoing direction for L7
 * (bpf/l7_egress.h). It goes on with the ingress program and off with it: a tcx link
 * where the kernel has one (gone with our fd, SIGKILL included), else a clsact egress
 * filter at pktlens's priority; a clsact qdisc that pktlens created is removed when
 * no filter of anyone else is left on it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include "loader/dataplane.h"
#include "loader/tc_filters.h"
#include "util/log.h"

#define PL_TC_PRIO 0xc0de /* as the ingress filter (attach.c) */
/* enum bpf_attach_type since Linux 6.6; the distribution's UAPI headers may predate it. */
#define PL_BPF_TCX_EGRESS 47

static int clsact_egress_attach(struct pl_dp *dp, bool force)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO,
		    .prog_fd = dp->egress_fd, .flags = force ? BPF_TC_F_REPLACE : 0);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pl_warn("cannot create the clsact qdisc on %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	dp->egress_hook_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (!err)
		return 0;
	if (err == -EEXIST)
		pl_warn("%s already has a tc egress filter at priority %u (another pktlens, or "
			"one that was killed); use --force to replace it, remove it (tc filter "
			"del dev %s egress pref %u) or go without it (--l7-packets 0 --no-tcp "
			"--no-detect)",
			dp->ifname, PL_TC_PRIO, dp->ifname, PL_TC_PRIO);
	else
		pl_warn("cannot attach the tc egress program (L7, TCP RTT, detection) to %s: %s; "
			"--l7-packets 0 --no-tcp --no-detect goes without it",
			dp->ifname, strerror(-err));
	if (dp->egress_hook_created && !dp->tc_hook_created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	dp->egress_hook_created = false;
	return err;
}

int pl_dp_attach_egress(struct pl_dp *dp, bool force)
{
	int fd, err;

	if (dp->egress_fd < 0)
		return 0;
	fd = bpf_link_create(dp->egress_fd, dp->ifindex, PL_BPF_TCX_EGRESS, NULL);
	if (fd >= 0) {
		dp->egress_link_fd = fd;
		dp->egress_tcx = true;
	} else {
		pl_info("no tcx link for egress on %s (%s): using a clsact filter", dp->ifname,
			strerror(-fd));
		err = clsact_egress_attach(dp, force);
		if (err)
			return err;
	}
	dp->egress_attached = true;
	pl_info("tc egress program (L7, TCP RTT, detection) attached to %s (%s)", dp->ifname,
		dp->egress_tcx ? "tcx link" : "clsact filter");
	return 0;
}

/* Is the egress filter at our priority still running our program? */
static bool egress_ours(const struct pl_dp *dp, const struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(dp->egress_fd, &info, &len) || bpf_tc_query(hook, &q))
		return false;
	return q.prog_id == info.id;
}

/* No filter of anyone on the clsact qdisc (either side): it can go. */
static bool clsact_empty(const struct pl_dp *dp)
{
	int in = pl_tc_filter_count(dp->ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int eg = pl_tc_filter_count(dp->ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));

	if (in > 0 || eg > 0)
		pl_warn("keeping the clsact qdisc on %s: it has filters pktlens did not add",
			dp->ifname);
	return in == 0 && eg == 0;
}

void pl_dp_detach_egress(struct pl_dp *dp, bool ingress_clsact_ours)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO);
	int err = 0;

	if (!dp->egress_attached)
		return;
	dp->egress_attached = false;
	if (dp->egress_tcx) {
		err = dp->egress_link_fd >= 0 && close(dp->egress_link_fd) ? -errno : 0;
		dp->egress_link_fd = -1;
	} else {
		err = egress_ours(dp, &hook) ? bpf_tc_detach(&hook, &opts) : -ENOENT;
		/* The ingress side removes a qdisc it created itself, after its filter. */
		if (!err && dp->egress_hook_created && !ingress_clsact_ours && clsact_empty(dp)) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	if (err && err != -ENODEV && err != -ENOENT)
		pl_warn("detaching the egress program from %s failed: %s", dp->ifname,
			strerror(-err));
}
