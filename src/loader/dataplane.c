// SPDX-License-Identifier: BSD-2-Clause
/*
 * dataplane.c - open, configure and load the pipeline (not attach), and free it again.
 * Attaching is in attach.c, pins in pin.c, the own-cost statistics in cost.c, offline
 * test runs in offline_runner.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_arp.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "loader/dataplane.h"
#include "mitigate/maps.h"
#include "loader/dataplane_internal.h"
#include "loader/filter_prog.h"
#include "util/log.h"

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

void pl_dp_reset(struct pl_dp *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->stats_fd = dp->flows_fd = dp->events_fd = -1;
	dp->l7_events_fd = dp->l7_verdicts_fd = dp->l7_counts_fd = -1;
	dp->pipeline_fd = dp->filter_fd = dp->entry_fd = dp->stats_enable_fd = -1;
	dp->link_fd = dp->pinned_tc_fd = -1;
	dp->egress_fd = dp->egress_link_fd = dp->l7_egress_fd = -1;
	dp->tcp.flows = dp->tcp.hist = dp->tcp.totals = -1;
	dp->talk = (struct pl_talker_fds){ -1, -1, -1, -1, -1 };
	dp->det_srcs_fd = dp->det_stats_fd = dp->det_frags_fd = dp->det_frag_stats_fd = -1;
	dp->fds_set = true;
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
int pl_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
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

	return pl_if_ioctl(ifname, SIOCGIFMTU, &ifr) ? 0 : (unsigned int)ifr.ifr_mtu;
}

/*
 * The parsers read Ethernet frames. Loopback frames carry an Ethernet header too;
 * tun, WireGuard, IP tunnels and the like hand XDP a bare IP packet.
 */
