// SPDX-License-Identifier: BSD-2-Clause
/*
 * monitor.c - `pktlens monitor -i IF`: attach the pipeline, then every interval read
 * the counters, the flow table and the kernel's run-time figures and show them
 * (ncurses on a terminal, text when piped, one JSON object per line with --json).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "analysis/rates.h"
#include "analysis/report.h"
#include "commands/commands.h"
#include "config/config.h"
#include "l7/flow_ends.h"
#include "l7/session.h"
#include "rules/sig_run.h"
#include "detect/run.h"
#include "drops/live.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "commands/monitor_hooks.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "sinks/timefmt.h"
#include "sinks/tui.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens monitor -i IF [--mode native|generic|tc] [--interval S] [--duration S]\n"
	"                       [--json|--pretty] [--top N] [--flows N] [--addresses N]\n"
	"                       [--cost-sample PCT] [--pin]\n"
	"                       [--force] [--drops] [--l7-packets N] [--eve FILE] [--no-tcp]\n"
	"                       [--no-detect] [--rules|--signatures FILE [--rules-lenient]]\n"
	"                       [-F FILE | EXPRESSION]\n"
	"       pktlens monitor --pinned DIR [--interval S] [--duration S] [--json|--pretty]\n"
	"                       [--cost-sample PCT]\n"
	"       pktlens -j|-p monitor ...   (as --json, --pretty)\n"
	"Live statistics of the packets arriving on an interface, from inside the kernel.\n"
	"\n"
	"  -i, --interface IF  interface to attach to\n"
	"      --mode MODE     native or generic XDP, or tc ingress (tcx, else clsact);\n"
	"                      default: native, falling back to generic\n"
	"      --interval S    seconds between reports (default 1)\n"
	"      --duration S    stop after S seconds (default: until Ctrl-C)\n"
	"      --json          one JSON object per interval (fields: pktlens-monitor(8))\n"
	"      --pretty        each JSON object indented over several lines (implies --json)\n"
	"      --top N         rows in each top list (default 10)\n"
	"      --flows N       flow table entries (default 65536)\n"
	"      --addresses N   addresses each of the source and destination tables holds\n"
	"                      (a power of two, 64 to 1048576; default 65536)\n"
	"      --cost-sample PCT  time the program (own cost) during PCT % of each interval\n"
	"                      (default 10; 100: always; 0: never): the kernel's timing\n"
	"                      costs every BPF program two clock reads per run while on\n"
	"      --pin           pin maps under /sys/fs/bpf/pktlens/IF/ while running\n"
	"      --pinned DIR    read maps that bpftool loaded and pinned in DIR\n"
	"      --force         replace an XDP program someone else attached\n"
	"      --l7-packets N  packets per flow and direction sampled (received ones and,\n"
	"                      by a tc egress program, sent ones) for application\n"
	"                      classification (nDPI) and metadata (default 8; 0: L7 off)\n"
	"      --eve FILE      Suricata-style EVE JSON events (dns, http, tls, ssh, flow), one\n"
	"                      per line; '-': standard output, instead of the reports;\n"
	"                      with --rules also alert events\n"
	"      --rules FILE    match the sampled packets (the first --l7-packets of each\n"
	"                      flow and direction) against Suricata-style signatures\n"
	"                      (pktlens-rules(5)): alerts in --eve and in the reports\n"
	"      --signatures FILE  the same as --rules FILE (the name protect takes: its\n"
	"                      --rules is the mitigation rules file)\n"
	"      --rules-lenient, --signatures-lenient  skip (and count) rules with\n"
	"                      keywords pktlens does not support instead of failing\n"
	"      --no-tcp        no passive TCP RTT and health (on by default: per flow, per\n"
	"                      service port and remote network, from both directions)\n"
	"      --no-detect     no threat detection (floods, scans, reflection, anomalies,\n"
	"                      baselines, IOC lists: on by default; thresholds and lists\n"
	"                      from [detect] of --config FILE, pktlens.conf(5))\n"
	"      --drops         also the kernel's drops of packets received on IF, by reason\n"
	"                      (as pktlens drops -i IF)\n"
	"  -F FILE             read the filter expression from FILE, as tcpdump -F ('#'\n"
	"                      starts a comment); an expression on the command line is ignored\n"
	"  -v, --verbose       more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"      --config FILE   options from the [monitor] section of FILE (pktlens.conf(5));\n"
	"                      the command line overrides them\n"
	"  -h, --help          this help\n"
	"  EXPRESSION          tcpdump filter: only matching packets are counted;\n"
	"                      options may follow it, as with tcpdump ('--' ends them)\n";

enum {
	OPT_PIN = 256, OPT_PINNED, OPT_FORCE, OPT_COST_SAMPLE, OPT_MODE, OPT_INTERVAL,
	OPT_DURATION, OPT_JSON, OPT_PRETTY, OPT_TOP, OPT_FLOWS, OPT_DROPS, OPT_L7, OPT_EVE,
	OPT_RULES, OPT_RULES_LENIENT, OPT_NO_TCP, OPT_NO_DETECT, OPT_ADDRS,
};

/* Live L7: a flow with no sample for this long is classified with what it had. */
#define L7_IDLE_NS 2000000000ull
/* Flows classified at once (~20 KB each, ~160 MB in all): more new ones are skipped. */
#define L7_MAX_CLASSIFYING 8192
/* The L7 ring is read this often while waiting, so that a burst of flows fits in it. */
#define L7_POLL_MS 50

