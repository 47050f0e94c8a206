// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze.c - `pktlens analyze -r FILE`: every frame of a capture runs through the
 * same XDP program as live traffic (BPF_PROG_TEST_RUN), with the capture's own
 * timestamps and frame lengths, then the report is printed once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/report.h"
#include "analysis/stats.h"
#include "commands/commands.h"
#include "config/config.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "loader/offline_runner.h"
#include "detect/run.h"
#include "l7/session.h"
#include "sinks/progress.h"
#include "sources/pcap_file.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens analyze -r FILE [--json|--pretty] [--top N] [--flows N]\n"
	"                       [--l7-packets N] [--eve FILE] [--no-detect]\n"
	"                       [-F FILE | EXPRESSION]\n"
	"       pktlens -j|-p analyze ...   (as --json, --pretty)\n"
	"Run every packet of a pcap/pcapng capture through pktlens's XDP program and print\n"
	"the same statistics as 'pktlens monitor'.\n"
	"\n"
	"  -r, --read FILE   capture to read ('-' for standard input)\n"
	"      --json        one JSON object instead of text (fields: pktlens-monitor(8))\n"
	"      --pretty      the JSON object indented over several lines (implies --json)\n"
	"      --top N       rows in each top list (default 10)\n"
	"      --flows N     flow table entries (default 65536)\n"
	"      --l7-packets N  packets per flow and direction sampled for application\n"
	"                    classification (nDPI) and metadata (default 8; 0: L7 off)\n"
	"      --eve FILE    Suricata-style EVE JSON events (dns, http, tls, ssh, flow), one\n"
	"                    a line, to FILE ('-': standard output, instead of the report)\n"
	"      --no-detect   no threat detection (on by default: the same as monitor's, on\n"
	"                    the capture's time stamps; the report lists the alerts, and\n"
	"                    --eve writes them; [detect] of --config FILE)\n"
	"  -F FILE           read the filter expression from FILE, as tcpdump -F ('#'\n"
	"                    starts a comment); an expression on the command line is ignored\n"
	"  -v, --verbose     more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet       only errors (no progress line on a terminal); also before\n"
	"                    the command\n"
	"      --config FILE\n"
	"                    options from the [analyze] section of FILE (pktlens.conf(5));\n"
	"                    the command line overrides them\n"
	"  -h, --help        this help\n"
	"  EXPRESSION        tcpdump filter: only matching packets are counted;\n"
	"                    options may follow it, as with tcpdump ('--' ends them)\n";

enum { OPT_JSON = 256, OPT_PRETTY, OPT_TOP, OPT_FLOWS, OPT_L7, OPT_EVE, OPT_NO_DETECT };


/* Letters that were analyze's own before they meant tcpdump's: what to type now. */
static const struct pl_opt_hint hints[] = {
	{ 'j', "-j is tcpdump's time stamp type; use --json (or pktlens -j analyze)" },
	{ 'p', "-p is tcpdump's 'no promiscuous mode'; for indented JSON use --pretty "
	       "(or pktlens -p analyze)" },
	{ 't', "-t is tcpdump's time stamp option; use --top N" },
	{ 0, NULL },
};

static void after_run(void *arg)
{
	pl_l7_drain(arg);
}

/* Open the EVE file and the L7 session; the runner drains its ring after every run. */
static int start_l7(struct pl_dp *dp, const char *eve_path, FILE **eve,
		    struct pl_l7_session **l7, struct pl_det *det)
{
	struct pl_l7_session_opts lo = { .events_fd = dp->l7_events_fd,
					 .verdicts_fd = dp->l7_verdicts_fd,
					 .counts_fd = dp->l7_counts_fd, .flows_fd = dp->flows_fd };
	int err;

	if (eve_path) {
		*eve = strcmp(eve_path, "-") ? fopen(eve_path, "w") : stdout;
		if (!*eve) {
			err = -errno;
			pl_warn("cannot open '%s' for the EVE events: %s", eve_path, strerror(-err));
			return err;
		}
	}
	lo.eve = *eve;
	lo.on_meta = det ? pl_det_meta : NULL; /* domain lists */
	lo.on_meta_arg = det;
	*l7 = pl_l7_session_new(&lo, &err);
	if (!*l7) {
		pl_warn("cannot start L7 classification (nDPI): %s", strerror(-err));
		return err;
	}
	dp->after_run = after_run;
	dp->after_run_arg = *l7;
	return 0;
}

