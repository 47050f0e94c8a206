// SPDX-License-Identifier: BSD-2-Clause
/* serve.c - `pktlens serve`: options; the daemon itself is in src/serve/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "analysis/report.h"
#include "commands/commands.h"
#include "config/config.h"
#include "loader/dataplane.h"
#include "serve/serve.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens serve -i IF [-i IF2 ...] [--listen ADDR:PORT] [--token-file FILE]\n"
	"                     [--mode native|generic|tc] [--flows N] [--force]\n"
	"A daemon: attaches to each interface and serves what it counts over HTTP until\n"
	"SIGTERM (SIGHUP reads the token file again). REST/JSON under /api/v1/, Prometheus\n"
	"text at /metrics; the endpoints are in pktlens-serve(8) and docs/openapi.yaml.\n"
	"\n"
	"  -i, --interface IF  interface to attach to; repeat for more (at most 16)\n"
	"      --listen ADDR:PORT  where to listen (default 127.0.0.1:9739); numeric,\n"
	"                      [ADDR6]:PORT for IPv6\n"
	"      --token-file FILE  bearer token of the write calls (one line, 16-256\n"
	"                      printable characters); the file must be mode 0600 and\n"
	"                      ours. Without it, write calls are refused\n"
	"      --mode MODE     native or generic XDP, or tc ingress; default: native,\n"
	"                      falling back to generic\n"
	"      --flows N       flow table entries per interface (default 65536)\n"
	"      --force         replace an XDP program someone else attached\n"
	"      --config FILE   options from the [serve] section of FILE (pktlens.conf(5));\n"
	"                      the command line overrides them\n"
	"  -v, --verbose       more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"  -h, --help          this help\n";

enum { OPT_LISTEN = 256, OPT_TOKEN_FILE, OPT_MODE, OPT_FLOWS, OPT_FORCE };

/* Letters tcpdump users might try, and what serve takes instead. */
static const struct pl_opt_hint hints[] = {
	{ 'l', "-l is tcpdump's line buffering; use --listen ADDR:PORT" },
	{ 'p', "-p is tcpdump's 'no promiscuous mode'; serve answers JSON anyway" },
	{ 0, NULL },
};

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_serve_cfg cfg = { .listen = PL_SERVE_DEFAULT_LISTEN,
				    .flow_entries = PL_FLOWS_DEFAULT, .mode = PL_MODE_AUTO };
	struct sockaddr_storage ss;
	enum pl_mode mode;
	const char *why;
	int c, err;

	/* --config FILE: its [serve] entries go in front of the command line. */
	err = pl_config_args("serve", "+i:h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	while ((c = pl_getopt(argc, argv, "serve", usage, "+i:h", opts, hints)) != -1) {
		switch (c) {
		case 'i':
			if (cfg.nifs == PL_SERVE_MAX_IFS) {
				pl_warn("at most %d interfaces (-i)", PL_SERVE_MAX_IFS);
				return PL_EXIT_USAGE;
			}
			for (int k = 0; k < cfg.nifs; k++) {
				if (!strcmp(cfg.ifnames[k], optarg)) {
					pl_warn("-i %s is given twice", optarg);
					return PL_EXIT_USAGE;
				}
			}
			cfg.ifnames[cfg.nifs++] = optarg;
			break;
		case OPT_LISTEN:
			if (pl_listen_parse(optarg, &ss, &why)) {
				pl_warn("invalid --listen '%s': %s", optarg, why);
				return PL_EXIT_USAGE;
			}
			cfg.listen = optarg;
			break;
		case OPT_TOKEN_FILE: cfg.token_file = optarg; break;
		case OPT_MODE:
			if (pl_mode_parse(optarg, &mode) || mode == PL_MODE_AUTO) {
				pl_warn("invalid --mode '%s': expected native, generic or tc", optarg);
				return PL_EXIT_USAGE;
			}
			cfg.mode = mode;
			break;
		case OPT_FLOWS:
			if (pl_parse_u32("--flows", optarg, 1, PL_FLOWS_MAX, &cfg.flow_entries))
				return PL_EXIT_USAGE;
			break;
		case OPT_FORCE: cfg.force = true; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pl_warn("serve takes no filter expression ('%s'): it counts every packet", argv[optind]);
		return PL_EXIT_USAGE;
	}
	if (!cfg.nifs) {
		pl_warn("serve needs an interface: -i IF");
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (pl_require_root("serve"))
		return PL_EXIT_FAIL;
	return pl_serve_run(&cfg) ? PL_EXIT_FAIL : PL_EXIT_OK;
}
