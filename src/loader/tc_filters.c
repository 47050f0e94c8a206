// SPDX-License-Identifier: BSD-2-Clause
/*
 * tc_filters.c - see tc_filters.h. One RTM_GETTFILTER dump over rtnetlink: libbpf can
 * query a filter only by its handle and priority, not list what others added.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "loader/netlink.h"
#include "loader/tc_filters.h"

/* Count RTM_NEWTFILTER messages in one receive buffer; 1 when the dump is done. */
static int count_msgs(const char *buf, int len, __u32 seq, int *count)
{
	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, (unsigned int)len);
	     h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE) { /* a dump cut short carries its error */
			int err = 0;

			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
				memcpy(&err, NLMSG_DATA(h), sizeof(err));
			return err < 0 ? err : 1;
		}
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e->error)))
				return -EIO; /* too short to say which error */
			return e->error ? e->error : 1;
		}
		if (h->nlmsg_type == RTM_NEWTFILTER)
			(*count)++;
	}
	return 0;
}

struct count_ctx {
	__u32 seq;
	int count;
};

static int parse_buf(const char *buf, int len, void *ctx)
{
	struct count_ctx *c = ctx;

	return count_msgs(buf, len, c->seq, &c->count);
}

int pl_tc_filter_count(int ifindex, __u32 parent)
{
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		       .nlmsg_type = RTM_GETTFILTER,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1 },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent },
	};
	struct count_ctx c = { .seq = req.h.nlmsg_seq };
	int err = pl_nl_request(NETLINK_ROUTE, &req, req.h.nlmsg_len, parse_buf, &c);

	return err < 0 ? err : c.count;
}
