/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktlens_l7.h - the L7 part of the kernel/user-space contract (kept apart from
 * pktlens.h): flow-start samples in the L7 ring buffer, the verdict user space writes
 * back per flow, and the kernel's per-application counters.
 */
#ifndef PKTLENS_L7_H
#define PKTLENS_L7_H

#include <linux/types.h>
#include "pktlens.h"

#define PL_L7_PKTS_DEFAULT 8    /* packets sampled per flow and direction */
#define PL_L7_PKTS_MAX     64
#define PL_L7_SNAP         1536 /* bytes of each sampled frame (fixed reservation): a full
				  * frame at the standard MTU, so a hello is seldom cut */
#define PL_L7_APP_MAX      512  /* nDPI protocol ids counted; larger ids count in the last */
#define PL_L7_CAT_MAX      128  /* nDPI category ids counted */

/* A sampled frame: this header, then cap_len bytes of the frame from its L2 header. */
struct pl_l7_sample {
	struct pl_flow_key key; /* normalized, as in pl_flows */
	__u64 ts_ns;            /* program clock (capture time offline) */
	__u32 cap_len;
	__u32 wire_len;
	__u8 dir;               /* enum pl_flow_dir of this packet relative to key */
	__u8 egress;            /* from the tc egress program */
	__u8 vlan_pre;          /* tc: the frame's tag is in skb metadata (not in the bytes) */
	__u8 pad[5];
};

/* Written by user space once a flow is classified; the kernel counts by it. */
struct pl_l7_verdict_val {
	__u16 app;      /* nDPI app protocol id, else the master's; 0: Unknown */
	__u16 master;
	__u16 category;
	__u16 pad;
};

struct pl_l7_count {
	__u64 packets;
	__u64 bytes;
};

/* Per-CPU: index 0 of app/category holds packets of flows with no verdict (yet). */
struct pl_l7_counters {
	__u64 sampled;  /* frames copied to the L7 ring */
	__u64 lost;     /* frames to sample that did not fit the ring */
	struct pl_l7_count app[PL_L7_APP_MAX];
	struct pl_l7_count category[PL_L7_CAT_MAX];
};

#endif /* PKTLENS_L7_H */
