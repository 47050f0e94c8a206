// SPDX-License-Identifier: BSD-2-Clause
/*
 * host.c - the instance to change, and the addresses never to block (see host.h).
 */
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "mitigate/host.h"
#include "mitigate/rules.h"
#include "util/log.h"

static bool has_maps(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%.500s/pl_mit_cfg", dir);
	return !access(path, F_OK);
}

int pl_mit_find_dir(const char *ifname, const char *pinned, char *dir, size_t len)
{
	char found[512] = "";
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (pinned || ifname) {
		if (pinned)
			snprintf(dir, len, "%s", pinned);
		else
			snprintf(dir, len, PL_PIN_ROOT_DIR "/%s", ifname);
		if (has_maps(dir))
			return 0;
		pl_warn("no mitigation maps in %s: %s", dir,
			pinned ? "load pktlens.bpf.o there with 'bpftool prog loadall ... pinmaps' "
				 "first" : "is 'pktlens protect -i IF' running on that interface?");
		return -ENOENT;
	}
	d = opendir(PL_PIN_ROOT_DIR);
	while (d && (e = readdir(d))) {
		char sub[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), PL_PIN_ROOT_DIR "/%.255s", e->d_name);
		if (has_maps(sub) && n++ == 0)
			snprintf(found, sizeof(found), "%s", sub);
	}
	if (d)
		closedir(d);
	if (n == 1) {
		snprintf(dir, len, "%.255s", found);
		return 0;
	}
	if (!n)
		pl_warn("no running pktlens protect: no mitigation maps are pinned under "
			PL_PIN_ROOT_DIR "/; start one with 'pktlens protect -i IF' (or name a "
			"data plane bpftool pinned: --pinned DIR)");
	else
		pl_warn("%d data planes with mitigation maps under " PL_PIN_ROOT_DIR "/: name one "
			"with -i IF or --pinned DIR", n);
	return -ENOENT;
}

static int push(struct pl_prefix **v, size_t *n, const struct pl_prefix *p)
{
	struct pl_prefix *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = *p;
	return 0;
}

/* Default gateways from /proc/net/route and /proc/net/ipv6_route. */
static void gateways(struct pl_prefix **v, size_t *n)
{
	char line[512];
	FILE *f = fopen("/proc/net/route", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned int dst, gw, flags;
		char ifn[64];

		if (sscanf(line, "%63s %x %x %x", ifn, &dst, &gw, &flags) == 4 && !dst && gw) {
			struct pl_prefix p = { .family = 4, .plen = 32, .addr = { gw } };

			push(v, n, &p);
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/net/ipv6_route", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char dst[33], gw[33];
		unsigned int dlen;

		if (sscanf(line, "%32s %x %*s %*x %32s", dst, &dlen, gw) != 3 || dlen ||
		    !strcmp(gw, "00000000000000000000000000000000"))
			continue;
		{
			struct pl_prefix p = { .family = 6, .plen = 128 };
			unsigned char *b = (unsigned char *)p.addr;

			for (int i = 0; i < 16; i++)
				sscanf(gw + 2 * i, "%2hhx", &b[i]);
			push(v, n, &p);
		}
	}
	if (f)
		fclose(f);
}

int pl_host_addrs(struct pl_prefix **out, size_t *n)
{
	return pl_host_addrs_gw(out, n, true);
}

int pl_host_protected(struct pl_mit *m, struct pl_prefix **out, size_t *n)
{
	struct pl_rule_row *rows = NULL;
	size_t nrows = 0;
	bool implicit = false;

	if (!pl_rule_list(m, &rows, &nrows))
		for (size_t i = 0; i < nrows && !implicit; i++)
			implicit = rows[i].r.origin == PL_ORIGIN_IMPLICIT;
	free(rows);
	return pl_host_addrs_gw(out, n, !implicit);
}

int pl_host_addrs_gw(struct pl_prefix **out, size_t *n, bool gws)
{
	struct ifaddrs *ifa, *i;
	struct pl_prefix *v = NULL;
	size_t cnt = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct pl_prefix p = {};

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			p.family = 4;
			p.plen = 32;
			p.addr[0] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			p.family = 6;
			p.plen = 128;
			memcpy(p.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		push(&v, &cnt, &p);
	}
	freeifaddrs(ifa);
	if (gws)
		gateways(&v, &cnt);
	*out = v;
	*n = cnt;
	return 0;
}
