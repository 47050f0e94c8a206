// SPDX-License-Identifier: BSD-2-Clause
/*
 * block.c - `pktlens block`, `unblock` and `blocked`: change and list the rules of a
 * running protect (or of a data plane bpftool loaded) through its pinned maps; no
 * restart, no counter lost. The work is in src/mitigate/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "commands/block_view.h"
#include "commands/commands.h"
#include "mitigate/host.h"
#include "mitigate/rules.h"
#include "sinks/json.h"
#include "util/args.h"
#include "util/log.h"

static const char block_usage[] =
	"Usage: pktlens block ADDR[/LEN] [--port P | --sport P [--min-len B]]\n"
	"                     [--proto tcp|udp|sctp|icmp|icmpv6] [--ttl DURATION] [--alert]\n"
	"                     [-i IF | --pinned DIR]\n"
	"Drop packets from ADDR[/LEN] (to port P, of protocol P) in a running protect.\n"
	"\n"
	"      --port P         only packets to destination port P (tcp, udp or sctp)\n"
	"      --sport P        only packets from source port P (answers of a service, as\n"
	"                       reflection sends them; needs --proto tcp, udp or sctp;\n"
	"                       ADDR may be 0.0.0.0/0 or ::/0: this host's addresses and\n"
	"                       gateways are allowed before it)\n"
	"      --min-len B      with --sport: only frames of B bytes or more\n"
	"      --proto P        only packets of protocol P\n"
	"      --ttl DURATION   remove the rule after DURATION (90, 90s, 15m, 2h, 1d)\n"
	"      --alert          count, do not drop\n"
	"  -i, --interface IF   the protect running on IF (default: the only one running)\n"
	"      --pinned DIR     a data plane bpftool loaded and pinned in DIR\n"
	"  -v, --verbose        more messages; -q, --quiet: only errors\n"
	"  -h, --help           this help\n";

static const char unblock_usage[] =
	"Usage: pktlens unblock ADDR[/LEN] [--port P | --sport P] [--proto P]\n"
	"                       [-i IF | --pinned DIR]\n"
	"       pktlens unblock --id N [-i IF | --pinned DIR]\n"
	"Remove a rule from a running protect (as 'pktlens blocked' lists it).\n"
	"\n"
	"      --port P, --sport P, --proto P  the port and protocol the rule was added with\n"
	"      --id N           the rule with id N (any kind)\n"
	"  -i, --interface IF   the protect running on IF (default: the only one running)\n"
	"      --pinned DIR     a data plane bpftool loaded and pinned in DIR\n"
	"  -v, --verbose        more messages; -q, --quiet: only errors\n"
	"  -h, --help           this help\n";

static const char blocked_usage[] =
	"Usage: pktlens blocked [--json] [-i IF | --pinned DIR]\n"
	"List the rules of a running protect with their counters and expiry.\n"
	"\n"
	"      --json           one JSON object\n"
	"  -i, --interface IF   the protect running on IF (default: the only one running)\n"
	"      --pinned DIR     a data plane bpftool loaded and pinned in DIR\n"
	"  -v, --verbose        more messages; -q, --quiet: only errors\n"
	"  -h, --help           this help\n";

enum { OPT_PORT = 256, OPT_PROTO, OPT_TTL, OPT_PINNED, OPT_ID, OPT_JSON, OPT_ALERT, OPT_SPORT,
       OPT_MIN_LEN };

static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "min-len", required_argument, NULL, OPT_MIN_LEN },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "alert", no_argument, NULL, OPT_ALERT },
	{ "pinned", required_argument, NULL, OPT_PINNED },
	{ "id", required_argument, NULL, OPT_ID },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *ifname, *pinned, *addr;
	struct pl_rule_spec sp;
	unsigned int id;
	bool json, has_port, has_proto;
};

/* Options and the one address; 0, or the exit status. */
static int parse_args(int argc, char **argv, const char *cmd, const char *usage, bool want_addr,
		      struct args *a)
{
	char err[PL_ERR_LEN];
	unsigned int port;
	int c;

