// SPDX-License-Identifier: BSD-2-Clause
/*
 * attach.c - attach the loaded pipeline to an interface in XDP (native or generic)
 * or tc ingress mode (a tcx link, or a clsact filter on kernels before 6.6), notice
 * when the interface goes, and detach; with L7 the egress program (attach_egress.c)
 * goes on after the ingress one and off before it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include "loader/dataplane.h"
#include "loader/dataplane_internal.h"
#include "loader/tc_filters.h"
#include "util/log.h"

#define PL_TC_PRIO 0xc0de /* our clsact filter's priority and handle */
/* enum bpf_attach_type since Linux 6.6; the distribution's UAPI headers may predate it. */
#define PL_BPF_TCX_INGRESS 46

/*
 * Attach through a BPF link, so that the kernel detaches the program when pktlens
 * ends in any way, SIGKILL included. With @force, a program that someone else
 * attached through netlink in the same mode is removed first; one held by a link
 * (another pktlens, libxdp) cannot be, and stays.
 */
static int xdp_attach_mode(struct pl_dp *dp, __u32 mode_flag, bool force)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = mode_flag);
	int fd;

	fd = bpf_link_create(dp->entry_fd, dp->ifindex, BPF_XDP, &lo);
	if (fd == -EBUSY && force) {
		if (bpf_xdp_detach(dp->ifindex, mode_flag, NULL))
			return -EBUSY; /* held by a link: explain_busy() says so */
		pl_info("removed the XDP program that was attached to %s (--force)", dp->ifname);
		fd = bpf_link_create(dp->entry_fd, dp->ifindex, BPF_XDP, &lo);
	}
	if (fd < 0)
		return fd;
	dp->link_fd = fd;
	dp->xdp_flags = mode_flag;
	return 0;
}

/*
 * Does a BPF link (another pktlens, libxdp) hold an XDP program on our interface?
 * Links are listed machine-wide and an ifindex is only unique within a network
 * namespace, so a link counts only if it also holds the program attached here.
 */
static bool xdp_link_holds(const struct pl_dp *dp)
{
	struct bpf_xdp_query_opts q = { .sz = sizeof(q) };
	__u32 id = 0;
	bool found = false;

	if (bpf_xdp_query(dp->ifindex, 0, &q) || !(q.drv_prog_id || q.skb_prog_id))
		return false;
	while (!found && !bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		found = !bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_XDP &&
			li.xdp.ifindex == (__u32)dp->ifindex &&
			(li.prog_id == q.drv_prog_id || li.prog_id == q.skb_prog_id);
		close(fd);
	}
	return found;
}

static int explain_busy(struct pl_dp *dp, bool force)
{
	struct bpf_xdp_query_opts q = { .sz = sizeof(q) };
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	__u32 id = 0;
	int fd;

	if (!bpf_xdp_query(dp->ifindex, 0, &q))
		id = q.prog_id ? q.prog_id : (q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id);
	fd = id ? bpf_prog_get_fd_by_id(id) : -1;
	if (xdp_link_holds(dp))
		pl_warn("%s has an XDP program (id %u) held by a BPF link, which --force cannot "
			"remove: stop the process that owns it (another pktlens?)",
			dp->ifname, id);
	else if (force) /* the kernel replaces a program only in the mode it was attached in */
		pl_warn("%s has an XDP program (id %u) in %s mode: --force replaces it only with "
			"--mode %s",
			dp->ifname, id, q.attach_mode == XDP_ATTACHED_SKB ? "generic" : "native",
			q.attach_mode == XDP_ATTACHED_SKB ? "generic" : "native");
	else if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		pl_warn("%s already has an XDP program (id %u, '%s'); pktlens will not replace "
			"it: detach it ('ip link set dev %s xdp off') or use --force",
			dp->ifname, id, info.name, dp->ifname);
	else
		pl_warn("%s already has an XDP program; use --force to replace it", dp->ifname);
	if (fd >= 0)
		close(fd);
	return -EBUSY;
}

/* Is there a tc egress filter at our priority (L7's, of a pktlens that was killed)? */
static bool egress_left(const struct pl_dp *dp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO);

	return dp->egress_fd >= 0 && !bpf_tc_query(&hook, &q);
}

