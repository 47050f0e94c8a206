/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dataplane.h - load, configure, attach and detach the ingress pipeline, or adopt
 * one that bpftool loaded and pinned. Every function returns 0 or a negative errno
 * and has already told the user what failed and what to do.
 *
 * Where each part lives: dataplane.c loads and closes, attach.c attaches and detaches
 * (XDP and tc), pin.c does --pin and --pinned, cost.c the own-cost statistics, and
 * offline_runner.c the offline test runs.
 */
#ifndef PL_DATAPLANE_H
#define PL_DATAPLANE_H

#include <stdbool.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include "pktlens.h"
#include "analysis/talkers.h" /* struct pl_talker_fds */
#include "perf/tcp.h"          /* struct pl_tcp_fds */

#define PL_LINKTYPE_ETHERNET 1 /* DLT_EN10MB, without pulling in pcap.h */

enum pl_mode {
	PL_MODE_AUTO = 0, /* native XDP, falling back to generic */
	PL_MODE_NATIVE,
	PL_MODE_GENERIC,
	PL_MODE_TC,       /* clsact ingress classifier */
	PL_MODE_OFFLINE,  /* not attached: BPF_PROG_TEST_RUN from a capture file */
};

struct pl_dp_opts {
	enum pl_mode mode;
	const char *ifname;   /* not for PL_MODE_OFFLINE */
	__u32 flow_entries;   /* 0: PL_FLOWS_DEFAULT */
	__u32 addr_entries;   /* addresses of each of pl_srcs, pl_dsts; 0: PL_ADDRS_DEFAULT */
	__u32 snaplen;        /* > 0: copy packets to the ring buffer (capture) */
	__u32 ringbuf_bytes;  /* power of two >= 4096; 0: default */
	bool flows;           /* maintain the flow table */
	bool count_only;      /* count packets and bytes only: no parsing, no flows */
	bool force;           /* replace an XDP program someone else attached */
	bool pin;             /* pin maps under /sys/fs/bpf/pktlens/<ifname>/ */
	const char *filter;   /* tcpdump expression, NULL: every packet */
	int filter_linktype;  /* DLT of the frames the filter sees */
	__u32 filter_netmask; /* for "ip broadcast" (pl_filter_netmask()); 0: unknown */
	int offline_cpu;      /* offline with a filter: the CPU frames run on (its input slot) */
	__u32 l7_pkts;        /* > 0: sample that many packets per flow and direction (L7) */
	bool mitigate;        /* protect: verdicts from bpf/mitigate.h, its maps sized and pinned */
	__u32 blocklist_prefixes; /* protect: the blocklist's capacity per family (0: default) */
	bool tcp;             /* TCP RTT and health (bpf/rtt.h); live: with the tc egress program */
	bool detect;          /* per-source detection counters (pl_det_srcs) */
	__u32 amp_min_bytes;  /* detection: a UDP answer this long counts as amplified (0: default) */
};

struct pktlens;

struct pl_dp {
	bool fds_set;          /* the fds below are -1 or ours (false: zeroed, never loaded) */
	struct pktlens *skel;  /* NULL when adopted from pins */
	enum pl_mode mode;     /* the mode in effect */
	char ifname[IF_NAMESIZE];
	int ifindex;
	int stats_fd, flows_fd, events_fd;
	int l7_events_fd, l7_verdicts_fd, l7_counts_fd; /* -1 when L7 is off (the skel's) */
	struct pl_talker_fds talk; /* address, port and ICMP tables; -1: absent */
	int det_srcs_fd, det_stats_fd; /* detection's per-source counters; -1: off */
	int det_frags_fd, det_frag_stats_fd; /* its fragment tracking (overlaps); -1: off */
	int pipeline_fd;       /* the C pipeline program */
	int filter_fd;         /* generated filter program, -1 without a filter */
	int entry_fd;          /* what runs first: filter_fd or pipeline_fd */
	int pinned_tc_fd;      /* --pinned: tc_pktlens beside xdp_pktlens (pipeline_fd) */
	bool attached;
	int link_fd;           /* XDP, tcx: the BPF link that holds our program on the interface */
	__u32 xdp_flags;
	bool tcx;              /* tc mode through a tcx link (else a clsact filter) */
	bool tc_hook_created;
	/* The tc egress program (bpf/l7_egress.h: L7, TCP, detection), on and off with the
	 * ingress one */
	int egress_fd;         /* -1 when all three are off, or offline */
	int l7_egress_fd;      /* its map of what left per flow (pl_l7_egress; L7, detection) */
	int egress_link_fd;    /* its tcx link */
	bool egress_attached, egress_tcx, egress_hook_created;
	int stats_enable_fd;   /* holds kernel run-time statistics on */
	char pin_dir[128];     /* set when we pinned (and must unpin) */
	__u32 wirelen_off;     /* offline: .bss offset of pl_offline.wire_len */
	/* offline: called after every test run (L7 drains its ring); may run on any worker */
	void (*after_run)(void *arg);
	void *after_run_arg;
	bool mitigate;         /* loaded for protect (pl_dp_opts.mitigate) */
	struct pl_tcp_fds tcp; /* TCP RTT and health maps; -1 when off */
};

