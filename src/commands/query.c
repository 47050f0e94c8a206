// SPDX-License-Identifier: BSD-2-Clause
/* query.c - `pktlens query`: options; the answers are in src/history/hquery.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "commands/commands.h"
#include "history/history.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens query [--db FILE] top-talkers|flows|minutes|apps|alerts\n"
	"                     [--since T] [--until T] [--top N] [-i IF] [--json]\n"
	"Answers from the history that pktlens serve writes, without the daemon:\n"
	"  top-talkers  the addresses that sent the most bytes in the flows of the range\n"
	"  flows        the flows that ended in the range (were in it), most bytes first\n"
	"  minutes      the per-minute counts of each interface, in time order\n"
	"  apps         the application mix (nDPI, serve's L7) of the flows of the range\n"
	"  alerts       the alerts of serve's detection alive in the range, newest first\n"
	"\n"
	"      --db FILE       the history (default " PL_HIST_DEFAULT_DB ")\n"
	"      --since T       from T (default: the beginning); T is ISO 8601\n"
	"                      (2026-12-07T10:00, ...Z, ...+01:00; no zone: local time),\n"
	"                      an offset before now (-90s, -30m, -1h, -7d, -2w), now, @UNIX\n"
	"      --until T       to T, inclusive (default: now)\n"
	"      --top N         at most N rows (default 20; 0: all); minutes: the N busiest\n"
	"  -i, --interface IF  only interface IF\n"
	"      --json          one JSON object\n"
	"  -v, --verbose       more messages; also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"  -h, --help          this help\n";

enum { OPT_DB = 256, OPT_SINCE, OPT_UNTIL, OPT_TOP, OPT_JSON };

static const struct pl_opt_hint hints[] = {
	{ 'j', "-j goes before the command in pktlens; query takes --json" },
	{ 'r', "-r reads a capture: query reads the history, --db FILE" },
	{ 0, NULL },
};

static int parse_time(const char *opt, const char *s, __s64 now, __s64 *out)
{
	const char *why;

	if (pl_time_arg(s, now, out, &why)) {
		pl_warn("invalid %s '%s': %s", opt, s, why);
		return -1;
	}
	return 0;
}

static int kind_parse(const char *s, enum pl_hq_kind *k)
{
	if (!strcmp(s, "top-talkers"))
		*k = PL_HQ_TOP_TALKERS;
	else if (!strcmp(s, "flows"))
		*k = PL_HQ_FLOWS;
	else if (!strcmp(s, "minutes"))
		*k = PL_HQ_MINUTES;
	else if (!strcmp(s, "apps"))
		*k = PL_HQ_APPS;
	else if (!strcmp(s, "alerts"))
		*k = PL_HQ_ALERTS;
	else
		return -1;
	return 0;
}

int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__s64 now = (__s64)time(NULL);
	struct pl_hq q = { .since = 0, .until = now, .top = 20 };
	const char *db_path = PL_HIST_DEFAULT_DB;
	struct sqlite3 *db;
	char why[640];
	int c, err;

	/* Options may come before or after the question. */
	while ((c = pl_getopt(argc, argv, "query", usage, "i:h", opts, hints)) != -1) {
		switch (c) {
		case OPT_DB: db_path = optarg; break;
		case OPT_SINCE:
			if (parse_time("--since", optarg, now, &q.since))
				return PL_EXIT_USAGE;
			break;
		case OPT_UNTIL:
			if (parse_time("--until", optarg, now, &q.until))
				return PL_EXIT_USAGE;
			break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 0, 10000000, &q.top))
				return PL_EXIT_USAGE;
			break;
		case OPT_JSON: q.json = true; break;
		case 'i': q.ifname = optarg; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || kind_parse(argv[optind], &q.kind)) {
		if (optind >= argc)
			pl_warn("query needs a question: top-talkers, flows, minutes, apps or alerts");
		else if (optind < argc - 1)
			pl_warn("query takes one question, not '%s %s'", argv[optind], argv[optind + 1]);
		else
			pl_warn("unknown question '%s': top-talkers, flows, minutes, apps or alerts",
				argv[optind]);
		fputs("Try 'pktlens query --help'.\n", stderr);
		return PL_EXIT_USAGE;
	}
	if (q.since > q.until) {
		pl_warn("--since is after --until: nothing can be in that range");
		return PL_EXIT_USAGE;
	}
	err = pl_db_open(db_path, true, &db, why, sizeof(why));
	if (err) {
		pl_warn("%s", why);
		return PL_EXIT_FAIL;
	}
	err = pl_hq_run(db, &q, stdout, why, sizeof(why));
	pl_db_close(db);
	if (err) {
		pl_warn("%s", why);
		return PL_EXIT_FAIL;
	}
	return PL_EXIT_OK;
}
