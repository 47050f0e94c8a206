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

int pl_filter_prog_attach(struct pl_dp *dp, const struct pl_dp_opts *o)
{
	struct pl_filter_opts fo = {
		.hook = o->mode == PL_MODE_TC ? PL_FILTER_TC : PL_FILTER_XDP,
		.wirelen = o->mode == PL_MODE_OFFLINE ? PL_WIRELEN_MAP : PL_WIRELEN_BUFF,
		.wirelen_map_fd = bpf_map__fd(dp->skel->maps.bss),
		.wirelen_off = dp->wirelen_off,
		.tail_map_fd = bpf_map__fd(dp->skel->maps.pl_progs),
		.tail_index = PL_PROG_SLOT_PIPELINE,
	};
	struct sock_fprog cbpf = {};
	struct bpf_insn *insns = NULL;
	__u32 slot = PL_PROG_SLOT_PIPELINE;
	size_t cnt = 0;
	char *msg;
	int fd, err;

	msg = malloc(65536);
	if (!msg)
		return -ENOMEM;
	msg[0] = 0;
	/* The snap length only matters for the return value, which we read as match/no match. */
	err = pl_filter_compile(o->filter, o->filter_linktype, 262144, &cbpf, msg, 65536);
	if (err) {
		pl_warn("invalid filter expression '%s': %s", o->filter, msg);
		goto out;
	}
	err = pl_filter_translate(&cbpf, &fo, &insns, &cnt, msg, 65536);
	if (err) {
		pl_warn("filter '%s' cannot run in the kernel: %s", o->filter, msg);
		if (err == -EINVAL) /* libpcap emitted it, so this is our problem, not usage */
			err = -EOPNOTSUPP;
		goto out;
	}
	fd = pl_filter_load(insns, cnt, fo.hook,
			    bpf_program__flags(o->mode == PL_MODE_TC ? dp->skel->progs.tc_pktlens
								      : dp->skel->progs.xdp_pktlens),
			    msg, 65536);
	if (fd < 0) {
		err = fd;
		pl_warn("the kernel refused the filter program for '%s': %s", o->filter, msg);
		if (err == -EINVAL)
			err = -EOPNOTSUPP;
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