/* Detection over capture time: the next tick, the last one and the counters then. */
struct pl_det_clock {
	__u64 step;  /* [detect] tick in ns of capture time: as monitor ticks live */
	__u64 next, prev;
	bool started;
	struct pl_stats last;
	const int *cpus;
	int nworkers;
};

/*
 * Tick detection at each tick of capture time that @ts_ns (the next frame's
 * time, or the end with @last) has passed: the frames before it are run (the workers
 * are finished and started again), the maps read, the detector ticked. 0 or -errno.
 */
static int detect_tick(struct pl_det_run *dr, struct pl_det_clock *c, struct pl_dp *dp,
		       struct pl_runner **runner, __u64 ts_ns, bool last)
{
	struct pl_stats cur, delta;
	struct pl_flow *flows = NULL;
	size_t n = 0;
	__u64 now;
	int err;

	if (!c->started) {
		c->started = true;
		c->prev = ts_ns;
		c->next = ts_ns + c->step;
		return 0;
	}
	if (ts_ns < c->next && !last)
		return 0;
	now = last ? ts_ns : c->next;
	err = pl_runner_finish(*runner);
	*runner = NULL;
	if (!err)
		err = pl_runner_start(runner, dp, c->cpus, c->nworkers);
	if (err)
		return err;
	if (pl_stats_read(dp->stats_fd, &cur) || pl_flows_read(dp->flows_fd, &flows, &n)) {
		pl_warn("detection cannot read the maps");
		return -EIO;
	}
	pl_stats_sub(&delta, &cur, &c->last);
	c->last = cur;
	err = pl_det_run_tick(dr, dp, &delta, flows, n, now, 0, (now - c->prev) / 1e9, true);
	free(flows);
	c->prev = now;
	c->next = now + c->step;
	/* A gap in the capture: the next tick is the first interval that holds a frame. */
	if (ts_ns >= c->next) {
		c->next = ts_ns - (ts_ns - now) % c->step + c->step;
		c->prev = c->next - c->step;
	}
	return err;
}