/* Letters that were monitor's own before they meant tcpdump's: what to type now. */
static const struct pl_opt_hint hints[] = {
	{ 'd', "-d is tcpdump's 'dump the compiled filter' (pktlens capture -d); "
	       "use --duration S" },
	{ 'I', "-I is tcpdump's monitor mode; use --interval S" },
	{ 'j', "-j is tcpdump's time stamp type; use --json (or pktlens -j monitor)" },
	{ 'm', "-m is tcpdump's MIB file; use --mode MODE" },
	{ 'p', "-p is tcpdump's 'no promiscuous mode'; for indented JSON use --pretty "
	       "(or pktlens -p monitor)" },
	{ 't', "-t is tcpdump's time stamp option; use --top N" },
	{ 0, NULL },
};

/* What protect's SIGHUP reads again of monitor's parts (protect's own: its rules). */
struct reload {
	const char *cmd;
	const char *sig_path;       /* --signatures FILE (sigs: its run), or NULL */
	bool sig_lenient;
	struct pl_sig_run *sigs;
	struct pl_det_run *dr;      /* dr->det NULL: --no-detect */
	const struct pl_dp *dp;
	FILE *eve;
	const char *eve_path;
};

struct view {
	bool json, pretty, tui;
	bool none;                  /* --eve -: the events are the output */
	struct pl_l7_session *l7;   /* NULL: L7 off */
	struct reload *rl;          /* protect; NULL: monitor */
};

static void text_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}
const struct pl_monitor_hooks *pl_monitor_hooks;

/* Print one interval's report; 0, or -errno when standard output failed. */
static int show(const struct view *v, const struct pl_report *r)
{
	if (v->tui) {
		pl_tui_draw(r);
		return 0;
	}
	if (v->none)
		return 0;
	errno = 0; /* a failed write sets it, also one inside the report's printing */
	if (v->json)
		pl_report_json(stdout, r, v->pretty);
	else {
		pl_report_text(stdout, r);
		if (r->l7)
			pl_l7_report_text(r->l7, r->top, text_line, stdout);
		fputs("\n", stdout);
	}
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? -errno : -EIO;
}

static __u64 mono_ns(void);

/* The longest sleep between looks at the terminal and at a signal's work (SIGHUP). */
#define WAKE_NS 200000000ull

/*
 * The terminal the view reads its keys from hung up (closed): its input then gives
 * end of file at once and polls as hung up, and the view would spin.
 */
