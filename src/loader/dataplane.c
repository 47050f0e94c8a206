// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/magic.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "loader/tc_filters.h"
#include "util/log.h"

#define PL_PIN_ROOT "/sys/fs/bpf/pktlens"
#define PL_TC_PRIO 0xc0de /* our clsact filter's priority and handle */

static const char *mode_names[] = {
	[PL_MODE_AUTO] = "auto",     [PL_MODE_NATIVE] = "native", [PL_MODE_GENERIC] = "generic",
	[PL_MODE_TC] = "tc",         [PL_MODE_OFFLINE] = "offline",
};

const char *pl_mode_name(enum pl_mode m)
{
	return m <= PL_MODE_OFFLINE ? mode_names[m] : "?";
}

int pl_mode_parse(const char *s, enum pl_mode *m)
{
	for (int i = PL_MODE_AUTO; i < PL_MODE_OFFLINE; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

static void dp_reset(struct pl_dp *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->stats_fd = dp->flows_fd = dp->events_fd = -1;
	dp->pipeline_fd = dp->filter_fd = dp->entry_fd = dp->stats_enable_fd = -1;
	dp->link_fd = dp->pinned_tc_fd = -1;
	dp->fds_set = true;
}

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

static int explain_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		pl_warn("loading the BPF program was refused (%s): pktlens needs root, or "
			"CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON; try sudo",
			strerror(-err));
	else
		pl_warn("loading the BPF program failed: %s (run with -v for the verifier log)",
			strerror(-err));
	return err;
}

static int dp_pin(struct pl_dp *dp)
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

static void dp_unpin(struct pl_dp *dp)
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

/*
 * The kernel's tick in ns (the resolution of the coarse clocks), or 0 if it cannot be
 * told; the pipeline then reads a clock per packet instead of counting ticks.
 */
__u32 pl_tick_ns(void)
{
	struct timespec res;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || res.tv_nsec <= 0)
		return 0;
	return (__u32)res.tv_nsec;
}

/* An interface ioctl (@ifr's other fields set by the caller); 0 or -1. */
static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	rc = ioctl(fd, req, ifr);
	close(fd);
	return rc ? -1 : 0;
}

unsigned int pl_if_mtu(const char *ifname)
{
	struct ifreq ifr = {};

	return if_ioctl(ifname, SIOCGIFMTU, &ifr) ? 0 : (unsigned int)ifr.ifr_mtu;
}

/*
 * The parsers read Ethernet frames. Loopback frames carry an Ethernet header too;
 * tun, WireGuard, IP tunnels and the like hand XDP a bare IP packet.
 */
static int check_ethernet(const char *ifname)
{
	struct ifreq ifr = {};

	if (if_ioctl(ifname, SIOCGIFHWADDR, &ifr))
		return 0; /* cannot tell: let the attach decide */
	if (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER || ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK)
		return 0;
	pl_warn("%s is not an Ethernet interface (link type %u, see "
		"/sys/class/net/%s/type): pktlens reads Ethernet frames only",
		ifname, ifr.ifr_hwaddr.sa_family, ifname);
	return -EPROTONOSUPPORT;
}

