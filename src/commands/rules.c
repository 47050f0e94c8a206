// SPDX-License-Identifier: BSD-2-Clause
/*
 * rules.c - `pktlens rules check FILE`: load a signature file as analyze and monitor
 * would (the [vars] of --config FILE included) and say what it holds, or every error
 * that stops it, as `suricata -T` does. Needs no privileges and no interface.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "commands/commands.h"
#include "config/config.h"
#include "rules/sig_run.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens rules check FILE [--rules-lenient] [--config FILE]\n"
	"Load a signature file (pktlens-rules(5)) as 'analyze --rules' and 'monitor --rules'\n"
	"do, and print what it holds; errors name the file, the line and the keyword.\n"
	"\n"
	"      --rules-lenient  skip (and count) rules with keywords pktlens does not support\n"
	"      --config FILE    rule variables from the [vars] section of FILE\n"
	"                       (pktlens.conf(5))\n"
	"  -h, --help           this help\n"
	"Exit status: 0 loaded, 1 errors, 2 bad usage.\n";

enum { OPT_LENIENT = 256 };

int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules-lenient", no_argument, NULL, OPT_LENIENT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_sigs *rs = NULL;
	struct pl_sigs_counts c;
	struct timespec a, b;
	bool lenient = false;
	int ch, err;

	/* [rules] is no section: only --config's [vars] matter here */
	err = pl_config_args("rules", "h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	while ((ch = pl_getopt(argc, argv, "rules", usage, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_LENIENT: lenient = true; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE;
		}
	}
	if (optind + 2 != argc || strcmp(argv[optind], "check")) {
		pl_warn("rules: expected 'check FILE'");
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (pl_sig_load_cli(argv[optind + 1], lenient, &rs))
		return PL_EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &b);
	pl_sigs_counts(rs, &c);
	printf("%s: %u rules loaded, %u skipped (unsupported), %u with a prefilter pattern, "
	       "%u flowbits, %u datasets, in %.3f s\n", argv[optind + 1], c.rules, c.skipped,
	       c.prefiltered, c.flowbits, c.datasets,
	       (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	pl_sigs_free(rs);
	return fflush(stdout) ? PL_EXIT_FAIL : PL_EXIT_OK;
}
