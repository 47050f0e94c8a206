// SPDX-License-Identifier: BSD-2-Clause
/* serve.c - `pktlens serve`: options; the daemon itself is in src/serve/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/report.h"
#include "commands/commands.h"
#include "config/config.h"
#include "history/history.h"
#include "loader/dataplane.h"
#include "serve/serve.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens serve -i IF [-i IF2 ...] [--listen ADDR:PORT] [--token-file FILE]\n"
	"                     [--db FILE | --no-db] [--retention-days N] [--max-db-mb N]\n"
	"                     [--idle-timeout S] [--eve FILE] [--ipfix ADDR:PORT]\n"
	"                     [--ipfix-active-timeout S] [--ipfix-template-refresh S]\n"
	"                     [--drops] [--l7-packets N] [--no-tcp] [--mode native|generic|tc]\n"
	"                     [--flows N] [--force] [--no-detect] [--config FILE]\n"
	"A daemon: attaches to each interface and serves what it counts over HTTP until\n"
	"SIGTERM (SIGHUP reloads the configuration; a bad one keeps the old). REST/JSON\n"
	"under /api/v1/, Prometheus text at /metrics; the endpoints are in\n"
	"pktlens-serve(8) and docs/openapi.yaml.\n"
	"Keeps a history in SQLite (per-minute counts, ended flows, alerts) for pktlens\n"
	"query. Detects floods, scans, reflection and anomalies as monitor does: alerts\n"
	"in GET /api/v1/alerts, /metrics, --eve and the history.\n"
	"\n"
	"  -i, --interface IF  interface to attach to; repeat for more (at most 16)\n"
	"      --listen ADDR:PORT  where to listen (default 127.0.0.1:9739); numeric,\n"
	"                      [ADDR6]:PORT for IPv6\n"
	"      --token-file FILE  bearer token of the write calls (one line, 16-256\n"
	"                      printable characters); the file must be mode 0600 and\n"
	"                      ours. Without it, write calls are refused\n"
	"      --db FILE       the history (SQLite, WAL), made if missing (default\n"
	"                      " PL_HIST_DEFAULT_DB ")\n"
	"      --no-db         keep no history\n"
	"      --retention-days N  remove history older than N days (default: keep)\n"
	"      --max-db-mb N   remove the oldest history beyond N MiB (default: no limit)\n"
	"      --idle-timeout S  a flow idle S seconds is written to the history and taken\n"
	"                      out of the table (default 60; 0: only when evicted)\n"
	"      --eve FILE      append Suricata EVE JSON events: dns, http, tls, ssh when L7\n"
	"                      classifies a flow, a flow event when it leaves the table\n"
	"                      (idle, evicted, at stop); SIGHUP reopens it\n"
	"      --ipfix ADDR:PORT  export the flows to an IPFIX collector over UDP\n"
	"                      (numeric, [ADDR6]:PORT for IPv6; the IANA port is 4739)\n"
	"      --ipfix-active-timeout S  export live flows' counts every S seconds\n"
	"                      (default 60; 0: only when they leave the table)\n"
	"      --ipfix-template-refresh S  send the templates again every S seconds\n"
	"                      (default 60)\n"
	"      --drops         count the kernel's drops of received packets by reason\n"
	"                      (as pktlens drops): GET /api/v1/drops, /metrics\n"
	"      --l7-packets N  packets per flow and direction sampled (received ones and,\n"
	"                      by a tc egress program, sent ones) for application\n"
	"                      classification (nDPI) and names (default 8; 0: L7 off):\n"
	"                      GET /api/v1/applications, flows' application; with\n"
	"                      it, DNS and HTTP service latency: GET /api/v1/latency\n"
	"      --no-tcp        no passive TCP RTT and health (on by default, as in\n"
	"                      monitor: GET /api/v1/rtt, flows' tcp, /metrics)\n"
	"      --mode MODE     native or generic XDP, or tc ingress; default: native,\n"
	"                      falling back to generic\n"
	"      --flows N       flow table entries per interface (default 65536)\n"
	"      --force         replace an XDP program someone else attached\n"
	"      --no-detect     no threat detection (floods, scans, reflection, anomalies,\n"
	"                      baselines, lists; thresholds from [detect] of --config FILE,\n"
	"                      pktlens.conf(5))\n"
	"      --config FILE   options from the [serve] section of FILE (pktlens.conf(5));\n"
	"                      the command line overrides them\n"
	"  -v, --verbose       more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"  -h, --help          this help\n";

enum {
	OPT_LISTEN = 256, OPT_TOKEN_FILE, OPT_MODE, OPT_FLOWS, OPT_FORCE, OPT_DB, OPT_NO_DB,
	OPT_RETENTION, OPT_MAX_DB, OPT_IDLE, OPT_EVE, OPT_IPFIX, OPT_IPFIX_ACTIVE,
	OPT_IPFIX_REFRESH, OPT_DROPS, OPT_L7, OPT_NO_DETECT, OPT_NO_TCP,
};

/* Letters tcpdump users might try, and what serve takes instead. */
static const struct pl_opt_hint hints[] = {
	{ 'l', "-l is tcpdump's line buffering; use --listen ADDR:PORT" },
	{ 'p', "-p is tcpdump's 'no promiscuous mode'; serve answers JSON anyway" },
	{ 0, NULL },
};

