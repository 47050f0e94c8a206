// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "filter/cbpf.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "util/log.h"

#define PL_PROG_SLOT_PIPELINE 0

/* The translation options for o; live programs see ingress packets only. */
static struct pl_filter_opts filter_opts(const struct pl_dp_opts *o)
{
	return (struct pl_filter_opts){
		.hook = o->mode == PL_MODE_TC ? PL_FILTER_TC : PL_FILTER_XDP,
		.wirelen = o->mode == PL_MODE_OFFLINE ? PL_WIRELEN_MAP : PL_WIRELEN_BUFF,
		.tail_map_fd = -1,
		.flags = o->mode == PL_MODE_OFFLINE ? 0 : PL_FILTER_F_LIVE_INGRESS,
	};
}

/*
 * Compile o->filter and translate it with fo; messages printed. -EINVAL: libpcap
 * rejected the expression (and only then), -EOPNOTSUPP: pktlens cannot run it.
 */
static int build(const struct pl_dp_opts *o, const struct pl_filter_opts *fo,
		 struct sock_fprog *cbpf, struct bpf_insn **insns, size_t *cnt, char *msg)
{
	__u32 mask = o->filter_netmask ? o->filter_netmask : PL_FILTER_NETMASK_UNKNOWN;
	int err;

	msg[0] = 0;
	/* The snap length only matters for the return value, which we read as match/no match. */
	err = pl_filter_compile(o->filter, o->filter_linktype, 262144, mask, cbpf, msg, 65536);
	if (err) {
		if (err == -EINVAL)
			pl_warn("invalid filter expression '%s': %s", o->filter, msg);
		else
			pl_warn("cannot compile the filter '%s': %s", o->filter, msg);
		return err == -EINVAL ? -EINVAL : err == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	}
	err = pl_filter_translate(cbpf, fo, insns, cnt, msg, 65536);
	if (err) {
		pl_warn("filter '%s' cannot run in the kernel: %s", o->filter, msg);
		/* libpcap accepted the expression: never bad usage from here on */
		return err == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	}
	return 0;
}

int pl_filter_prog_check(const struct pl_dp_opts *o)
{
	struct pl_filter_opts fo = filter_opts(o);
	struct sock_fprog cbpf = {};
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	char *msg;
	int err;

	msg = malloc(65536);
	if (!msg) {
		pl_warn("out of memory");
		return -ENOMEM;
	}
	err = build(o, &fo, &cbpf, &insns, &cnt, msg);
	pl_filter_free(&cbpf);
	free(insns);
	free(msg);
	return err;
}

int pl_filter_prog_prepare(struct pl_dp_opts *o)
{
	if (!o->filter)
		return 0;
	if (o->mode != PL_MODE_OFFLINE && o->ifname)
		o->filter_netmask = pl_filter_netmask(o->ifname);
	return pl_filter_prog_check(o);
}

int pl_filter_prog_attach(struct pl_dp *dp, const struct pl_dp_opts *o)
{
	struct pl_filter_opts fo = filter_opts(o);
	struct sock_fprog cbpf = {};
	struct bpf_insn *insns = NULL;
	__u32 slot = PL_PROG_SLOT_PIPELINE;
	size_t cnt = 0;
	char *msg;
	int fd, err;

	fo.wirelen_map_fd = bpf_map__fd(dp->skel->maps.bss);
	fo.wirelen_off = dp->wirelen_off;
	fo.tail_map_fd = bpf_map__fd(dp->skel->maps.pl_progs);
	fo.tail_index = PL_PROG_SLOT_PIPELINE;
	msg = malloc(65536);
	if (!msg)
		return -ENOMEM;
	err = build(o, &fo, &cbpf, &insns, &cnt, msg);
	if (err)
		goto out;
	fd = pl_filter_load(insns, cnt, fo.hook,
			    bpf_program__flags(o->mode == PL_MODE_TC ? dp->skel->progs.tc_pktlens
								      : dp->skel->progs.xdp_pktlens),
			    msg, 65536);
	if (fd < 0) {
		err = fd;
		pl_warn("the kernel refused the filter program for '%s': %s", o->filter, msg);
		goto out;
	}
	if (bpf_map_update_elem(fo.tail_map_fd, &slot, &dp->pipeline_fd, BPF_ANY)) {
		err = -errno;
		pl_warn("cannot chain the filter to the pipeline: %s", strerror(-err));
		close(fd);
		goto out;
	}
	dp->filter_fd = fd;
	dp->entry_fd = fd;
	pl_info("filter '%s': %u classic instructions, %zu eBPF instructions", o->filter,
		cbpf.len, cnt);
out:
	pl_filter_free(&cbpf);
	free(insns);
	free(msg);
	return err;
}