	memset(a, 0, sizeof(*a));
	a->json = pl_global_json;
	while ((c = pl_getopt(argc, argv, cmd, usage, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': a->ifname = optarg; break;
		case OPT_PINNED: a->pinned = optarg; break;
		case OPT_PORT:
		case OPT_SPORT:
			if (pl_parse_u32(c == OPT_PORT ? "--port" : "--sport", optarg, 1, 65535, &port))
				return PL_EXIT_USAGE;
			if (a->has_port) {
				pl_warn("%s: one of --port and --sport, once", cmd);
				return PL_EXIT_USAGE;
			}
			a->sp.r.port = htons(port);
			a->has_port = true;
			if (c == OPT_SPORT)
				a->sp.r.flags |= PL_RULE_F_SPORT;
			break;
		case OPT_MIN_LEN:
			if (pl_parse_u32("--min-len", optarg, 1, 65535, &a->sp.r.min_len))
				return PL_EXIT_USAGE;
			break;
		case OPT_PROTO:
			if (pl_proto_parse(optarg, &a->sp.r.proto, err, sizeof(err))) {
				pl_warn("%s: %s", cmd, err);
				return PL_EXIT_USAGE;
			}
			a->has_proto = true;
			break;
		case OPT_TTL:
			if (pl_duration_parse(optarg, &a->sp.ttl_s, err, sizeof(err))) {
				pl_warn("%s: --ttl: %s", cmd, err);
				return PL_EXIT_USAGE;
			}
			break;
		case OPT_ALERT: a->sp.r.flags |= PL_RULE_F_ALERT; break;
		case OPT_ID:
			if (pl_parse_u32("--id", optarg, 1, PL_RULES_MAX - 1, &a->id))
				return PL_EXIT_USAGE;
			break;
		case OPT_JSON: a->json = true; break;
		case 'h': fputs(usage, stdout); return -1;
		default: return PL_EXIT_USAGE;
		}
	}
	if (a->ifname && a->pinned) {
		pl_warn("%s: -i and --pinned exclude each other", cmd);
		return PL_EXIT_USAGE;
	}
	if (optind < argc)
		a->addr = argv[optind++];
	if (optind < argc) {
		pl_warn("%s: one address or CIDR only, '%s' is one too many", cmd, argv[optind]);
		return PL_EXIT_USAGE;
	}
	if (want_addr && !a->addr && !a->id) {
		pl_warn("%s needs an address or CIDR: pktlens %s ADDR[/LEN]", cmd, cmd);
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (!want_addr && a->addr) {
		pl_warn("%s takes no address", cmd);
		return PL_EXIT_USAGE;
	}
	if (a->addr) {
		struct pl_prefix p;

		if (pl_prefix_parse(a->addr, &p, err, sizeof(err))) {
			pl_warn("%s: %s", cmd, err);
			return PL_EXIT_USAGE;
		}
		a->sp.r.family = p.family;
		a->sp.r.plen = p.plen;
		memcpy(a->sp.r.addr, p.addr, 16);
		a->sp.r.kind = PL_RULE_BLOCK;
		if (pl_port_rule_check(&a->sp, err, sizeof(err))) {
			pl_warn("%s: %s", cmd, err);
			return PL_EXIT_USAGE;
		}
	}
	return 0;
}

/* Open and lock the instance's maps; 0 or the exit status. */
static int open_instance(const struct args *a, struct pl_mit *m)
{
	char dir[256];

	if (pl_require_root("block/unblock/blocked"))
		return PL_EXIT_FAIL;
	if (pl_mit_find_dir(a->ifname, a->pinned, dir, sizeof(dir)))
		return PL_EXIT_FAIL;
	if (pl_mit_open_pinned(m, dir))
		return PL_EXIT_FAIL;
	if (pl_mit_lock(m)) {
		pl_warn("cannot lock %s: %s", dir, strerror(errno));
		pl_mit_close(m);
		return PL_EXIT_FAIL;
	}
	pl_rule_expire(m); /* also when no protect runs to do it (bpftool's data plane) */
	return 0;
}

int cmd_block(int argc, char **argv)
{
	struct pl_prefix *prot = NULL;
	char err[PL_ERR_LEN], txt[64];
	struct pl_mit m;
	struct args a;
	size_t nprot = 0;
	__u32 id;
	int rc;

	rc = parse_args(argc, argv, "block", block_usage, true, &a);
	if (rc)
		return rc < 0 ? PL_EXIT_OK : rc;
	if (a.id) {
		pl_warn("block: --id is for unblock");
		return PL_EXIT_USAGE;
	}
	a.sp.r.origin = PL_ORIGIN_CLI;
	if (pl_rule_check_alone(&a.sp, err, sizeof(err))) { /* before looking for protect */
		pl_warn("block: %s", err);
		return PL_EXIT_FAIL;
	}
	rc = open_instance(&a, &m);
	if (rc)
		return rc;
	pl_host_protected(&m, &prot, &nprot);
	if (pl_rule_add(&m, &a.sp, prot, nprot, &id, err, sizeof(err))) {
		pl_warn("block: %s", err);
		rc = PL_EXIT_FAIL;
	} else {
		struct pl_prefix p = { .family = a.sp.r.family, .plen = a.sp.r.plen };

		memcpy(p.addr, a.sp.r.addr, 16);
		printf("rule %u: %s %s", id, a.sp.r.flags & PL_RULE_F_ALERT ? "alert on" : "block",
		       pl_prefix_str(&p, txt, sizeof(txt)));
		if (a.sp.r.proto)
			printf(" proto %s", pl_mit_proto_name(a.sp.r.proto));
		if (a.sp.r.port)
			printf(" %s %u", a.sp.r.flags & PL_RULE_F_SPORT ? "sport" : "port",
			       ntohs(a.sp.r.port));
		if (a.sp.r.min_len)
			printf(" minlen %u", a.sp.r.min_len);
		if (a.sp.ttl_s)
			printf(" for %llus", (unsigned long long)a.sp.ttl_s);
		printf(" (in %s)\n", m.dir);
	}
	free(prot);
	pl_mit_close(&m);
	return rc;
}

int cmd_unblock(int argc, char **argv)
{
	struct pl_mit m;
	struct args a;
	__u32 id;
	int rc;

	rc = parse_args(argc, argv, "unblock", unblock_usage, true, &a);
	if (rc)
		return rc < 0 ? PL_EXIT_OK : rc;
	if (a.id && a.addr) {
		pl_warn("unblock: an address or --id, not both");
		return PL_EXIT_USAGE;
	}
	rc = open_instance(&a, &m);
	if (rc)
		return rc;
	id = a.id;
	if (!id && pl_rule_find(&m, &a.sp.r, &id)) {
		pl_warn("unblock: no %s rule for %s%s%s (pktlens blocked lists them)",
			a.sp.r.kind == PL_RULE_PORT ? "port/protocol" : "block", a.addr,
			a.sp.r.kind == PL_RULE_PORT ? " with that port and protocol" : "",
			a.sp.r.kind == PL_RULE_BLOCK ? " without --port/--proto" : "");
		rc = PL_EXIT_FAIL;
	} else if (pl_rule_del(&m, id)) {
		pl_warn("unblock: no rule %u (pktlens blocked lists them)", id);
		rc = PL_EXIT_FAIL;
	} else {
		printf("rule %u removed\n", id);
	}
	pl_mit_close(&m);
	return rc;
}

static void rule_text(const struct pl_rule *r, char *buf, size_t len)
{
	struct pl_prefix p = { .family = r->family, .plen = r->plen };
	char a[64];
	int n;

	memcpy(p.addr, r->addr, 16);
	if (r->kind == PL_RULE_LIST) {
		snprintf(buf, len, "%s (%u prefixes)", r->label, r->entries);
		return;
	}
	n = snprintf(buf, len, "%s", pl_prefix_str(&p, a, sizeof(a)));
	if (r->proto && n < (int)len)
		n += snprintf(buf + n, len - n, " proto %s", pl_mit_proto_name(r->proto));
	if (r->port && n < (int)len)
		n += snprintf(buf + n, len - n, " %s %u", r->flags & PL_RULE_F_SPORT ? "sport" : "port",
			      ntohs(r->port));
	if (r->min_len && n < (int)len)
		n += snprintf(buf + n, len - n, " minlen %u", r->min_len);
	if (r->kind == PL_RULE_RATE && n < (int)len)
		n += snprintf(buf + n, len - n, " %u pps burst %u%s", r->pps, r->burst,
			      r->flags & PL_RULE_F_AGGREGATE ? " aggregate" : "");
	if (r->origin == PL_ORIGIN_AUTO && n < (int)len) /* what alerted */
		snprintf(buf + n, len - n, " (sid %u)", r->line);
}

static const char *origin_name(int o)
{
	return o == PL_ORIGIN_FILE ? "file" : o == PL_ORIGIN_IMPLICIT ? "host" :
	       o == PL_ORIGIN_AUTO ? "auto" : "cli";
}

/* Seconds left before @r expires (-1: never). */
static long long ttl_left(const struct pl_rule *r, __u64 now)
{
	if (!r->expires_ns)
		return -1;
	return r->expires_ns > now ? (long long)((r->expires_ns - now + 999999999ull) / 1000000000ull) : 0;
}

void pl_blocked_json(struct pl_json *j, const struct pl_rule_row *rows, size_t n,
		     const struct pl_mit_stats *st)
{
	__u64 now = pl_mono_ns();
	char txt[128];

	pl_json_begin_obj(j, "mitigation");
	pl_json_u64(j, "dropped", st->dropped);
	pl_json_u64(j, "dropped_bytes", st->dropped_bytes);
	pl_json_u64(j, "would_drop", st->would_drop);
	pl_json_u64(j, "allowed", st->allowed);
	pl_json_begin_obj(j, "by_reason");
	for (int w = 1; w < PL_MIT_MAX; w++)
		pl_json_u64(j, pl_mit_reason_name(w), st->reason[w]);
	pl_json_end_obj(j);
	pl_json_begin_arr(j, "rules");
	for (size_t i = 0; i < n; i++) {
		const struct pl_rule *r = &rows[i].r;
		long long left = ttl_left(r, now);
		struct pl_prefix p = { .family = r->family, .plen = r->plen };

		memcpy(p.addr, r->addr, 16);
		pl_json_begin_obj(j, NULL);
		pl_json_u64(j, "id", rows[i].id);
		pl_json_str(j, "kind", pl_rule_kind_name(r->kind));
		pl_json_str(j, "action", r->kind == PL_RULE_ALLOW ? "allow" :
				r->flags & PL_RULE_F_ALERT ? "alert" : "drop");
		if (r->kind == PL_RULE_LIST) {
			pl_json_str(j, "list", r->label);
			pl_json_u64(j, "prefixes", r->entries);
		} else {
			pl_json_str(j, "cidr", pl_prefix_str(&p, txt, sizeof(txt)));
		}
		if (r->proto)
			pl_json_str(j, "proto", pl_mit_proto_name(r->proto));
		if (r->port)
			pl_json_u64(j, r->flags & PL_RULE_F_SPORT ? "sport" : "port", ntohs(r->port));
		if (r->min_len)
			pl_json_u64(j, "min_len", r->min_len);
		if (r->kind == PL_RULE_RATE) {
			pl_json_u64(j, "pps", r->pps);
			pl_json_u64(j, "burst", r->burst);
			pl_json_bool(j, "aggregate", r->flags & PL_RULE_F_AGGREGATE);
		}
		pl_json_str(j, "origin", origin_name(r->origin));
		if (r->origin == PL_ORIGIN_FILE)
			pl_json_u64(j, "line", r->line);
		else if (r->origin == PL_ORIGIN_AUTO)
			pl_json_u64(j, "sid", r->line);
		if (left >= 0)
			pl_json_i64(j, "expires_in_s", left);
		else
			pl_json_null(j, "expires_in_s");
		pl_json_u64(j, "packets", rows[i].st.packets);
		pl_json_u64(j, "bytes", rows[i].st.bytes);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_end_obj(j);
}

void pl_blocked_text(FILE *f, const struct pl_rule_row *rows, size_t n,
		     const struct pl_mit_stats *st)
{
	__u64 now = pl_mono_ns();
	char txt[128], exp[32];

	fprintf(f, "dropped %llu packets (%llu bytes): block %llu, port %llu, rate %llu; "
		   "would drop %llu; allowed %llu\n",
		(unsigned long long)st->dropped, (unsigned long long)st->dropped_bytes,
		(unsigned long long)st->reason[PL_MIT_BLOCK],
		(unsigned long long)st->reason[PL_MIT_PORT],
		(unsigned long long)st->reason[PL_MIT_RATE], (unsigned long long)st->would_drop,
		(unsigned long long)st->allowed);
	fprintf(f, "%5s %-6s %-6s %-44s %-6s %10s %12s %s\n", "id", "kind", "action", "match",
		"origin", "expires", "packets", "bytes");
	for (size_t i = 0; i < n; i++) {
		const struct pl_rule *r = &rows[i].r;
		long long left = ttl_left(r, now);

		rule_text(r, txt, sizeof(txt));
		if (left >= 0)
			snprintf(exp, sizeof(exp), "%llds", left);
		else
			snprintf(exp, sizeof(exp), "never");
		fprintf(f, "%5u %-6s %-6s %-44s %-6s %10s %12llu %llu\n", rows[i].id,
			pl_rule_kind_name(r->kind),
			r->kind == PL_RULE_ALLOW ? "allow" : r->flags & PL_RULE_F_ALERT ? "alert" : "drop",
			txt, origin_name(r->origin), exp, (unsigned long long)rows[i].st.packets,
			(unsigned long long)rows[i].st.bytes);
	}
}

int cmd_blocked(int argc, char **argv)
{
	struct pl_rule_row *rows = NULL;
	struct pl_mit_stats st;
	struct pl_mit m;
	struct args a;
	size_t n = 0;
	int rc;

	rc = parse_args(argc, argv, "blocked", blocked_usage, false, &a);
	if (rc)
		return rc < 0 ? PL_EXIT_OK : rc;
	rc = open_instance(&a, &m);
	if (rc)
		return rc;
	if (pl_rule_list(&m, &rows, &n) || pl_mit_stats_read(&m, &st)) {
		pl_warn("blocked: cannot read the rules in %s: %s", m.dir, strerror(errno));
		pl_mit_close(&m);
		return PL_EXIT_FAIL;
	}
	pl_mit_close(&m);
	if (a.json) {
		struct pl_json j;

		pl_json_init(&j, stdout, pl_global_pretty);
		pl_json_begin_obj(&j, NULL);
		pl_blocked_json(&j, rows, n, &st);
		pl_json_end_obj(&j);
		pl_json_finish(&j);
	} else {
		pl_blocked_text(stdout, rows, n, &st);
	}
	free(rows);
	return fflush(stdout) ? PL_EXIT_FAIL : PL_EXIT_OK;
}
