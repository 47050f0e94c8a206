// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c - [detect] of pktlens.conf(5): thresholds, windows and IOC list files.
 * The section is read with the configuration's own inih parser (pl_config_section);
 * every value is checked here, its range too, and named with its file and line when
 * bad.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "detect/detect.h"
#include "detect/ioc.h"
#include "util/log.h"

enum kind { K_DOUBLE, K_UINT, K_ADDRS, K_DOMAINS };

#define D(name, field) { name, K_DOUBLE, offsetof(struct pl_det_cfg, field) }
#define U(name, field) { name, K_UINT, offsetof(struct pl_det_cfg, field) }

static const struct key {
	const char *name;
	enum kind kind;
	size_t off;
} keys[] = {
	D("window", window_s),
	D("tick", tick_s),
	D("syn-flood-source-pps", syn_pps_src),
	D("udp-flood-source-pps", udp_pps_src),
	D("icmp-flood-source-pps", icmp_pps_src),
	D("syn-flood-pps", syn_pps),
	D("udp-flood-pps", udp_pps),
	D("icmp-flood-pps", icmp_pps),
	D("udp-flood-max-bytes", udp_flood_max_bytes),
	D("scan-window", scan_window_s),
	U("scan-ports", scan_ports),
	U("scan-hosts", scan_hosts),
	U("arp-sweep-hosts", arp_hosts),
	D("amplification-pps", amp_pps),
	U("amplification-min-bytes", amp_min_bytes),
	D("synack-reflection-pps", synack_pps),
	D("bad-flags-pps", bad_flags_pps),
	D("tiny-fragment-pps", tiny_frag_pps),
	D("malformed-pps", malformed_pps),
	D("baseline-alpha", base_alpha),
	D("baseline-k", base_k),
	D("baseline-min-factor", base_min_factor),
	U("baseline-warmup", base_warmup),
	U("baseline-sustain", base_sustain),
	U("max-sources", max_sources),
	D("quiet", quiet_s),
	U("max-alerts", max_alerts),
	{ "address-list", K_ADDRS, 0 },
	{ "domain-list", K_DOMAINS, 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Bounds beyond "a non-negative number" (0 turns a detection off elsewhere). */
static const struct range {
	const char *name;
	double lo, hi;
	bool lo_open;
	const char *what;
} ranges[] = {
	{ "window", 0.01, INFINITY, false, "at least 0.01 s" },
	{ "scan-window", 0.01, INFINITY, false, "at least 0.01 s" },
	{ "quiet", 0.01, INFINITY, false, "at least 0.01 s" },
	{ "tick", 0.05, INFINITY, false, "at least 0.05 s" },
	{ "baseline-alpha", 0, 1, true, "in (0, 1]" },
	{ "scan-ports", 0, 128, false, "at most 128 (the targets kept per source)" },
	{ "scan-hosts", 0, 128, false, "at most 128 (the targets kept per source)" },
	{ "max-sources", 1, INFINITY, false, "at least 1" },
	{ "max-alerts", 1, INFINITY, false, "at least 1" },
};

/* 0, or -EINVAL after a message naming @where (FILE:LINE) when @d is out of @k's range. */
static int in_range(const struct key *k, double d, const char *v, const char *where)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *r = &ranges[i];

		if (strcmp(r->name, k->name))
			continue;
		if ((r->lo_open ? d <= r->lo : d < r->lo) || d > r->hi) {
			pl_warn("%s: [detect] %s = '%s': %s", where, k->name, v, r->what);
			return -EINVAL;
		}
	}
	return 0;
}

static int set(struct pl_det_cfg *c, struct pl_ioc **ioc, const struct key *k, const char *v,
	       const char *where)
{
	char *end;
	double d;

	if (k->kind == K_ADDRS || k->kind == K_DOMAINS) {
		if (!*ioc)
			*ioc = pl_ioc_new();
		if (!*ioc)
			return -ENOMEM;
		return pl_ioc_load(*ioc, v, k->kind == K_DOMAINS);
	}
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || !isfinite(d) || d < 0 ||
	    (k->kind == K_UINT && (d != floor(d) || d > 1e9))) {
		pl_warn("%s: [detect] %s = '%s': expected a %s number (0 turns a detection "
			"off)", where, k->name, v, k->kind == K_UINT ? "whole" : "non-negative");
		return -EINVAL;
	}
	if (in_range(k, d, v, where))
		return -EINVAL;
	if (k->kind == K_UINT)
		*(unsigned int *)((char *)c + k->off) = (unsigned int)d;
	else
		*(double *)((char *)c + k->off) = d;
	return 0;
}

bool pl_det_cfg_equal(const struct pl_det_cfg *a, const struct pl_det_cfg *b)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const char *x = (const char *)a + keys[i].off, *y = (const char *)b + keys[i].off;

		if (keys[i].kind == K_DOUBLE && *(const double *)x != *(const double *)y)
			return false;
		if (keys[i].kind == K_UINT && *(const unsigned int *)x != *(const unsigned int *)y)
			return false;
	}
	return true;
}

int pl_det_cfg_load(const char *path, struct pl_det_cfg *c, struct pl_ioc **ioc)
{
	struct option lo[NKEYS + 1] = {};
	struct pl_det_cfg nc;
	struct pl_ioc *nl = NULL;
	char **opts, **where;
	int n, err;

	pl_det_cfg_default(c);
	*ioc = NULL;
	if (!path)
		return 0;
	for (size_t i = 0; i < NKEYS; i++)
		lo[i] = (struct option){ keys[i].name, required_argument, NULL, 0 };
	err = pl_config_section(path, "detect", lo, &opts, &where, &n);
	if (err)
		return err;
	nc = *c;
	for (int i = 0; !err && i < n; i++) {
		const char *o = opts[i] + 2, *eq = strchr(o, '=');
		size_t kl = eq ? (size_t)(eq - o) : strlen(o);

		for (size_t k = 0; k < NKEYS; k++)
			if (strlen(keys[k].name) == kl && !strncmp(keys[k].name, o, kl)) {
				err = set(&nc, &nl, &keys[k], eq ? eq + 1 : "", where[i]);
				break;
			}
	}
	pl_config_free(opts, n);
	pl_config_free(where, n);
	if (err) {
		pl_ioc_free(nl);
		return err == -ENOMEM ? err : -EINVAL;
	}
	*c = nc;
	*ioc = nl;
	return 0;
}