static int clsact_attach(struct pl_dp *dp, bool force)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO,
		    .prog_fd = dp->entry_fd, .flags = force ? BPF_TC_F_REPLACE : 0);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pl_warn("cannot create the clsact qdisc on %s: %s", dp->ifname, strerror(-err));
		return err;
	}
	dp->tc_hook_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		if (err == -EEXIST && egress_left(dp))
			pl_warn("%s already has tc ingress and egress filters at priority %u "
				"(another pktlens, or one that was killed); use --force to replace "
				"them, or remove them: tc filter del dev %s ingress pref %u; tc "
				"filter del dev %s egress pref %u",
				dp->ifname, PL_TC_PRIO, dp->ifname, PL_TC_PRIO, dp->ifname,
				PL_TC_PRIO);
		else if (err == -EEXIST)
			pl_warn("%s already has a tc ingress filter at priority %u (another "
				"pktlens, or one that was killed); use --force to replace it, "
				"or remove it: tc filter del dev %s ingress pref %u",
				dp->ifname, PL_TC_PRIO, dp->ifname, PL_TC_PRIO);
		else
			pl_warn("cannot attach the tc ingress program to %s: %s", dp->ifname,
				strerror(-err));
		if (dp->tc_hook_created) { /* leave the interface as we found it */
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		return err;
	}
	return 0;
}

/*
 * tc ingress. First as a tcx link (Linux 6.6+): like the XDP link it is held by our
 * fd, so the kernel removes it however pktlens ends, SIGKILL included, and it runs
 * without the clsact qdisc's classifier walk (on veth ~20 ns less per packet). It
 * takes its place among other tcx programs, so there is nothing to --force. Where the
 * kernel has no tcx (EINVAL) or refuses the link, a clsact filter at priority 0xc0de.
 */
static int tc_attach(struct pl_dp *dp, bool force)
{
	int fd = bpf_link_create(dp->entry_fd, dp->ifindex, PL_BPF_TCX_INGRESS, NULL);

	if (fd >= 0) {
		dp->link_fd = fd;
		dp->tcx = true;
		return 0;
	}
	pl_info("no tcx link on %s (%s): using a clsact filter", dp->ifname, strerror(-fd));
	return clsact_attach(dp, force);
}

void pl_dp_mode_note(const struct pl_dp *dp)
{
	struct ifreq ifr = {};
	char drv[32];

	/* tcpdump refuses a down interface; pktlens waits for it, but says why it is quiet. */
	if (!pl_if_ioctl(dp->ifname, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP))
		pl_warn("%s is down: no packets arrive until it is up (ip link set %s up)",
			dp->ifname, dp->ifname);
	if (dp->mode != PL_MODE_NATIVE)
		return;
	pl_if_driver(dp->ifname, drv, sizeof(drv));
	/* veth_xdp_rcv_skb: an skb that reaches XDP is copied into a new page first. */
	if (!strcmp(drv, "veth"))
		fprintf(stderr, "pktlens: note: on veth, native XDP makes the kernel copy every "
				"packet into a new page; --mode tc avoids that copy and costs less "
				"CPU here\n");
}

