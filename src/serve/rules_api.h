/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules_api.h - /api/v1/rules: the mitigation rules of the `pktlens protect` instances
 * running on this host, read and changed through the maps they pin (as pktlens
 * blocked/block/unblock do; serve's own data plane has no mitigation). Each request
 * opens the pins and closes them again: a few system calls, no state kept here.
 */
#ifndef PL_SERVE_RULES_API_H
#define PL_SERVE_RULES_API_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "mitigate/parse.h"

/* A block or unblock request. */
struct pl_rules_req {
	char ifname[IFNAMSIZ];   /* "": the only protect running */
	struct pl_rule_spec sp;  /* the rule (block), or the one to find (unblock) */
	__u32 id;                /* unblock: the rule with this id */
	bool has_cidr;
};

/* The body of POST /api/v1/rules/block (@add) or /unblock. 0, or -EINVAL with @why. */
int pl_rules_req_parse(const char *body, size_t len, bool add, struct pl_rules_req *r,
		       char *why, size_t n);

/*
 * GET /api/v1/rules (@ifname "" : every protect running): the HTTP status; the JSON
 * text in *out (200), else the reason in @why.
 */
int pl_api_rules(const char *ifname, char **out, char *why, size_t n);
/* POST /api/v1/rules/block (@add) or /unblock with @body: as pl_api_rules(). */
int pl_api_rules_write(bool add, const char *body, size_t len, char **out, char *why,
		       size_t n);

#endif