static const struct option opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "retention-days", required_argument, NULL, OPT_RETENTION },
	{ "max-db-mb", required_argument, NULL, OPT_MAX_DB },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "eve", required_argument, NULL, OPT_EVE },
	{ "ipfix", required_argument, NULL, OPT_IPFIX },
	{ "ipfix-active-timeout", required_argument, NULL, OPT_IPFIX_ACTIVE },
	{ "ipfix-template-refresh", required_argument, NULL, OPT_IPFIX_REFRESH },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "l7-packets", required_argument, NULL, OPT_L7 },
	{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The command line @argc/@argv (--config FILE's entries put in front) into @cfg. 0, or
 * an exit code (PL_EXIT_USAGE, PL_EXIT_FAIL; PL_EXIT_OK for --help) after saying why.
 */
static int parse(int argc, char **argv, struct pl_serve_cfg *out)
{
	struct pl_serve_cfg cfg = { .listen = PL_SERVE_DEFAULT_LISTEN,
				    .flow_entries = PL_FLOWS_DEFAULT, .mode = PL_MODE_AUTO,
				    .db = PL_HIST_DEFAULT_DB, .idle_timeout_s = PL_SERVE_DEFAULT_IDLE,
				    .ipfix_active_s = PL_SERVE_DEFAULT_IPFIX_ACTIVE,
				    .l7_pkts = PL_L7_PKTS_DEFAULT, .detect = true, .tcp = true };
	bool no_db = false, db_given = false, db_cli = false, no_db_cli = false;
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
		case OPT_DB:
			if (!*optarg) {
				pl_warn("--db needs a file name");
				return PL_EXIT_USAGE;
			}
			cfg.db = optarg;
			db_given = true;
			db_cli = !pl_config_origin(argv[optind - 1]);
			break;
		case OPT_NO_DB:
			no_db = true;
			no_db_cli = !pl_config_origin(argv[optind - 1]);
			break;
		case OPT_RETENTION:
			if (pl_parse_u32("--retention-days", optarg, 1, 100000, &cfg.retention_days))
				return PL_EXIT_USAGE;
			break;
		case OPT_MAX_DB:
			if (pl_parse_u32("--max-db-mb", optarg, 1, 1048576, &cfg.max_db_mb))
				return PL_EXIT_USAGE;
			break;
		case OPT_IDLE:
			if (pl_parse_u32("--idle-timeout", optarg, 0, 86400, &cfg.idle_timeout_s))
				return PL_EXIT_USAGE;
			break;
		case OPT_EVE:
			if (!*optarg) {
				pl_warn("--eve needs a file name");
				return PL_EXIT_USAGE;
			}
			cfg.eve = optarg;
			break;
		case OPT_IPFIX:
			if (pl_listen_parse(optarg, &ss, &why)) {
				pl_warn("invalid --ipfix '%s': %s (a collector's ADDR:PORT, e.g. "
					"192.0.2.1:4739)", optarg, why);
				return PL_EXIT_USAGE;
			}
			cfg.ipfix = optarg;
			break;
		case OPT_DROPS: cfg.drops = true; break;
		case OPT_NO_DETECT: cfg.detect = false; break;
		case OPT_NO_TCP: cfg.tcp = false; break;
		case OPT_L7:
			if (pl_parse_u32("--l7-packets", optarg, 0, PL_L7_PKTS_MAX, &cfg.l7_pkts))
				return PL_EXIT_USAGE;
			break;
		case OPT_IPFIX_ACTIVE:
			if (pl_parse_u32("--ipfix-active-timeout", optarg, 0, 86400,
					 &cfg.ipfix_active_s))
				return PL_EXIT_USAGE;
			break;
		case OPT_IPFIX_REFRESH:
			if (pl_parse_u32("--ipfix-template-refresh", optarg, 1, 86400,
					 &cfg.ipfix_template_refresh_s))
				return PL_EXIT_USAGE;
			break;
		case 'h': fputs(usage, stdout); return -1;
		default: return PL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		pl_warn("serve takes no filter expression ('%s'): it counts every packet", argv[optind]);
		return PL_EXIT_USAGE;
	}
	/* One from --config, the other from the command line: the command line's wins. */
	if (no_db && db_given && db_cli != no_db_cli) {
		no_db = no_db_cli;
		db_given = db_cli;
	}
	if (no_db && db_given) {
		pl_warn("--db and --no-db: choose one");
		return PL_EXIT_USAGE;
	}
	if (no_db)
		cfg.db = NULL;
	if (!cfg.nifs) {
		pl_warn("serve needs an interface: -i IF");
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	*out = cfg;
	return 0;
}

/* A copy of the command line as given (pl_config_args() edits the vector it is given),
 * for SIGHUP's parse. */
static int saved_argc;
static char **saved_argv;

static int reparse(struct pl_serve_cfg *out)
{
	char **argv = malloc(((size_t)saved_argc + 1) * sizeof(*argv));
	int argc = saved_argc, rc;

	if (!argv)
		return -ENOMEM;
	memcpy(argv, saved_argv, ((size_t)saved_argc + 1) * sizeof(*argv));
	optind = 0; /* glibc: start getopt afresh */
	rc = parse(argc, argv, out);
	pl_log_set_origin(NULL); /* what follows is not about a line of the file */
	if (!rc && pl_serve_cfg_own(out))
		rc = PL_EXIT_FAIL;
	free(argv); /* the configuration has its own copies of the strings */
	out->reparse = reparse;
	return rc ? -EINVAL : 0;
}

int cmd_serve(int argc, char **argv)
{
	struct pl_serve_cfg cfg;
	int rc;

	saved_argc = argc;
	saved_argv = malloc(((size_t)argc + 1) * sizeof(*saved_argv));
	if (!saved_argv)
		return PL_EXIT_FAIL;
	memcpy(saved_argv, argv, ((size_t)argc + 1) * sizeof(*saved_argv));
	rc = parse(argc, argv, &cfg);
	if (rc)
		return rc < 0 ? PL_EXIT_OK : rc;
	cfg.reparse = reparse;
	/* A reload parses --config FILE again, which frees what the first parse made. */
	if (pl_serve_cfg_own(&cfg)) {
		pl_warn("out of memory");
		return PL_EXIT_FAIL;
	}
	rc = pl_require_root("serve") ? PL_EXIT_FAIL :
	     pl_serve_run(&cfg) ? PL_EXIT_FAIL : PL_EXIT_OK;
	pl_serve_cfg_release(&cfg);
	free(saved_argv);
	return rc;
}
