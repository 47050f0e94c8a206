// SPDX-License-Identifier: BSD-2-Clause
/* report.c - `pktlens report`: options; the page is made in src/report/. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "commands/commands.h"
#include "history/history.h"
#include "report/report.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens report [--db FILE | -r CAPTURE] [--since T] [--until T] [-i IF]\n"
	"                      [--top N] -o FILE\n"
	"Writes one self-contained HTML page (inline SVG charts, no script, nothing\n"
	"fetched: it opens offline) from the history that pktlens serve keeps, or from a\n"
	"capture: throughput, flows and losses over time, protocols, applications, top\n"
	"talkers and flows, alerts.\n"
	"\n"
	"  -o, --output FILE   the page (- for standard output)\n"
	"      --db FILE       the history (default " PL_HIST_DEFAULT_DB ")\n"
	"  -r CAPTURE          a pcap or pcapng file instead: run through the offline data\n"
	"                      plane with L7 as analyze runs it, minute by minute of its\n"
	"                      time stamps; its flows are those of the table at its end\n"
	"      --since T       from T (default: the beginning); T as in pktlens query:\n"
	"                      ISO 8601, -1h/-7d, now, @UNIX\n"
	"      --until T       to T, inclusive (default: now)\n"
	"  -i, --interface IF  only interface IF\n"
	"      --top N         rows of the top tables (default 20)\n"
	"  -v, --verbose       more messages; also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"  -h, --help          this help\n";

enum { OPT_DB = 256, OPT_SINCE, OPT_UNTIL, OPT_TOP };

static const struct pl_opt_hint hints[] = {
	{ 'w', "-w writes a capture; report writes its page with -o FILE" },
	{ 0, NULL },
};

static int time_opt(const char *opt, const char *s, __s64 now, __s64 *out)
{
	const char *why;

	if (pl_time_arg(s, now, out, &why)) {
		pl_warn("invalid %s '%s': %s", opt, s, why);
		return -1;
	}
	return 0;
}

/* The temporary history of -r and the directory it is in. */
static void remove_tmp(const char *dir)
{
	static const char *const files[] = { "h.db", "h.db-wal", "h.db-shm", "h.db-journal" };
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* Write the page to @path through a temporary file, so a failure leaves no half page. */
static int write_page(const char *path, const struct pl_rep_opts *o, const struct pl_rep *r)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (!strcmp(path, "-"))
		return pl_rep_html(stdout, o, r) || fflush(stdout) ? -EIO : 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		pl_warn("cannot write %s: %s", path, strerror(-err));
		return err;
	}
	err = pl_rep_html(f, o, r);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		pl_warn("cannot write %s: %s", path, strerror(-err));
	}
	return err;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "interface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__s64 now = (__s64)time(NULL);
	struct pl_rep_opts o = { .since = 0, .until = now, .top = 20,
				 .db_path = PL_HIST_DEFAULT_DB };
	const char *out = NULL, *cap = NULL;
	char tmpdir[] = "/tmp/pktlens-report.XXXXXX", tmpdb[64];
	struct sqlite3 *db;
	struct pl_rep r;
	char why[640];
	bool db_given = false;
	int c, err;

	while ((c = pl_getopt(argc, argv, "report", usage, "o:i:r:h", opts, hints)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': cap = optarg; break;
		case OPT_DB: o.db_path = optarg; db_given = true; break;
		case OPT_SINCE:
			if (time_opt("--since", optarg, now, &o.since))
				return PL_EXIT_USAGE;
			break;
		case OPT_UNTIL:
			if (time_opt("--until", optarg, now, &o.until))
				return PL_EXIT_USAGE;
			break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 1, 100000, &o.top))
				return PL_EXIT_USAGE;
			break;
		case 'i': o.ifname = optarg; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pl_warn("report takes no argument ('%s'): the history is --db FILE, a capture "
			"-r FILE", argv[optind]);
		return PL_EXIT_USAGE;
	}
	if (!out || !*out) {
		pl_warn("report needs the page's file: -o report.html (- for standard output)");
		return PL_EXIT_USAGE;
	}
	if (o.since > o.until) {
		pl_warn("--since is after --until: nothing can be in that range");
		return PL_EXIT_USAGE;
	}
	if (cap && db_given) {
		pl_warn("-r CAPTURE and --db FILE exclude each other: the page is made from one");
		return PL_EXIT_USAGE;
	}
	if (cap) {
		/* A history of the capture in a directory of our own, removed afterwards. */
		if (pl_require_root("report -r (it runs the BPF program in the kernel)"))
			return PL_EXIT_FAIL;
		if (!mkdtemp(tmpdir)) {
			pl_warn("cannot make a temporary directory in /tmp: %s", strerror(errno));
			return PL_EXIT_FAIL;
		}
		snprintf(tmpdb, sizeof(tmpdb), "%s/h.db", tmpdir);
		o.db_path = tmpdb;
		o.capture = cap;
		err = pl_rep_capture(cap, tmpdb, why, sizeof(why));
		if (err) {
			pl_warn("%s", why);
			remove_tmp(tmpdir);
			return PL_EXIT_FAIL;
		}
	}
	err = pl_db_open(o.db_path, true, &db, why, sizeof(why));
	if (err) {
		pl_warn("%s", why);
		if (cap)
			remove_tmp(tmpdir);
		return PL_EXIT_FAIL;
	}
	err = pl_rep_collect(db, &o, &r, why, sizeof(why));
	pl_db_close(db);
	if (cap)
		remove_tmp(tmpdir);
	if (err) {
		pl_warn("%s", why);
		pl_rep_free(&r);
		return PL_EXIT_FAIL;
	}
	err = write_page(out, &o, &r);
	pl_rep_free(&r);
	return err ? PL_EXIT_FAIL : PL_EXIT_OK;
}