/* Above this MTU the live XDP program is loaded to take multi-buffer frames. */
#define PL_MTU_SINGLE_BUF 1500

/* An interface's MTU, 0 if it cannot be read. */
unsigned int pl_if_mtu(const char *ifname);
/* The kernel tick in ns (live flow time stamps count ticks), 0 if unknown. */
__u32 pl_tick_ns(void);
/* Open and load (not attach). On error @dp is cleaned up. */
int pl_dp_load(struct pl_dp *dp, const struct pl_dp_opts *o);
/* Attach dp->entry_fd to dp->ifindex per o->mode; tells the user the mode used. */
int pl_dp_attach(struct pl_dp *dp, const struct pl_dp_opts *o);
/*
 * A note on stderr when the mode in use has a catch (native XDP on veth), and a
 * warning when the interface is down; else nothing.
 */
void pl_dp_mode_note(const struct pl_dp *dp);
/*
 * Is the attached interface still there? A rename is followed (dp->ifname updated,
 * said); a removed interface is said, and then nothing is left to detach.
 */
bool pl_dp_interface_present(struct pl_dp *dp);
/* Remove the program from the interface (no-op if not attached); maps stay readable. */
void pl_dp_detach(struct pl_dp *dp);
/*
 * attach_egress.c, called by the two above: the L7 egress program on (nothing when
 * dp->egress_fd < 0) and off; @ingress_clsact_ours: the ingress side removes the
 * clsact qdisc it created.
 */
int pl_dp_attach_egress(struct pl_dp *dp, bool force);
void pl_dp_detach_egress(struct pl_dp *dp, bool ingress_clsact_ours);
/* Adopt maps (and the program, if present) pinned by bpftool or --pin in @dir. */
int pl_dp_open_pinned(struct pl_dp *dp, const char *dir);
/* Detach if attached, unpin what we pinned, free everything. Safe on a zeroed dp. */
void pl_dp_close(struct pl_dp *dp);

/*
 * Kernel run-time statistics of the entry program. They count only while some process
 * holds them on (pl_dp_cost_on; pl_dp_cost_off or exit restores the system setting),
 * and while on every run of every BPF program pays two clock reads.
 */
int pl_dp_cost_on(struct pl_dp *dp);
void pl_dp_cost_off(struct pl_dp *dp);
/* Is kernel.bpf_stats_enabled on system-wide? 1 yes, 0 no, < 0 unknown. */
int pl_dp_cost_system_on(void);
int pl_dp_cost(const struct pl_dp *dp, __u64 *run_ns, __u64 *run_cnt);
/* The same of the tc egress program (-ENOENT: none loaded). */
int pl_dp_cost_egress(const struct pl_dp *dp, __u64 *run_ns, __u64 *run_cnt);

/* Entries the flow table can hold (from the kernel, so also for pinned maps). */
__u32 pl_dp_flow_capacity(const struct pl_dp *dp);

/*
 * Offline: run one frame through the entry program at capture time @ts_ns. The
 * calling thread must be pinned to @cpu (< PL_OFFLINE_SLOTS): the program reads its
 * time and lengths from that CPU's slot (struct pl_offline_frame: @wire_len in Ethernet
 * framing, @frame_len as the capture has it). Threads on different CPUs may call it at once.
 */
int pl_dp_run_frame(struct pl_dp *dp, int cpu, const void *frame, __u32 caplen, __u32 wire_len,
		    __u32 frame_len, __u64 ts_ns);
/*
 * Offline: run @n frames in one test run. n = 1: @buf is the frame (any size). n > 1
 * (at most PL_OFFLINE_BATCH, never with a filter program in front): @buf holds the
 * frames packed last-first, f[i].cap_len bytes each (>= 14), @size bytes in all, at
 * most PL_OFFLINE_BATCH_BYTES. -EPROTO if the program rejected the batch.
 */
int pl_dp_run_frames(struct pl_dp *dp, int cpu, const void *buf, __u32 size,
		     const struct pl_offline_frame *f, __u32 n);

/* Mount bpffs on /sys/fs/bpf if it is not mounted. */
int pl_bpffs_ensure(void);

/*
 * Offline runs of several captures: while on, pl_dp_close() keeps an offline data
 * plane loaded and the next pl_dp_load() with the same options gets it back with
 * every map cleared (reuse.c); off closes what is kept.
 */
void pl_dp_keep_loaded(bool on);
/* Every map of @dp back to its state at load (tail calls and sections kept). */
int pl_dp_clear_maps(struct pl_dp *dp);

const char *pl_mode_name(enum pl_mode m);
int pl_mode_parse(const char *s, enum pl_mode *m);

#endif
