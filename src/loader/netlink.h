/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netlink.h - one netlink request and its answer: tc_filters.c counts an interface's
 * tc filters over rtnetlink, xdp_features.c asks the "netdev" generic netlink family
 * which interfaces have native XDP.
 */
#ifndef PL_NETLINK_H
#define PL_NETLINK_H

#include <stddef.h>

/*
 * What to do with one received buffer of @len bytes: 0 read on, > 0 the answer is
 * complete, < 0 a negative errno.
 */
typedef int (*pl_nl_parse)(const char *buf, int len, void *ctx);

/*
 * Send @req (@len bytes, a netlink message) on a new @protocol socket and hand each
 * buffer that comes back to @parse until it says the answer is complete. Returns
 * @parse's last value (> 0) or a negative errno.
 */
int pl_nl_request(int protocol, const void *req, size_t len, pl_nl_parse parse, void *ctx);

#endif