static void text_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static void report_text(const struct pl_report *r, const struct pl_l7_session *l7, int top)
{
	pl_report_text(stdout, r);
	if (l7)
		pl_l7_report_text(l7, top, text_line, stdout);
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "l7-packets", required_argument, NULL, OPT_L7 },
		{ "eve", required_argument, NULL, OPT_EVE },
		{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_dp_opts o = { .mode = PL_MODE_OFFLINE, .flows = true,
				.filter_linktype = PL_LINKTYPE_ETHERNET };
	unsigned int top = 10, nflows = PL_FLOWS_DEFAULT, l7_pkts = PL_L7_PKTS_DEFAULT;
	const char *eve_path = NULL;
	FILE *eve = NULL;
	struct pl_l7_session *l7 = NULL;
	struct pl_stats total = {};
	struct pl_report r = {};
	struct pl_talkers talk = {};
	struct pl_pcap_file *pf;
	struct pl_dp dp = {};
	struct pl_frame fr;
	const char *path = NULL, *expr_file = NULL;
	bool json = pl_global_json || pl_global_pretty, pretty = pl_global_pretty;
	struct pl_stats extra = {}; /* matching frames counted in user space */
	__u64 min_ts = 0, max_ts = 0;
	bool seen_ts = false, user_filter;
	struct pl_runner *runner = NULL;
	struct pl_det_run dr = {};
	struct pl_det_clock dc = {};
	bool detect = true;
	struct pl_progress prog = {};
	int cpus[8], nworkers;
	int c, rc = PL_EXIT_FAIL, err, read_err, werr;
	char *expr;

	/* --config FILE: its [analyze] entries go in front of the command line. */
	err = pl_config_args("analyze", "r:F:h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	/* No "+": options may also follow the expression, as tcpdump takes them. */
	while ((c = pl_getopt(argc, argv, "analyze", usage, "r:F:h", opts, hints)) != -1) {
		switch (c) {
		case 'r': path = optarg; break;
		case 'F': expr_file = optarg; break;
		case OPT_JSON: json = true; break;
		case OPT_PRETTY: json = pretty = true; break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 1, PL_TOP_MAX, &top))
				return PL_EXIT_USAGE;
			break;
		case OPT_FLOWS:
			if (pl_parse_u32("--flows", optarg, 1, PL_FLOWS_MAX, &nflows))
				return PL_EXIT_USAGE;
			break;
		case OPT_L7:
			if (pl_parse_u32("--l7-packets", optarg, 0, PL_L7_PKTS_MAX, &l7_pkts))
				return PL_EXIT_USAGE;
			break;
		case OPT_EVE: eve_path = optarg; break;
		case OPT_NO_DETECT: detect = false; break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default: return PL_EXIT_USAGE; /* pl_getopt() said why */
		}
	}
	if (!path) {
		pl_warn("analyze needs a capture file: -r FILE");
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (pl_get_expr(expr_file, argc, argv, optind, &expr)) {
		pl_expr_file_hint(expr_file);
		return PL_EXIT_FAIL;
	}
	if (eve_path && !l7_pkts) {
		pl_warn("analyze: --eve needs L7 on: drop --l7-packets 0");
		return PL_EXIT_USAGE;
	}
	o.flow_entries = nflows;
	o.l7_pkts = l7_pkts;
	o.detect = detect;
	pf = malloc(sizeof(*pf));
	if (!pf) {
		free(expr);
		return PL_EXIT_FAIL;
	}
	err = pl_pcap_open(pf, path);
	if (err)
		goto out_file;
	/*
	 * The expression is checked before the privileges, so that a bad one is bad usage
	 * for anyone. libpcap decides for every frame that cannot go to the kernel filter
	 * as it is in the file: any frame of a non-Ethernet capture (the program sees it
	 * behind a synthetic Ethernet header) and Ethernet frames under 14 bytes or over
	 * 64 KiB. Ethernet frames meet the translated filter in the kernel.
	 */
	err = expr ? pl_pcap_set_filter(pf, expr) : 0;
	if (err) {
		rc = err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
		if (err == -ENOMEM)
			pl_warn("out of memory for the filter expression");
		goto out;
	}
	o.filter = expr && pf->linktype == PL_PCAP_LINKTYPE_ETHERNET ? expr : NULL;
	/* [detect] before loading: a bad list is said before any frame is read. */
	if (detect && pl_det_run_start(&dr, NULL, eve_path)) {
		rc = PL_EXIT_USAGE;
		goto out;
	}
	o.amp_min_bytes = dr.cfg.amp_min_bytes;
	err = pl_filter_prog_prepare(&o);
	if (err) {
		rc = err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
		goto out;
	}
	if (pl_require_root("analyze (it runs the BPF program in the kernel)"))
		goto out;
	user_filter = expr && pf->linktype != PL_PCAP_LINKTYPE_ETHERNET;
	/* One worker per CPU; a filter reads the frame length from one CPU's slot only. */
	nworkers = pl_runner_cpus(cpus, sizeof(cpus) / sizeof(cpus[0]));
	if (nworkers < 1) {
		pl_warn("no CPU below %d is available to run frames on", PL_OFFLINE_SLOTS);
		goto out;
	}
	if (o.filter)
		nworkers = 1;
	o.offline_cpu = cpus[0];
	/* The expression was checked above: whatever fails now is a runtime failure. */
	err = pl_dp_load(&dp, &o);
	if (err)
		goto out;
	if (l7_pkts) {
		err = start_l7(&dp, eve_path, &eve, &l7, dr.det);
		if (err)
			goto out;
	}
	if (dr.alerts)
		pl_alerts_set_eve(dr.alerts, eve);
	dc.step = (__u64)(dr.cfg.tick_s * 1e9);
	dc.cpus = cpus;
	dc.nworkers = nworkers;

	err = pl_runner_start(&runner, &dp, cpus, nworkers);
	if (err)
		goto out;
	/* On a terminal: share read, packets/s, time left; then one line of totals. */
	pl_progress_start(&prog, pl_progress_wanted() ? stderr : NULL, "analyze", pf->size, 0.25);
	while (!pl_stop && (err = pl_pcap_next(pf, &fr)) > 0) {
		bool in_kernel = fr.caplen >= 14 && fr.caplen <= PL_SNAPLEN_MAX;

		pl_progress_update(&prog, pl_pcap_offset(pf), pf->frames);

		/* The capture's span, whatever the order of its time stamps. */
		if (!seen_ts || fr.ts_ns < min_ts)
			min_ts = fr.ts_ns;
		if (!seen_ts || fr.ts_ns > max_ts)
			max_ts = fr.ts_ns;
		seen_ts = true;
		/* Detection's ticks follow the capture's clock: every frame before it is in. */
		if (dr.det && detect_tick(&dr, &dc, &dp, &runner, fr.ts_ns, false))
			goto out;
		if (expr && (user_filter || !in_kernel) && !pl_pcap_filter_match(pf))
			continue;
		/* The kernel refuses test runs shorter than an Ethernet header. */
		if (fr.caplen < 14) {
			pl_stats_add_short_frame(&extra, fr.caplen, fr.wire_len);
			continue;
		}
		/*
		 * Nor longer than its linear part plus MAX_SKB_FRAGS pages (-ENOMEM; BIG TCP
		 * frames reach 80 kB). The parsers read headers only and the length on the
		 * wire is passed on its own, so a longer frame runs with its first 64 kB.
		 */
		err = pl_runner_submit(runner,
				       fr.data, fr.caplen > PL_SNAPLEN_MAX ? PL_SNAPLEN_MAX : fr.caplen,
				       fr.wire_len, fr.ts_ns, expr && !in_kernel);
		if (err) {
			pl_warn("'%s': stopped at frame %llu", path, (unsigned long long)pf->frames);
			goto out;
		}
	}
	read_err = err;
	if (dr.det && seen_ts && detect_tick(&dr, &dc, &dp, &runner, max_ts + 1, true))
		goto out;
	err = pl_runner_finish(runner);
	runner = NULL;
	pl_progress_end(&prog, pf->frames, !err && read_err >= 0);
	if (err) {
		pl_warn("'%s': stopped at frame %llu", path, (unsigned long long)pf->frames);
		goto out;
	}
	err = read_err;
	if (l7)
		pl_l7_finish_all(l7);
	if (pl_stats_read(dp.stats_fd, &total)) {
		pl_warn("cannot read the counters");
		goto out;
	}
	if (pl_flows_read(dp.flows_fd, &r.flows, &r.nflows)) {
		pl_warn("cannot read the flow table");
		goto out;
	}
	if (pl_talkers_read(&talk, &dp.talk, r.flows, r.nflows)) {
		pl_warn("cannot read the address and port tables");
		goto out;
	}
	r.talk = &talk;
	pl_stats_add(&total, &extra);
	r.source = path;
	r.mode = "offline";
	r.total = r.delta = &total;
	r.interval_s = (max_ts - min_ts) / 1e9;
	r.now_unix_ns = max_ts;
	r.no_time = !seen_ts;
	r.flow_capacity = nflows;
	r.top = top;
	r.l7 = l7;
	r.alerts = dr.alerts;
	r.alerts_all = true;
	errno = 0; /* a failed write leaves its reason here; stdio keeps only a flag */
	if (l7 && eve && pl_l7_eve_flows(l7, r.flows, r.nflows, 0, "shutdown") < 0)
		pl_warn("cannot write the EVE events to '%s'", eve_path);
	if (eve == stdout)
		; /* --eve -: the events are the output */
	else if (json)
		pl_report_json(stdout, &r, pretty);
	else
		report_text(&r, l7, top);
	/* A full disk or a closed pipe shows here, not in the sinks. */
	werr = fflush(stdout) || ferror(stdout) ? (errno ? errno : EIO) : 0;
	/* As monitor does, but once: the report holds the evicted count. */
	if (pl_report_evictions(&r))
		pl_warn("the flow table is full (%u entries): %llu older flows were evicted; "
			"raise --flows to keep more",
			r.flow_capacity, (unsigned long long)pl_report_evictions(&r));
	/* A damaged file still gets its report, but the run is a failure. */
	rc = err < 0 ? PL_EXIT_FAIL : PL_EXIT_OK;
	/* A closed pipe (| head) means the reader had enough: not a failure. */
	if (werr && werr != EPIPE) {
		pl_warn("cannot write the report to standard output: %s", strerror(werr));
		rc = PL_EXIT_FAIL;
	}
out:
	pl_progress_end(&prog, 0, false);
	pl_runner_finish(runner);
	pl_l7_session_free(l7);
	pl_det_run_stop(&dr);
	if (eve && eve != stdout && fclose(eve))
		pl_warn("cannot write the EVE events to '%s'", eve_path);
	free(r.flows);
	pl_talkers_free(&talk);
	pl_dp_close(&dp);
	pl_pcap_close(pf);
out_file:
	free(pf);
	free(expr);
	return rc;
}
