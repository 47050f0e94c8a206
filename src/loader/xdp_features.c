// SPDX-License-Identifier: BSD-2-Clause
/*
 * xdp_features.c - see xdp_features.h. Two generic netlink requests: the "netdev"
 * family's id (CTRL_CMD_GETFAMILY), then a dump of its devices (NETDEV_CMD_DEV_GET),
 * each with its ifindex and XDP feature bits. Debian's UAPI headers predate the
 * family, so its numbers are written here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "loader/netlink.h"
#include "loader/xdp_features.h"

#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_BASIC 1 /* XDP_PASS/DROP/ABORTED in the driver: native XDP */

struct reply {
	__u32 seq;
	int family;                 /* CTRL_CMD_GETFAMILY: the id found */
	struct pl_xdp_native *out;  /* NETDEV_CMD_DEV_GET: the devices */
};

/* Walk the attributes of a generic netlink message; @fn sees each (type, data, len). */
static void each_attr(const struct nlmsghdr *h, void (*fn)(int, const void *, int, void *),
		      void *ctx)
{
	int off = NLMSG_LENGTH(GENL_HDRLEN);

	while (off + (int)NLA_HDRLEN <= (int)h->nlmsg_len) {
		const struct nlattr *a = (const void *)((const char *)h + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > (int)h->nlmsg_len)
			return; /* malformed: stop, never read past the message */
		fn(a->nla_type & NLA_TYPE_MASK, (const char *)a + NLA_HDRLEN,
		   a->nla_len - NLA_HDRLEN, ctx);
		off += NLA_ALIGN(a->nla_len);
	}
}

static void family_attr(int type, const void *data, int len, void *ctx)
{
	__u16 id;

	if (type == CTRL_ATTR_FAMILY_ID && len >= (int)sizeof(id)) {
		memcpy(&id, data, sizeof(id));
		((struct reply *)ctx)->family = id;
	}
}

struct dev {
	int ifindex;
	__u64 features;
	bool has_features;
};

static void dev_attr(int type, const void *data, int len, void *ctx)
{
	struct dev *d = ctx;
	__u32 v32;

	if (type == NETDEV_A_DEV_IFINDEX && len >= (int)sizeof(v32)) {
		memcpy(&v32, data, sizeof(v32));
		d->ifindex = (int)v32;
	} else if (type == NETDEV_A_DEV_XDP_FEATURES && len >= (int)sizeof(d->features)) {
		memcpy(&d->features, data, sizeof(d->features));
		d->has_features = true;
	}
}

static int add_dev(struct pl_xdp_native *x, const struct dev *d)
{
	int *ifi = realloc(x->ifindex, (x->n + 1) * sizeof(*ifi));
	bool *nat;

	if (!ifi)
		return -ENOMEM;
	x->ifindex = ifi;
	nat = realloc(x->native, (x->n + 1) * sizeof(*nat));
	if (!nat)
		return -ENOMEM;
	x->native = nat;
	x->ifindex[x->n] = d->ifindex;
	x->native[x->n] = d->features & NETDEV_XDP_ACT_BASIC;
	x->n++;
	return 0;
}

static int parse(const char *buf, int len, void *ctx)
{
	struct reply *r = ctx;

	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, (unsigned int)len);
	     h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != r->seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e->error)))
				return -EIO;
			return e->error ? e->error : 1;
		}
		if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			return -EIO;
		if (!r->out) {
			each_attr(h, family_attr, r);
			return r->family ? 1 : -ENOENT;
		}
		struct dev d = {};
		int err;

		each_attr(h, dev_attr, &d);
		if (d.ifindex && d.has_features && (err = add_dev(r->out, &d)))
			return err;
	}
	return 0;
}

int pl_xdp_native_query(struct pl_xdp_native *out)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		char attrs[64];
	} req = {
		.h = { .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	static const char name[] = "netdev";
	struct nlattr *a = (struct nlattr *)req.attrs;
	struct reply r = { .seq = 1 };
	int err;

	memset(out, 0, sizeof(*out));
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(name);
	memcpy((char *)a + NLA_HDRLEN, name, sizeof(name));
	req.h.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	err = pl_nl_request(NETLINK_GENERIC, &req, req.h.nlmsg_len, parse, &r);
	if (err < 0)
		return err; /* -ENOENT: a kernel before 6.3 has no such family */

	memset(&req, 0, sizeof(req));
	req.h = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
				   .nlmsg_type = (__u16)r.family,
				   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
				   .nlmsg_seq = 2 };
	req.g = (struct genlmsghdr){ .cmd = NETDEV_CMD_DEV_GET, .version = 1 };
	r.seq = 2;
	r.out = out;
	err = pl_nl_request(NETLINK_GENERIC, &req, req.h.nlmsg_len, parse, &r);
	if (err < 0) {
		pl_xdp_native_free(out);
		return err;
	}
	return 0;
}

int pl_xdp_native_has(const struct pl_xdp_native *x, int ifindex)
{
	for (int i = 0; i < x->n; i++)
		if (x->ifindex[i] == ifindex)
			return x->native[i];
	return -1;
}

void pl_xdp_native_free(struct pl_xdp_native *x)
{
	free(x->ifindex);
	free(x->native);
	memset(x, 0, sizeof(*x));
}