int pl_dp_load(struct pl_dp *dp, const struct pl_dp_opts *o)
{
	struct pktlens *skel;
	int err;

	dp_reset(dp);
	dp->mode = o->mode;
	if (o->ifname) {
		snprintf(dp->ifname, sizeof(dp->ifname), "%s", o->ifname);
		dp->ifindex = if_nametoindex(o->ifname);
		if (!dp->ifindex) {
			pl_warn("unknown interface '%s': see 'ip link' for the names", o->ifname);
			return -ENODEV;
		}
		err = check_ethernet(o->ifname);
		if (err)
			return err;
	}
	if (o->snaplen > PL_SNAPLEN_MAX) {
		pl_warn("snap length %u is too large (at most %u)", o->snaplen, PL_SNAPLEN_MAX);
		return -EINVAL;
	}

	skel = pktlens__open();
	if (!skel) {
		err = -errno;
		pl_warn("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	dp->skel = skel;
	skel->rodata->pl_cfg_offline = o->mode == PL_MODE_OFFLINE;
	skel->rodata->pl_cfg_flows = o->flows;
	skel->rodata->pl_cfg_count_only = o->count_only;
	skel->rodata->pl_cfg_snaplen = o->snaplen;
	if (o->mode != PL_MODE_OFFLINE)
		skel->rodata->pl_cfg_tick_ns = pl_tick_ns();
	bpf_map__set_max_entries(skel->maps.pl_flows,
				 o->flow_entries ? o->flow_entries : PL_FLOWS_DEFAULT);
	/* Without capture the ring buffer is only reserved: keep it one page. */
	bpf_map__set_max_entries(skel->maps.pl_events,
				 o->snaplen ? (o->ringbuf_bytes ? o->ringbuf_bytes : 1 << 22)
					    : 4096);
	/*
	 * Offline frames can be larger than a page: let test_run build multi-buffer frames.
	 * Live, an interface with a jumbo MTU may hand XDP frames in several buffers, and
	 * drivers refuse a program that cannot take them (veth: ERANGE above ~3500 bytes);
	 * at the standard MTU every frame is one buffer, and its length needs no helper.
	 */
	if (o->mode == PL_MODE_OFFLINE ||
	    (o->mode != PL_MODE_TC && pl_if_mtu(o->ifname) > PL_MTU_SINGLE_BUF)) {
		bpf_program__set_flags(skel->progs.xdp_pktlens, BPF_F_XDP_HAS_FRAGS);
		skel->rodata->pl_cfg_frags = o->mode != PL_MODE_OFFLINE;
	}
	bpf_program__set_autoload(skel->progs.tc_pktlens, o->mode == PL_MODE_TC);
	bpf_program__set_autoload(skel->progs.xdp_pktlens, o->mode != PL_MODE_TC);

	err = pktlens__load(skel);
	if (err) {
		explain_load_error(err);
		goto fail;
	}
	dp->stats_fd = bpf_map__fd(skel->maps.pl_stats);
	dp->flows_fd = bpf_map__fd(skel->maps.pl_flows);
	dp->events_fd = bpf_map__fd(skel->maps.pl_events);
	dp->pipeline_fd = bpf_program__fd(o->mode == PL_MODE_TC ? skel->progs.tc_pktlens
							       : skel->progs.xdp_pktlens);
	dp->entry_fd = dp->pipeline_fd;
	dp->wirelen_off = (char *)&skel->bss->pl_offline[o->offline_cpu % PL_OFFLINE_SLOTS].f[0].wire_len -
			  (char *)skel->bss;

	if (o->filter) {
		err = pl_filter_prog_attach(dp, o);
		if (err)
			goto fail;
	}
	if (o->pin) {
		err = dp_pin(dp);
		if (err)
			goto fail;
	}
	return 0;
fail:
	pl_dp_close(dp);
	return err;
}

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

/* Does a BPF link (another pktlens, libxdp) hold an XDP program on our interface? */
static bool xdp_link_holds(const struct pl_dp *dp)
{
	__u32 id = 0;
	bool found = false;

	while (!found && !bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		found = !bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_XDP &&
			li.xdp.ifindex == (__u32)dp->ifindex;
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

static int tc_attach(struct pl_dp *dp, bool force)
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
		if (err == -EEXIST)
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

/* The interface's driver name (ethtool -i), or "" if it cannot be told. */
static void driver_name(const char *ifname, char *out, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };

	out[0] = 0;
	if (!if_ioctl(ifname, SIOCETHTOOL, &ifr))
		snprintf(out, len, "%s", info.driver);
}

void pl_dp_mode_note(const struct pl_dp *dp)
{
	struct ifreq ifr = {};
	char drv[32];

	/* tcpdump refuses a down interface; pktlens waits for it, but says why it is quiet. */
	if (!if_ioctl(dp->ifname, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP))
		pl_warn("%s is down: no packets arrive until it is up (ip link set %s up)",
			dp->ifname, dp->ifname);
	if (dp->mode != PL_MODE_NATIVE)
		return;
	driver_name(dp->ifname, drv, sizeof(drv));
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
		if (err == -EEXIST) /* --force, and a program runs in generic mode */
			pl_info("%s has a generic XDP program: replacing it in generic mode "
				"(--force)",
				dp->ifname);
		else
			pl_info("native XDP not available on %s (%s): using generic XDP",
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
	pl_info("attached to %s in %s mode", dp->ifname, pl_mode_name(dp->mode));
	return 0;
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

	if (!dp->attached)
		return;
	dp->attached = false;
	if (dp->mode == PL_MODE_TC) {
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
		/* Closing our link detaches our program, whatever happened meanwhile. */
		err = dp->link_fd >= 0 && close(dp->link_fd) ? -errno : 0;
		dp->link_fd = -1;
	}
	if (err && err != -ENODEV && err != -ENOENT)
		pl_warn("detaching from %s failed: %s", dp->ifname, strerror(-err));
}

void pl_dp_close(struct pl_dp *dp)
{
	if (!dp->fds_set) /* zeroed, never loaded: its 0s are not our descriptors */
		return;
	pl_dp_detach(dp);
	if (dp->link_fd >= 0) /* the interface went away: the kernel detached it already */
		close(dp->link_fd);
	dp_unpin(dp);
	pl_dp_cost_off(dp);
	if (dp->filter_fd >= 0)
		close(dp->filter_fd);
	if (dp->skel) {
		pktlens__destroy(dp->skel);
	} else {
		/* adopted from pins: the fds are ours */
		if (dp->stats_fd >= 0)
			close(dp->stats_fd);
		if (dp->flows_fd >= 0)
			close(dp->flows_fd);
		if (dp->events_fd >= 0)
			close(dp->events_fd);
		if (dp->pipeline_fd >= 0)
			close(dp->pipeline_fd);
		if (dp->pinned_tc_fd >= 0)
			close(dp->pinned_tc_fd);
	}
	dp_reset(dp);
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

	dp_reset(dp);
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

int pl_dp_run_frame(struct pl_dp *dp, int cpu, const void *frame, __u32 caplen, __u32 wire_len,
		    __u64 ts_ns)
{
	struct pl_offline_frame f = { .ts_ns = ts_ns, .wire_len = wire_len, .cap_len = caplen };

	return pl_dp_run_frames(dp, cpu, frame, caplen, &f, 1);
}

int pl_dp_run_frames(struct pl_dp *dp, int cpu, const void *buf, __u32 size,
		     const struct pl_offline_frame *f, __u32 n)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = size, .repeat = 1);
	struct pl_offline_input *in = &dp->skel->bss->pl_offline[cpu % PL_OFFLINE_SLOTS];
	int err;

	if (n < 1 || n > PL_OFFLINE_BATCH)
		return -EINVAL;
	in->n = n;
	memcpy(in->f, f, n * sizeof(*f));
	err = bpf_prog_test_run_opts(dp->entry_fd, &opts);
	if (err < 0)
		return err;
	/* The pipeline passes every packet; only a malformed batch aborts. */
	return opts.retval == XDP_PASS ? 0 : -EPROTO;
}

__u32 pl_dp_flow_capacity(const struct pl_dp *dp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (dp->flows_fd < 0 || bpf_obj_get_info_by_fd(dp->flows_fd, &info, &len))
		return 0;
	return info.max_entries;
}