static bool tty_hung_up(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* protect's SIGHUP: the signatures read again; a file that does not load keeps them. */
static void reload_sigs(const struct reload *rl)
{
	struct pl_sigs_counts c;
	struct pl_sigs *rs;

	if (pl_sig_load_cli(rl->sig_path, rl->sig_lenient, &rs)) {
		pl_warn("%s: reloading the signatures %s failed (said above): the ones in force "
			"stay", rl->cmd, rl->sig_path);
		return;
	}
	pl_sigs_counts(rs, &c);
	pl_sig_run_replace(rl->sigs, rs);
	fprintf(stderr, "pktlens: %s: reloaded the signatures %s: %u in force\n", rl->cmd,
		rl->sig_path, c.rules);
}

/*
 * protect's SIGHUP: [detect] of --config read again (thresholds, IOC lists), as serve
 * reloads it: a bad one keeps detection as it was; a new one starts learning afresh.
 */
static void reload_detect(const struct reload *rl)
{
	const struct pl_monitor_hooks *h = pl_monitor_hooks;
	struct pl_det_run fresh;
	char why[256];
	int err;

	if (pl_det_run_start(&fresh, rl->eve, rl->eve_path)) {
		pl_warn("%s: reloading [detect] of %s failed (said above): detection goes on as "
			"it was", rl->cmd, pl_config_file());
		return;
	}
	err = pl_det_run_differs(rl->dr, &fresh, why, sizeof(why));
	if (err <= 0) {
		pl_det_run_stop(&fresh);
		if (err)
			pl_warn("%s: reloading %s: %s; detection goes on as it was", rl->cmd,
				pl_config_file(), why);
		else
			fprintf(stderr, "pktlens: %s: [detect] of %s unchanged\n", rl->cmd,
				pl_config_file());
		return;
	}
	pl_det_run_stop(rl->dr); /* its thread first */
	*rl->dr = fresh;
	if (h && h->alerts)
		h->alerts(rl->dr->alerts);
	if (pl_det_run_live(rl->dr, rl->dp)) {
		pl_warn("%s: detection is off until a restart", rl->cmd);
		return;
	}
	fprintf(stderr, "pktlens: %s: reloaded [detect] of %s: detection starts learning "
		"afresh\n", rl->cmd, pl_config_file());
}

/* Between waits: a hung-up terminal stops the run; protect's SIGHUP reloads. */
static void between_waits(const struct view *v)
{
	const struct pl_monitor_hooks *h = pl_monitor_hooks;
	int w;

	if (v->tui && tty_hung_up()) {
		pl_stop = 1;
		return;
	}
	if (!v->rl || !h || !h->wake || (w = h->wake()) < 0 || pl_stop)
		return;
	if (v->rl->sigs)
		reload_sigs(v->rl);
	if (v->rl->dr->det && pl_config_file())
		reload_detect(v->rl);
	if (!w && !v->rl->sigs && !pl_config_file())
		pl_warn("%s: SIGHUP: nothing to reload (no --rules, --signatures or --config "
			"FILE)", v->rl->cmd);
}

/* Sleep @s seconds or until a signal stops the run, or 'q'. */
static void sleep_for(const struct view *v, double s)
{
	__u64 end = mono_ns() + (__u64)(s > 0 ? s * 1e9 : 0);

	for (;;) {
		__u64 now = mono_ns(), left = now >= end ? 0 : end - now;

		if (left > WAKE_NS)
			left = WAKE_NS;
		if (v->tui) {
			/* never a negative wait: ncurses would wait for a key */
			if (pl_tui_wait((int)(left / 1000000))) {
				pl_stop = 1;
				return;
			}
		} else {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)left };

			nanosleep(&ts, NULL); /* a signal cuts it short */
		}
		between_waits(v);
		if (pl_stop || mono_ns() >= end)
			return;
	}
}

