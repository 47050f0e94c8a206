// SPDX-License-Identifier: BSD-2-Clause
/*
 * tcx_progs - the programs attached to an interface's tcx ingress (or egress) hook,
 * one line each ("ID NAME"), so that the tests can see a tcx link, which `tc filter
 * show` does not list:
 *	tcx_progs IFNAME [ingress|egress]
 * Run it in the interface's network namespace. Exit 0 (also when there are none),
 * 1 if the interface or the query fails, 2 on bad usage, 3 (saying nothing) if the
 * kernel has no tcx (before Linux 6.6: EINVAL), where nothing can be attached there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>

#define TCX_INGRESS 46 /* enum bpf_attach_type, Linux 6.6 */
#define TCX_EGRESS 47
#define MAX_PROGS 64

int main(int argc, char **argv)
{
	__u32 ids[MAX_PROGS], cnt = MAX_PROGS, flags = 0;
	unsigned int ifindex;
	int hook = TCX_INGRESS;

	if (argc == 3 && !strcmp(argv[2], "egress"))
		hook = TCX_EGRESS;
	else if (argc == 3 && strcmp(argv[2], "ingress"))
		argc = 0;
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: tcx_progs IFNAME [ingress|egress]\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "tcx_progs: no interface %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_prog_query((int)ifindex, hook, 0, &flags, ids, &cnt)) {
		if (errno == EINVAL)
			return 3;
		fprintf(stderr, "tcx_progs: query of %s failed: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (__u32 i = 0; i < cnt && i < MAX_PROGS; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("%u %s\n", ids[i], info.name);
		else
			printf("%u ?\n", ids[i]);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
