// SPDX-License-Identifier: BSD-2-Clause
/*
 * demo.c - `pktlens demo`: two network namespaces joined by a veth pair, real mixed
 * traffic through it, and `pktlens monitor` on the receiving end. The lab is the shell
 * script scripts/demo-lab.sh, embedded at build time (build/demo_lab.h), so an installed
 * binary needs no other file. This runs it with /bin/sh, hands it the path of this very
 * binary for the monitor, and passes SIGTERM/SIGHUP on so the lab is always removed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "commands/commands.h"
#include "util/args.h"
#include "util/log.h"
#include "demo_lab.h" /* static const char pl_demo_lab[]: the script, NUL-terminated */

static const char usage[] =
	"Usage: pktlens demo [--duration S] [--json] [--keep]\n"
	"Build a lab of two network namespaces joined by a veth pair, send real mixed traffic\n"
	"through it (ping and iperf3 TCP/UDP over IPv4 and IPv6, 802.1Q and QinQ frames,\n"
	"DNS, HTTP to a slow server, TLS, a SYN flood and a port scan that detection blocks\n"
	"by itself, a burst after 'pktlens block' of its source) while 'pktlens protect'\n"
	"(monitor with detection and blocking) watches the receiving end, then remove the\n"
	"lab and print what was sent next to what pktlens saw.\n"
	"\n"
	"      --duration S  seconds of traffic, 5 to 3600 (default 20)\n"
	"      --json        the monitor prints one JSON object per second instead of the\n"
	"                    terminal view (the default when the output is not a terminal);\n"
	"                    pktlens -j demo is the same\n"
	"  -k, --keep        after the traffic, keep the lab and the monitor running until\n"
	"                    'q' or Ctrl-C, to send traffic of your own into it\n"
	"  -v, --verbose     more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet       only errors; also before the command\n"
	"  -h, --help        this help\n"
	"Needs root, iproute2, ethtool, iputils-ping, iperf3, netsniff-ng (trafgen), hping3,\n"
	"nmap, dnsutils, dnsmasq, curl, openssl and python3: 'sudo make deps' installs them.\n";

enum { OPT_DURATION = 256, OPT_JSON };

/* Letters that were demo's own before they meant tcpdump's: what to type now. */
static const struct pl_opt_hint hints[] = {
	{ 'd', "-d is tcpdump's 'dump the compiled filter'; use --duration S" },
	{ 'j', "-j is tcpdump's time stamp type; use --json (or pktlens -j demo)" },
	{ 0, NULL },
};

static volatile sig_atomic_t child;

/*
 * A key on the terminal (Ctrl-C) signals the whole foreground process group, so the
 * script already has it; a signal sent to this process alone is passed on.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (child > 0 && si->si_code != SI_KERNEL)
		kill(child, sig);
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
	struct sigaction old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	unsigned int duration = 20;
	bool json = pl_global_json, keep = false;
	char self[64], secs[16];
	int c, status;
	pid_t pid;

	while ((c = pl_getopt(argc, argv, "demo", usage, "+kh", opts, hints)) != -1) {
		switch (c) {
		case OPT_DURATION:
			if (pl_parse_u32("--duration", optarg, 5, 3600, &duration))
				return PL_EXIT_USAGE;
			break;
		case OPT_JSON: json = true; break;
		case 'k': keep = true; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE; /* pl_getopt() said why */
		}
	}
	if (optind < argc) {
		pl_warn("demo takes no arguments, got '%s'", argv[optind]);
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (pl_require_root("demo (it creates network namespaces and attaches XDP)"))
		return PL_EXIT_FAIL;
	if (access("/bin/sh", X_OK)) {
		pl_warn("demo runs its lab with /bin/sh, which is missing");
		return PL_EXIT_FAIL;
	}
	/*
	 * The monitor is this binary. /proc/PID/exe keeps naming it while this process
	 * lives, even if build/pktlens is rebuilt or removed in the meantime.
	 */
	snprintf(self, sizeof(self), "/proc/%d/exe", (int)getpid());
	snprintf(secs, sizeof(secs), "%u", duration);
	if (!json && !isatty(STDOUT_FILENO))
		json = true;

	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		pl_warn("cannot start the lab: fork: %s", strerror(errno));
		return PL_EXIT_FAIL;
	}
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		execl("/bin/sh", "sh", "-c", pl_demo_lab, "pktlens-demo", self, secs,
		      json ? "json" : "tui", keep ? "1" : "0", (char *)NULL);
		fprintf(stderr, "pktlens: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	child = pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pl_warn("waiting for the lab failed: %s", strerror(errno));
			return PL_EXIT_FAIL;
		}
	}
	child = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0 ? PL_EXIT_OK : PL_EXIT_FAIL;
	pl_warn("the demo lab script ended by signal %d", WTERMSIG(status));
	return PL_EXIT_FAIL;
}