/* Wait @s seconds (as sleep_for), reading the L7 ring all along when L7 is on. */
static void wait_interval(const struct view *v, double s)
{
	__u64 end = mono_ns() + (__u64)(s > 0 ? s * 1e9 : 0);

	if (!v->l7) {
		sleep_for(v, s);
		return;
	}
	while (!pl_stop) {
		__u64 now = mono_ns(), left = now >= end ? 0 : (end - now) / 1000000;
		int ms = left > L7_POLL_MS ? L7_POLL_MS : (int)left;

		if (v->tui) {
			sleep_for(v, ms / 1e3);
			pl_l7_drain(v->l7);
		} else {
			pl_l7_poll(v->l7, ms); /* a signal cuts it short: pl_stop is then set */
			between_waits(v);
		}
		if (mono_ns() >= end)
			break;
	}
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Can the kernel time the program? Turning its run-time statistics on takes
 * CAP_SYS_ADMIN, which CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON do not give; without it
 * there is a figure only if they are on system-wide anyway. Returns the share of each
 * interval that is timed: @pct (held on now if 100), 100 if the system keeps them on,
 * or 0: no figure, and cost is null rather than a made-up 0.
 */
static unsigned int cost_setup(struct pl_dp *dp, unsigned int pct)
{
	int err;

	if (!pct)
		return 0;
	err = pl_dp_cost_on(dp);
	if (!err) {
		if (pct < 100)
			pl_dp_cost_off(dp); /* the loop turns them on for its samples */
		return pct;
	}
	if (pl_dp_cost_system_on() == 1) {
		pl_info("kernel.bpf_stats_enabled is on: every run is timed");
		return 100;
	}
	pl_warn("cannot turn on the kernel's BPF run-time statistics (%s; it needs root or "
		"CAP_SYS_ADMIN): no own-cost figure",
		strerror(-err));
	return 0;
}

/*
 * The flows' history for their rates. The table pktlens loads starts empty now;
 * pinned maps may hold flows that counted for long: their first rates start now.
 */
static int rates_setup(struct pl_dp *dp, const char *pinned, struct pl_rates **out)
{
	struct pl_flow *f = NULL;
	size_t n = 0;

	*out = pl_rates_new(pl_dp_flow_capacity(dp), mono_ns());
	if (!*out) {
		pl_warn("out of memory for the flows' rates");
		return -ENOMEM;
	}
	if (pinned && !pl_flows_read(dp->flows_fd, &f, &n))
		pl_rates_update(*out, f, n, mono_ns());
	free(f);
	return 0;
}

static void eve_failed(const char *path)
{
	static bool said;

	if (!said)
		pl_warn("cannot write the EVE events to '%s'", path ? path : "-");
	said = true;
}

/* At exit: what left the table since the last read gets its event ("forced"). */
static int l7_last_read(struct pl_dp *dp, struct pl_l7_ends *ends, struct pl_l7_session *l7)
{
	struct pl_flow *flows = NULL;
	size_t n = 0;
	int err = pl_flows_read(dp->flows_fd, &flows, &n);

	if (!err)
		err = pl_l7_ends_update(ends, l7, flows, n, pl_time_mono_to_unix());
	free(flows);
	return err;
}

/* Open the EVE output and start the L7 session over the data plane's maps. */
static int start_l7(struct pl_dp *dp, const struct pl_dp_opts *o, const char *eve_path,
		    FILE **eve, struct pl_l7_session **l7, struct pl_l7_ends **ends,
		    struct pl_sig_run *sigs, struct pl_svc *svc, struct pl_det_run *dr)
{
	struct pl_l7_session_opts lo = { .events_fd = dp->l7_events_fd,
					 .verdicts_fd = dp->l7_verdicts_fd,
					 .counts_fd = dp->l7_counts_fd, .flows_fd = dp->flows_fd,
					 .in_iface = dp->ifname, .pkts = o->l7_pkts,
					 .clock_to_unix_ns = pl_time_mono_to_unix(),
					 .max_classifying = L7_MAX_CLASSIFYING,
					 .egress = dp->l7_egress_fd >= 0,
					 .egress_fd = dp->l7_egress_fd, .svc = svc };
	int err;

	if (eve_path) {
		*eve = strcmp(eve_path, "-") ? fopen(eve_path, "w") : stdout;
		if (!*eve) {
			err = -errno;
			pl_warn("cannot open '%s' for the EVE events: %s", eve_path, strerror(-err));
			return err;
		}
		/* Line-buffered: a reader (tail -f, a pipeline) gets each event as it is made. */
		setvbuf(*eve, NULL, _IOLBF, 0);
	}
	lo.eve = *eve;
	lo.eve_flows = *eve != NULL;
	if (sigs) {
		pl_sig_run_set_eve(sigs, *eve);
		pl_sig_run_set_interval(sigs, true);
		lo.on_packet = pl_sig_run_packet;
		lo.on_packet_arg = sigs;
	}
	lo.on_meta = dr->det ? pl_det_run_meta : NULL; /* domain lists */
	lo.on_meta_arg = dr;
	*ends = pl_l7_ends_new();
	lo.written = pl_l7_ends_claim;
	lo.written_arg = *ends;
	*l7 = *ends ? pl_l7_session_new(&lo, &err) : NULL;
	if (!*ends)
		err = -ENOMEM;
	if (!*l7) {
		pl_warn("cannot start L7 classification (nDPI): %s; --l7-packets 0 goes "
			"without it",
			strerror(-err));
		return err;
	}
	return 0;
}

/* monitor's long options; protect takes them too (monitor_hooks.h). */
const struct option pl_monitor_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "pretty", no_argument, NULL, OPT_PRETTY },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "addresses", required_argument, NULL, OPT_ADDRS },
	{ "pin", no_argument, NULL, OPT_PIN },
	{ "pinned", required_argument, NULL, OPT_PINNED },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "cost-sample", required_argument, NULL, OPT_COST_SAMPLE },
	{ "l7-packets", required_argument, NULL, OPT_L7 },
	{ "eve", required_argument, NULL, OPT_EVE },
	{ "drops", no_argument, NULL, OPT_DROPS },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "rules-lenient", no_argument, NULL, OPT_RULES_LENIENT },
	/* the same again: protect's --rules is its mitigation rules file */
	{ "signatures", required_argument, NULL, OPT_RULES },
	{ "signatures-lenient", no_argument, NULL, OPT_RULES_LENIENT },
	{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
	{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_monitor(int argc, char **argv)
{
	const struct option *opts = pl_monitor_opts;
	struct pl_dp_opts o = { .mode = PL_MODE_AUTO, .flows = true, .tcp = true,
				.filter_linktype = PL_LINKTYPE_ETHERNET };
	struct pl_svc *svc = NULL;
	unsigned int top = 10, nflows = PL_FLOWS_DEFAULT, cost_pct = PL_COST_SAMPLE_DEFAULT;
	unsigned int naddrs = 0;
	unsigned int l7_pkts = PL_L7_PKTS_DEFAULT;
	bool l7_asked = false;
	const char *eve_path = NULL, *rules_path = NULL;
	bool rules_lenient = false;
	struct pl_sig_run *sigs = NULL;
	FILE *eve = NULL;
	struct pl_l7_ends *ends = NULL;
	double interval = 1, duration = 0;
	const char *pinned = NULL, *load_opt = NULL; /* an option that only loading uses */
	const char *expr_file = NULL;
	struct pl_stats prev = {}, cur = {}, delta = {};
	/* pktlens -j/-p monitor: as --json/--pretty */
	struct view v = { .json = pl_global_json || pl_global_pretty,
			  .pretty = pl_global_pretty };
	bool warned_full = false, drops = false, reported = false;
	struct pl_drops_live dl = {};
	struct pl_dp dp = {};
	struct pl_rates *rates = NULL;
	struct pl_det_run dr = {};
	struct reload rl = {};
	bool detect = true;
	__u64 t_start, t_prev, cost_ns0 = 0, cost_cnt0 = 0;
	int c, rc = PL_EXIT_FAIL, err;
	char *expr = NULL;

	const struct pl_monitor_hooks *h = pl_monitor_hooks;

	/* --config FILE: its [monitor] entries go in front of the command line (not protect's). */
	err = h ? 0 : pl_config_args("monitor", "i:F:h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	/* No "+": options may also follow the expression, as tcpdump takes them. */

	while ((c = pl_getopt(argc, argv, h ? h->cmd : "monitor", h ? h->usage : usage, "i:F:h",
			      opts, hints)) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'F': expr_file = optarg; break;
		case OPT_MODE:
			load_opt = "--mode";
			if (pl_mode_parse(optarg, &o.mode)) {
				pl_warn("invalid --mode '%s': expected native, generic or tc", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case OPT_INTERVAL:
			if (pl_parse_seconds("--interval", optarg, &interval))
				return PL_EXIT_USAGE;
			break;
		case OPT_DURATION:
			if (pl_parse_seconds("--duration", optarg, &duration))
				return PL_EXIT_USAGE;
			break;
		case OPT_JSON: v.json = true; break;
		case OPT_PRETTY: v.json = v.pretty = true; break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 1, PL_TOP_MAX, &top))
				return PL_EXIT_USAGE;
			break;
		case OPT_FLOWS:
			load_opt = "--flows";
			if (pl_parse_u32("--flows", optarg, 1, PL_FLOWS_MAX, &nflows))
				return PL_EXIT_USAGE;
			break;
		case OPT_ADDRS:
			load_opt = "--addresses";
			if (pl_parse_pow2("--addresses", optarg, PL_ADDRS_MIN, PL_ADDRS_MAX, &naddrs))
				return PL_EXIT_USAGE;
			break;
		case OPT_PIN: o.pin = true; load_opt = "--pin"; break;
		case OPT_PINNED: pinned = optarg; break;
		case OPT_FORCE: o.force = true; load_opt = "--force"; break;
		case OPT_DROPS: drops = true; break;
		case OPT_NO_TCP: o.tcp = false; load_opt = "--no-tcp"; break;
		case OPT_COST_SAMPLE:
			if (pl_parse_u32("--cost-sample", optarg, 0, 100, &cost_pct))
				return PL_EXIT_USAGE;
			break;
		case OPT_L7:
			load_opt = "--l7-packets";
			l7_asked = true;
			if (pl_parse_u32("--l7-packets", optarg, 0, PL_L7_PKTS_MAX, &l7_pkts))
				return PL_EXIT_USAGE;
			break;
		case OPT_EVE: eve_path = optarg; load_opt = "--eve"; break;
		case OPT_RULES: rules_path = optarg; load_opt = "--rules"; break;
		case OPT_RULES_LENIENT: rules_lenient = true; break;
		case OPT_NO_DETECT: detect = false; break;
		case 'h': fputs(h ? h->usage : usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE; /* pl_getopt() said why */
		}
	}
	if (h && pinned) {
		pl_warn("%s loads its own data plane: -i IF, not --pinned", h->cmd);
		return PL_EXIT_USAGE;
	}
	/* protect: verdicts on, maps pinned for block/unblock/blocked. */
	if (h)
		o.mitigate = o.pin = true;
	if (!o.ifname && !pinned) {
		if (h)
			pl_warn("%s needs an interface: -i IF", h->cmd);
		else
			pl_warn("monitor needs an interface: -i IF (or --pinned DIR)");
		fputs(h ? h->usage : usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (o.ifname && pinned) {
		pl_warn("-i and --pinned exclude each other: --pinned reads a data plane that "
			"bpftool attached");
		return PL_EXIT_USAGE;
	}
	if (drops && pinned) {
		pl_warn("--drops needs -i IF (the interface whose drops are counted), not --pinned");
		return PL_EXIT_USAGE;
	}
	if (load_opt && pinned) {
		pl_warn("%s and --pinned exclude each other: with --pinned, bpftool loaded and "
			"attached the program",
			load_opt);
		return PL_EXIT_USAGE;
	}
	if (expr_file && pinned) {
		pl_warn("-F and --pinned exclude each other: a filter expression needs pktlens to "
			"load the program");
		return PL_EXIT_USAGE;
	}
	if (pl_get_expr(expr_file, argc, argv, optind, &expr)) {
		pl_expr_file_hint(expr_file);
		return PL_EXIT_FAIL;
	}
	if (expr && pinned) {
		pl_warn("a filter expression needs pktlens to load the program; not with --pinned");
		free(expr);
		return PL_EXIT_USAGE;
	}
	/* protect runs this loop for mitigation: L7 there only when asked for (--l7-packets,
	 * or what needs it: signatures match its samples, --eve writes its events), TCP RTT
	 * tracking not at all. */
	if (h && !l7_asked && !rules_path && !eve_path)
		l7_pkts = 0;
	if (h)
		o.tcp = false;
	if (eve_path && !l7_pkts) {
		pl_warn("%s: --eve needs L7 on: drop --l7-packets 0", h ? h->cmd : "monitor");
		free(expr);
		return PL_EXIT_USAGE;
	}
	if ((rules_path && !l7_pkts) || (rules_lenient && !rules_path)) {
		pl_warn("%s: %s", h ? h->cmd : "monitor", rules_path ?
			"signatures match L7's samples: they need --l7-packets N (N > 0)" :
			"--rules-lenient goes with --rules FILE (or --signatures FILE)");
		free(expr);
		return PL_EXIT_USAGE;
	}
	o.filter = expr;
	o.detect = detect;
	o.flow_entries = nflows;
	o.addr_entries = naddrs;
	o.l7_pkts = pinned ? 0 : l7_pkts; /* bpftool's data plane has no L7 */
	err = pl_filter_prog_prepare(&o);
	if (err) {
		free(expr);
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	}
	if (rules_path) { /* before privileges: a bad rule file is anyone's error */
		struct pl_sigs *rs;

		if (pl_sig_load_cli(rules_path, rules_lenient, &rs)) {
			free(expr);
			return PL_EXIT_FAIL;
		}
		sigs = pl_sig_run_new(rs, NULL);
		if (!sigs) {
			pl_warn("out of memory for the signatures");
			free(expr);
			return PL_EXIT_FAIL;
		}
	}
	if (pl_require_root(h ? h->cmd : "monitor")) {
		pl_sig_run_free(sigs);
		free(expr);
		return PL_EXIT_FAIL;
	}
	/* [detect] before loading: a bad list is said before anything is attached. */
	if (detect && pl_det_run_start(&dr, NULL, eve_path)) {
		free(expr);
		return PL_EXIT_USAGE;
	}
	o.amp_min_bytes = dr.cfg.amp_min_bytes;
	if (detect)
		pl_det_run_l7_note(&dr, h ? h->cmd : "monitor", o.l7_pkts, h && !l7_asked ?
				   "L7 is off by default here: add --l7-packets 8" :
				   "drop --l7-packets 0");
	pl_signals_install();

	if (pinned) {
		err = pl_dp_open_pinned(&dp, pinned);
		dp.mode = PL_MODE_AUTO;
	} else {
		err = pl_dp_load(&dp, &o);
		if (!err)
			err = pl_dp_attach(&dp, &o);
	}
	if (err) /* the expression was checked before: a runtime failure */
		goto out;
	/* Before the line that says monitoring has begun: from then on drops count too. */
	if (drops && pl_drops_live_start(&dl, dp.ifname, top))
		goto out;
	/*
	 * Always on: turned on once. Sampled: on for the first cost_pct % of each interval.
	 * Also before that line: what is sent after it is timed from the first packet.
	 */
	cost_pct = cost_setup(&dp, cost_pct);
	if (cost_pct)
		pl_dp_cost(&dp, &cost_ns0, &cost_cnt0);
	if (!pinned) { /* the note first: scripts that wait for the line read it then */
		pl_dp_mode_note(&dp);
		fprintf(stderr, "pktlens: %s %s in %s mode%s%s\n", h ? "protecting" : "monitoring",
			dp.ifname, pl_mode_name(dp.mode), expr ? ", filter: " : "", expr ? expr : "");
	}
	if (h && h->started(&dp)) {
		rc = PL_EXIT_FAIL;
		goto out;
	}
	if (sigs && h && h->sigs) /* before L7's thread matches anything */
		h->sigs(sigs);
	if (o.l7_pkts) {
		svc = pl_svc_new();
		err = svc ? start_l7(&dp, &o, eve_path, &eve, &v.l7, &ends, sigs, svc, &dr)
			  : -ENOMEM;
		if (err) {
			rc = PL_EXIT_FAIL;
			goto out;
		}
		v.none = eve == stdout;
	}
	if (dr.alerts)
		pl_alerts_set_eve(dr.alerts, eve);
	if (dr.alerts && h && h->alerts)
		h->alerts(dr.alerts);
	if (pl_det_run_live(&dr, &dp)) {
		rc = PL_EXIT_FAIL;
		goto out;
	}
	/* Pinned maps may have counted for long: the first interval's rates start now. */
	if (pinned && pl_stats_read(dp.stats_fd, &prev))
		memset(&prev, 0, sizeof(prev));
	err = rates_setup(&dp, pinned, &rates);
	if (err)
		goto out;

	/* Keys come from standard input: without a terminal there, no terminal view. */
	v.tui = !v.json && !v.none && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (v.tui && pl_tui_start()) {
		const char *term = getenv("TERM");

		pl_warn("cannot start the terminal view (%s%s%s): printing text reports instead; "
			"set TERM to your terminal's type, e.g. xterm",
			term ? "TERM '" : "TERM is not set", term ? term : "",
			term ? "' is unknown here" : "");
		v.tui = false;
	}
	if (h) { /* what its SIGHUP reads again here */
		rl = (struct reload){ .cmd = h->cmd, .sig_path = rules_path,
				      .sig_lenient = rules_lenient, .sigs = sigs, .dr = &dr,
				      .dp = &dp, .eve = eve, .eve_path = eve_path };
		v.rl = &rl;
	}
	t_start = t_prev = mono_ns();
	rc = PL_EXIT_OK;
	/* One report at least, also when a signal came during start-up (L7's set-up can be slow). */
	while (!pl_stop || !reported) {
		struct pl_report r = {};
		struct pl_talkers talk = {};
		struct pl_tcp_view tv = {};
		__u64 now, cns = 0, ccnt = 0;
		double left = duration ? duration - (mono_ns() - t_start) / 1e9 : interval;
		double span = left < interval ? left : interval;

		if (left <= 0)
			break; /* a slow read ran past --duration: the last report stands */

		if (pl_stop) {
			/* stopped before the first wait: report what there is now */
		} else if (cost_pct > 0 && cost_pct < 100 && !pl_dp_cost_on(&dp)) {
			wait_interval(&v, span * cost_pct / 100);
			pl_dp_cost_off(&dp);
			if (!pl_stop)
				wait_interval(&v, span * (100 - cost_pct) / 100);
		} else {
			wait_interval(&v, span);
		}
		now = mono_ns();
		if (!pinned && if_nametoindex(dp.ifname) != (unsigned int)dp.ifindex) {
			if (v.tui) /* so that the message below can be read */
				pl_tui_stop(), v.tui = false;
			if (!pl_dp_interface_present(&dp)) {
				rc = PL_EXIT_FAIL;
				break;
			}
		}
		err = pl_stats_read(dp.stats_fd, &cur) ||
		      pl_flows_read(dp.flows_fd, &r.flows, &r.nflows);
		pl_stats_sub(&delta, &cur, &prev);
		r.alerts = dr.alerts; /* detection ticks in its own thread */
		if (err || pl_talkers_read(&talk, &dp.talk, r.flows, r.nflows)) {
			err = errno;
			if (v.tui)
				pl_tui_stop(), v.tui = false; /* the message must stay readable */
			pl_warn("reading the maps failed: %s", strerror(err));
			free(r.flows);
			rc = PL_EXIT_FAIL;
			break;
		}
		if (dp.tcp.flows >= 0 && !pl_tcp_read(&tv, &dp.tcp, false, now))
			r.tcp = &tv;
		if (v.l7) {
			pl_l7_set_tcp(v.l7, r.tcp); /* for the flow events of flows that ended */
			pl_l7_drain(v.l7);
			/* Before the idle ones are dropped: what left since the last read. */
			if (pl_l7_ends_update(ends, v.l7, r.flows, r.nflows, pl_time_mono_to_unix()))
				eve_failed(eve_path);
			pl_l7_finish_idle(v.l7, now, L7_IDLE_NS);
			r.l7 = v.l7;
		}
		/* Rates per flow: what it gained since the last read (rates.h). */
		r.has_rates = !pl_rates_update(rates, r.flows, r.nflows, now);
		if (drops && pl_drops_live_update(&dl)) {
			free(r.flows);
			if (v.tui)
				pl_tui_stop(), v.tui = false;
			rc = PL_EXIT_FAIL;
			break;
		}
		if (drops) {
			r.drops = &dl.view;
			r.drops_ctx = &dl.ctx;
		}
		r.svc = svc;
		r.source = pinned ? pinned : dp.ifname;
		r.mode = pinned ? "pinned" : pl_mode_name(dp.mode);
		r.total = &cur;
		r.delta = &delta;
		r.interval_s = (now - t_prev) / 1e9;
		r.now_unix_ns = pl_time_now_ns();
		r.clock_to_unix_ns = pl_time_mono_to_unix();
		r.flow_capacity = pl_dp_flow_capacity(&dp);
		r.talk = &talk;
		r.top = top;
		if (cost_pct && !pl_dp_cost(&dp, &cns, &ccnt)) {
			r.has_cost = true;
			r.cost_sample_pct = cost_pct;
			r.cost_runs = ccnt - cost_cnt0;
			r.cost_ns_per_pkt = r.cost_runs ? (double)(cns - cost_ns0) / r.cost_runs : 0;
		}
		if (sigs)
			pl_sig_run_report(&r, sigs);
		if (h)
			h->tick(&dp, &r);
		pl_det_run_lock(&dr);
		err = show(&v, &r);
		if (dr.alerts)
			pl_alerts_untouch(dr.alerts);
		pl_det_run_unlock(&dr);
		pl_talkers_free(&talk);
		pl_l7_set_tcp(v.l7, NULL);
		pl_tcp_view_free(&tv);
		if (err) {
			free(r.flows);
			/* The reader went away (| head): stop as it asked; otherwise say why. */
			if (err != -EPIPE) {
				pl_warn("writing the report to standard output failed: %s",
					strerror(-err));
				rc = PL_EXIT_FAIL;
			}
			break;
		}
		if (!warned_full && !v.tui && pl_report_evictions(&r)) {
			pl_warn("the flow table is full (%u entries): older flows are being evicted; "
				"raise --flows to keep more",
				r.flow_capacity);
			warned_full = true;
		}
		free(r.flows);
		reported = true;
		prev = cur;
		t_prev = now;
		if (duration && (now - t_start) / 1e9 >= duration - 1e-3)
			break;
	}
	if (v.tui)
		pl_tui_stop();
	if (v.l7) { /* every flow not written yet gets its event now */
		struct pl_tcp_view tv = {};

		if (dp.tcp.flows >= 0 && !pl_tcp_read(&tv, &dp.tcp, false, mono_ns()))
			pl_l7_set_tcp(v.l7, &tv);
		pl_l7_finish_all(v.l7);
		if (eve && l7_last_read(&dp, ends, v.l7))
			eve_failed(eve_path);
		if (pl_l7_ends_shutdown(ends, v.l7, pl_time_mono_to_unix()) ||
		    pl_l7_ends_unread(ends, v.l7, pl_time_mono_to_unix()))
			eve_failed(eve_path);
		pl_l7_set_tcp(v.l7, NULL);
		pl_tcp_view_free(&tv);
	}
out:
	pl_l7_ends_free(ends);
	pl_l7_session_free(v.l7);
	pl_sig_run_free(sigs);
	pl_svc_free(svc);
	pl_det_run_stop(&dr);
	if (eve && eve != stdout && fclose(eve)) {
		eve_failed(eve_path);
		rc = PL_EXIT_FAIL;
	} else if (eve == stdout && fflush(stdout)) {
		rc = PL_EXIT_FAIL;
	}
	pl_rates_free(rates);
	pl_drops_live_stop(&dl);
	if (h && h->stop)
		h->stop();
	pl_dp_close(&dp);
	free(expr);
	return rc;
}