int pl_dp_attach(struct pl_dp *dp, const struct pl_dp_opts *o)
{
	int err;

	switch (o->mode) {
	case PL_MODE_TC:
		err = tc_attach(dp, o->force);
		if (err)
			return err;
		dp->mode = PL_MODE_TC;
		break;
	case PL_MODE_NATIVE:
		err = xdp_attach_mode(dp, XDP_FLAGS_DRV_MODE, o->force);
		if (err == -EEXIST || err == -EBUSY)
			return explain_busy(dp, o->force);
		if (err) {
			pl_warn("native XDP attach to %s failed: %s; the driver may lack XDP "
				"support: try --mode generic or --mode tc",
				dp->ifname, strerror(-err));
			return err;
		}
		dp->mode = PL_MODE_NATIVE;
		break;
	case PL_MODE_AUTO:
		pl_log_libbpf_quiet(1);
		err = xdp_attach_mode(dp, XDP_FLAGS_DRV_MODE, o->force);
		pl_log_libbpf_quiet(0);
		/* Forced: a generic program refuses a native one; replace it in generic mode. */
		if ((err == -EEXIST || err == -EBUSY) && (!o->force || xdp_link_holds(dp)))
			return explain_busy(dp, o->force);
		if (!err) {
			dp->mode = PL_MODE_NATIVE;
			break;
		}
		/* Shown by default: the user asked for no mode, so say why this one. */
		if (err == -EEXIST) /* --force, and a program runs in generic mode */
			pl_warn("%s has a generic XDP program: replacing it in generic mode "
				"(--force)",
				dp->ifname);
		else
			pl_warn("native XDP not available on %s (%s): using generic XDP",
				dp->ifname, strerror(-err));
		/* fall through */
	case PL_MODE_GENERIC:
		err = xdp_attach_mode(dp, XDP_FLAGS_SKB_MODE, o->force);
		if (err == -EEXIST || err == -EBUSY)
			return explain_busy(dp, o->force);
		if (err) {
			pl_warn("generic XDP attach to %s failed: %s", dp->ifname, strerror(-err));
			return err;
		}
		dp->mode = PL_MODE_GENERIC;
		break;
	default:
		return -EINVAL;
	}
	dp->attached = true;
	pl_info("attached to %s in %s mode%s", dp->ifname, pl_mode_name(dp->mode),
		dp->mode != PL_MODE_TC ? "" : dp->tcx ? " (tcx link)" : " (clsact filter)");
	/* Both directions or neither: an egress program that cannot go on takes ingress off. */
	err = pl_dp_attach_egress(dp, o->force);
	if (err)
		pl_dp_detach(dp);
	return err;
}

/* Is the filter at our priority and handle still running our program? */
static bool tc_ours(const struct pl_dp *dp, const struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(dp->entry_fd, &info, &len) || bpf_tc_query(hook, &q))
		return false;
	return q.prog_id == info.id;
}

/*
 * Did someone put filters on the clsact qdisc we created, after ours went? Removing the
 * qdisc would remove them too. When it cannot be told, keep the qdisc: a leftover
 * empty qdisc costs nothing, a lost filter does.
 */
static bool tc_others_filters(const struct pl_dp *dp)
{
	int in = pl_tc_filter_count(dp->ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int eg = pl_tc_filter_count(dp->ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));

	if (in == 0 && eg == 0)
		return false;
	if (in > 0 || eg > 0)
		pl_warn("keeping the clsact qdisc on %s: it has filters pktlens did not add",
			dp->ifname);
	return true;
}

bool pl_dp_interface_present(struct pl_dp *dp)
{
	char now[IF_NAMESIZE];

	if (if_nametoindex(dp->ifname) == (unsigned int)dp->ifindex)
		return true;
	if (if_indextoname((unsigned int)dp->ifindex, now)) {
		/* Renamed: the program is bound to the interface, not to its name. */
		pl_warn("interface %s is now called %s; going on", dp->ifname, now);
		snprintf(dp->ifname, sizeof(dp->ifname), "%s", now);
		return true;
	}
	pl_warn("interface %s disappeared; stopping", dp->ifname);
	dp->attached = false; /* the kernel took the program off with it */
	return false;
}

void pl_dp_detach(struct pl_dp *dp)
{
	int err;

	pl_dp_detach_egress(dp, dp->attached && dp->mode == PL_MODE_TC && !dp->tcx &&
				    dp->tc_hook_created);
	if (!dp->attached)
		return;
	dp->attached = false;
	if (dp->mode == PL_MODE_TC && !dp->tcx) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dp->ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PL_TC_PRIO, .priority = PL_TC_PRIO);

		/* Only our own program: another pktlens may have replaced it (--force). */
		err = tc_ours(dp, &hook) ? bpf_tc_detach(&hook, &opts) : -ENOENT;
		if (!err && dp->tc_hook_created && !tc_others_filters(dp)) {
			/* Only both attach points together remove the clsact qdisc itself. */
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	} else {
		/* Closing our link (XDP, tcx) detaches our program, whatever happened meanwhile. */
		err = dp->link_fd >= 0 && close(dp->link_fd) ? -errno : 0;
		dp->link_fd = -1;
	}
	if (err && err != -ENODEV && err != -ENOENT)
		pl_warn("detaching from %s failed: %s", dp->ifname, strerror(-err));
}
