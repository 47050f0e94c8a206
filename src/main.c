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
	{ "demo", cmd_demo, "build a lab of namespaces, send traffic, monitor it" },
};

static void usage(FILE *f)
{
	fputs("Usage: pktlens [-v] COMMAND [OPTIONS] [EXPRESSION]\n"
	      "       pktlens --version | --help | COMMAND --help\n\n"
	      "eBPF packet analyser: XDP/TC programs count, track and capture incoming packets.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions:\n"
	      "  -v, --verbose  more messages (twice: libbpf debug output)\n"
	      "  -q, --quiet    only errors\n"
	      "  -V, --version  print the version\n"
	      "  -h, --help     this help\n"
	      "See pktlens(8) and pktlens-COMMAND(8).\n",
	      f);
}

int main(int argc, char **argv)
{
	enum pl_log_level level = PL_LOG_WARN;
	int i;

	/* Every command sees a closed pipe as EPIPE from its write and ends quietly. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			level = level < PL_LOG_DEBUG ? level + 1 : level;
		else if (!strcmp(a, "-vv"))
			level = PL_LOG_DEBUG;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			level = PL_LOG_QUIET;
		else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("pktlens %s\n", PKTLENS_VERSION);
			return PL_EXIT_OK;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return PL_EXIT_OK;
		} else {
			fprintf(stderr, "pktlens: unknown option '%s'\n", a);
			usage(stderr);
			return PL_EXIT_USAGE;
		}
	}
	pl_log_init(level);
	if (i >= argc) {
		usage(stderr);
		return PL_EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			optind = 1;
			return commands[c].run(argc - i, argv + i);
		}
	}
	fprintf(stderr, "pktlens: unknown command '%s'; commands: monitor, analyze, capture, demo\n",
		argv[i]);
	return PL_EXIT_USAGE;
}