static int check_ethernet(const char *ifname)
{
	struct ifreq ifr = {};

	if (pl_if_ioctl(ifname, SIOCGIFHWADDR, &ifr))
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
	bool live_l7, live_sent, live_egress;
	int err;

	if (o->mode == PL_MODE_OFFLINE && pl_dp_unpark(dp, o))
		return 0; /* the same program, loaded before (analyze over several files) */
	pl_dp_reset(dp);
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
	skel->rodata->pl_cfg_detect = o->detect && !o->count_only;
	if (o->amp_min_bytes)
		skel->rodata->pl_cfg_amp_min = o->amp_min_bytes;
	if (!skel->rodata->pl_cfg_detect) {
		bpf_map__set_max_entries(skel->maps.pl_det_srcs, 1);
		bpf_map__set_max_entries(skel->maps.pl_det_frags, 1);
	}
	skel->rodata->pl_cfg_snaplen = o->snaplen;
	skel->rodata->pl_cfg_l7_pkts = o->flows ? o->l7_pkts : 0;
	if (o->mode != PL_MODE_OFFLINE)
		skel->rodata->pl_cfg_tick_ns = pl_tick_ns();
	pl_mit_size_maps(skel, o->mitigate && o->mode != PL_MODE_OFFLINE, o->blocklist_prefixes);
	dp->mitigate = o->mitigate && o->mode != PL_MODE_OFFLINE;
	bpf_map__set_max_entries(skel->maps.pl_flows,
				 o->flow_entries ? o->flow_entries : PL_FLOWS_DEFAULT);
	if (o->addr_entries) { /* a power of two, PL_ADDRS_MIN..MAX: pl_parse_addresses() */
		__u32 nb = o->addr_entries / PL_ADDR_WAYS;

		skel->rodata->pl_cfg_addr_buckets[0] = skel->rodata->pl_cfg_addr_buckets[1] = nb;
		bpf_map__set_max_entries(skel->maps.pl_srcs, PL_ADDR_ENTRIES_OF(nb));
		bpf_map__set_max_entries(skel->maps.pl_dsts, PL_ADDR_ENTRIES_OF(nb));
	}
	/* Counting only (capture): no address, port or ICMP tables, and no memory for them. */
	if (o->count_only) {
		skel->rodata->pl_cfg_talkers = 0;
		bpf_map__set_max_entries(skel->maps.pl_srcs, 1);
		bpf_map__set_max_entries(skel->maps.pl_dsts, 1);
		bpf_map__set_max_entries(skel->maps.pl_ports, 1);
		bpf_map__set_max_entries(skel->maps.pl_icmp, 1);
	}
	/* Without capture the ring buffer is only reserved: keep it one page. */
	bpf_map__set_max_entries(skel->maps.pl_events,
				 o->snaplen ? (o->ringbuf_bytes ? o->ringbuf_bytes : 1 << 22)
					    : 4096);
	/* L7 off: its ring and verdict map are only reserved. */
	bpf_map__set_max_entries(skel->maps.pl_l7_events, o->l7_pkts ? 1 << 22 : 4096);
	bpf_map__set_max_entries(skel->maps.pl_l7_verdicts,
				 !o->l7_pkts ? 1 : o->flow_entries ? o->flow_entries
								   : PL_FLOWS_DEFAULT);
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
	/* TCP RTT and health: its tables only reserved when off. */
	skel->rodata->pl_cfg_tcp = o->tcp && o->flows;
	bpf_map__set_max_entries(skel->maps.pl_tcp,
				 !(o->tcp && o->flows) ? 1 : o->flow_entries ? o->flow_entries
									 : PL_FLOWS_DEFAULT);
	bpf_map__set_max_entries(skel->maps.pl_tcp_hist,
				 o->tcp && o->flows ? PL_RTT_HISTS_DEFAULT : 1);
	/* Live L7: the outgoing direction is sampled by a tc egress program (TCP tracking
	 * sees it there too). */
	live_l7 = o->l7_pkts && o->flows && o->mode != PL_MODE_OFFLINE;
	/* Detection needs what left too: answers to the host's own queries and
	 * connections are neither scans, floods nor reflection. */
	live_sent = live_l7 || (skel->rodata->pl_cfg_detect && o->flows &&
				o->mode != PL_MODE_OFFLINE);
	live_egress = live_sent || (o->tcp && o->flows && o->mode != PL_MODE_OFFLINE);
	skel->rodata->pl_cfg_l7_egress_known = o->filter != NULL;
	bpf_map__set_max_entries(skel->maps.pl_l7_egress,
				 !live_sent ? 1 : o->flow_entries ? o->flow_entries
								  : PL_FLOWS_DEFAULT);
	bpf_program__set_autoload(skel->progs.tc_pktlens_egress, live_egress);
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
	if (o->l7_pkts && o->flows) {
		dp->l7_events_fd = bpf_map__fd(skel->maps.pl_l7_events);
		dp->l7_verdicts_fd = bpf_map__fd(skel->maps.pl_l7_verdicts);
		dp->l7_counts_fd = bpf_map__fd(skel->maps.pl_l7_counts);
	}
	dp->talk.srcs = bpf_map__fd(skel->maps.pl_srcs);
	dp->talk.dsts = bpf_map__fd(skel->maps.pl_dsts);
	dp->talk.ports = bpf_map__fd(skel->maps.pl_ports);
	dp->talk.icmp = bpf_map__fd(skel->maps.pl_icmp);
	dp->talk.stats = bpf_map__fd(skel->maps.pl_talk_stats);
	if (skel->rodata->pl_cfg_detect) {
		dp->det_srcs_fd = bpf_map__fd(skel->maps.pl_det_srcs);
		dp->det_stats_fd = bpf_map__fd(skel->maps.pl_det_stats);
		dp->det_frags_fd = bpf_map__fd(skel->maps.pl_det_frags);
		dp->det_frag_stats_fd = bpf_map__fd(skel->maps.pl_det_frag_stats);
	}
	dp->pipeline_fd = bpf_program__fd(o->mode == PL_MODE_TC ? skel->progs.tc_pktlens
							       : skel->progs.xdp_pktlens);
	dp->entry_fd = dp->pipeline_fd;
	if (live_egress)
		dp->egress_fd = bpf_program__fd(skel->progs.tc_pktlens_egress);
	if (live_sent)
		dp->l7_egress_fd = bpf_map__fd(skel->maps.pl_l7_egress);
	if (o->tcp && o->flows) {
		dp->tcp.flows = bpf_map__fd(skel->maps.pl_tcp);
		dp->tcp.hist = bpf_map__fd(skel->maps.pl_tcp_hist);
		dp->tcp.totals = bpf_map__fd(skel->maps.pl_tcp_totals);
	}
	dp->wirelen_off = (char *)&skel->bss->pl_offline[o->offline_cpu % PL_OFFLINE_SLOTS].f[0].wire_len -
			  (char *)skel->bss;

	if (o->filter) {
		err = pl_filter_prog_attach(dp, o);
		if (err)
			goto fail;
	}
	if (o->pin) {
		err = pl_dp_pin(dp);
		if (err)
			goto fail;
	}
	pl_dp_note_opts(dp, o);
	return 0;
fail:
	pl_dp_close(dp);
	return err;
}

void pl_dp_close(struct pl_dp *dp)
{
	if (!dp->fds_set) /* zeroed, never loaded: its 0s are not our descriptors */
		return;
	if (pl_dp_park(dp))
		return;
	pl_dp_detach(dp);
	if (dp->link_fd >= 0) /* the interface went away: the kernel detached it already */
		close(dp->link_fd);
	if (dp->egress_link_fd >= 0)
		close(dp->egress_link_fd);
	pl_dp_unpin(dp);
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
		for (int *fd = &dp->talk.srcs; fd <= &dp->talk.stats; fd++)
			if (*fd >= 0)
				close(*fd);
		if (dp->pipeline_fd >= 0)
			close(dp->pipeline_fd);
		if (dp->pinned_tc_fd >= 0)
			close(dp->pinned_tc_fd);
	}
	pl_dp_reset(dp);
}

__u32 pl_dp_flow_capacity(const struct pl_dp *dp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (dp->flows_fd < 0 || bpf_obj_get_info_by_fd(dp->flows_fd, &info, &len))
		return 0;
	return info.max_entries;
}
