// SPDX-License-Identifier: BSD-2-Clause
/* main.c - pktlens: dispatch to a subcommand. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "commands/commands.h"
#include "util/args.h"
#include "util/log.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "monitor", cmd_monitor, "live statistics of an interface's incoming packets" },
	{ "analyze", cmd_analyze, "the same statistics from a pcap/pcapng file" },
	{ "capture", cmd_capture, "write matching packets to pcap/pcapng (tcpdump filters)" },
	{ "drops", cmd_drops, "why and where the kernel drops received packets" },
	{ "demo", cmd_demo, "build a lab of namespaces, send traffic, monitor it" },
	{ "serve", cmd_serve, "daemon: REST/JSON API and Prometheus metrics over HTTP" },
	{ "protect", cmd_protect, "monitor and drop in XDP what the rules say" },
	{ "block", cmd_block, "add a block rule to a running protect" },
	{ "unblock", cmd_unblock, "remove a rule from a running protect" },
	{ "blocked", cmd_blocked, "list the rules of a running protect" },
	{ "query", cmd_query, "answers from the history that serve keeps (SQLite)" },
	{ "rules", cmd_rules, "check a Suricata-style signature file (rules check FILE)" },
	{ "report", cmd_report, "a self-contained HTML report from that history or a capture" },
};

static void usage(FILE *f)
{
	fputs("Usage: pktlens [-v|-q] [-j|-p] COMMAND [OPTIONS] [EXPRESSION]\n"
	      "       pktlens --version | --help | COMMAND --help\n\n"
	      "eBPF packet analyser: XDP/TC programs count, track and capture incoming packets.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions (before the command; -v and -q may also follow it):\n"
	      "  -v, --verbose  more messages (twice: libbpf debug output)\n"
	      "  -q, --quiet    only errors\n"
	      "  -j, --json     JSON output of monitor, analyze, drops and demo, as bpftool -j\n"
	      "  -p, --pretty   indented JSON of monitor, analyze and drops, as bpftool -p\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help     this help\n"
	      "See pktlens(8) and pktlens-COMMAND(8).\n",
	      f);
}

/*
 * -j/-p before a command that prints no report: say so rather than ignore it. 0, or
 * the exit status.
 */
static int check_globals(const char *cmd)
{
	bool report = !strcmp(cmd, "monitor") || !strcmp(cmd, "analyze") || !strcmp(cmd, "drops") ||
		      !strcmp(cmd, "protect") || !strcmp(cmd, "blocked");

	if (pl_global_pretty && !report) {
		fprintf(stderr, "pktlens: -p/--pretty indents the JSON report of monitor and "
				"analyze%s\n",
			!strcmp(cmd, "demo") ? "; demo prints one JSON object a line: use -j" :
					       "; capture prints packets, as tcpdump");
		return PL_EXIT_USAGE;
	}
	if (pl_global_json && !report && strcmp(cmd, "demo")) {
		fprintf(stderr, "pktlens: -j/--json is for the reports of monitor, analyze and "
				"demo; capture prints packets, as tcpdump (or writes them: -w)\n");
		return PL_EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum pl_log_level level = PL_LOG_WARN;
	int i, rc;

	/* Every command sees a closed pipe as EPIPE from its write and ends quietly. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--verbose"))
			a = "-v";
		else if (!strcmp(a, "--quiet"))
			a = "-q";
		else if (!strcmp(a, "--json"))
			a = "-j";
		else if (!strcmp(a, "--pretty"))
			a = "-p";
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("pktlens %s\n", PKTLENS_VERSION);
			return PL_EXIT_OK;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return PL_EXIT_OK;
		}
		/* Letters may be grouped, as getopt takes them: -vv, -vj. */
		if (a[1] == '-' || !a[1] || a[strspn(a + 1, "vqjp") + 1]) {
			fprintf(stderr, "pktlens: unknown option '%s'%s\n", a,
				a[1] == '-' || !a[1] ? "" :
				" before the command (the command's own options follow it)");
			fputs("Try 'pktlens --help' for the options.\n", stderr);
			return PL_EXIT_USAGE;
		}
		for (a++; *a; a++) {
			if (*a == 'v')
				level = level < PL_LOG_DEBUG ? level + 1 : level;
			else if (*a == 'q')
				level = PL_LOG_QUIET;
			else if (*a == 'j')
				pl_global_json = true;
			else
				pl_global_pretty = true;
		}
	}
	pl_log_init(level);
	pl_verbosity = level;
	if (i >= argc) {
		usage(stderr);
		return PL_EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			rc = check_globals(commands[c].name);
			if (rc)
				return rc;
			optind = 1;
			return commands[c].run(argc - i, argv + i);
		}
	}
	fprintf(stderr, "pktlens: unknown command '%s'; commands: monitor, analyze, capture, drops, "
		"demo, serve, protect, block, unblock, blocked, query, report\n",
		argv[i]);
	return PL_EXIT_USAGE;
}
