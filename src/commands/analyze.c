// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyze.c - `pktlens analyze -r FILE`: every frame of a capture runs through the
 * same XDP program as live traffic (BPF_PROG_TEST_RUN), with the capture's own
 * timestamps and frame lengths, then the report is printed once. Several captures
 * (-r A -r B, -V LIST) get a report each, from one program loaded once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/phs.h"
#include "analysis/report.h"
#include "analysis/stats.h"
#include "commands/commands.h"
#include "config/config.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "loader/offline_runner.h"
#include "detect/run.h"
#include "l7/flow_ends.h"
#include "l7/session.h"
#include "rules/sig_run.h"
#include "sinks/progress.h"
#include "sources/pcap_file.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens analyze -r FILE [-r FILE ...] [--json|--pretty] [--top N] [--flows N]\n"
	"                       [--addresses N] [--l7-packets N|all] [--eve FILE] [--rules FILE [--rules-lenient]]\n"
	"                       [--no-tcp] [--no-detect] [-F FILE | EXPRESSION]\n"
	"       pktlens analyze -V LIST ...\n"
	"       pktlens -j|-p analyze ...   (as --json, --pretty)\n"
	"Run every packet of a pcap/pcapng capture through pktlens's XDP program and print\n"
	"the same statistics as 'pktlens monitor'; several captures get a report each.\n"
	"\n"
	"  -r, --read FILE   capture to read ('-' for standard input); may be repeated\n"
	"  -V FILE           read the names of the captures from FILE, one a line ('-':\n"
	"                    standard input), as tcpdump -V\n"
	"      --json        one JSON object instead of text (fields: pktlens-monitor(8))\n"
	"      --pretty      the JSON object indented over several lines (implies --json)\n"
	"      --top N       rows in each top list (default 10)\n"
	"      --flows N     flow table entries (default 65536)\n"
	"      --addresses N addresses each of the source and destination tables holds\n"
	"                    (a power of two, 64 to 1048576; default 65536)\n"
	"      --l7-packets N  packets per flow and direction sampled for application\n"
	"                    classification (nDPI), metadata and signatures (default 8;\n"
	"                    0: L7 off; all: every packet, so --rules sees whole flows)\n"
	"      --eve FILE    Suricata-style EVE JSON events (dns, http, tls, ssh, flow), one\n"
	"                    a line, to FILE ('-': standard output, instead of the report);\n"
	"                    with --rules also alert events\n"
	"      --rules FILE  match the sampled packets against Suricata-style signatures\n"
	"                    (pktlens-rules(5)); alerts in the report and in --eve\n"
	"      --rules-lenient  skip (and count) rules with keywords pktlens does not support\n"
	"                    instead of failing\n"
	"      --no-tcp      no passive TCP RTT and health (on, it runs on every worker,\n"
	"                    each conversation's frames in capture order on one)\n"
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

enum { OPT_JSON = 256, OPT_PRETTY, OPT_TOP, OPT_FLOWS, OPT_L7, OPT_EVE, OPT_RULES,
       OPT_RULES_LENIENT, OPT_NO_TCP, OPT_NO_DETECT, OPT_ADDRS };

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

/* What the command line asked for, the same for every capture. */
struct an_args {
	struct pl_dp_opts o;
	unsigned int top;
	const char *eve_path;
	FILE *eve;             /* NULL without --eve */
	bool json, pretty;
	char *expr;            /* NULL: every packet */
	struct pl_sig_run *sigs; /* --rules: the signatures, their state reset for each file */
	bool detect;           /* threat detection, started afresh for each file */
	bool several;          /* more than one capture: say which one a failure is */
};

/* Open the EVE file once for every capture. */
static int open_eve(struct an_args *a)
{
	if (!a->eve_path)
		return 0;
	a->eve = strcmp(a->eve_path, "-") ? fopen(a->eve_path, "w") : stdout;
	if (!a->eve) {
		int err = -errno;

		pl_warn("cannot open '%s' for the EVE events: %s", a->eve_path, strerror(-err));
		return err;
	}
	return 0;
}

/* The L7 session of one capture; the runner drains its ring after every run. */
static int start_l7(struct pl_dp *dp, FILE *eve, const char *path,
		    struct pl_l7_session **l7, struct pl_sig_run *sigs, struct pl_svc *svc,
		    struct pl_det *det)
{
	struct pl_l7_session_opts lo = { .events_fd = dp->l7_events_fd,
					 .verdicts_fd = dp->l7_verdicts_fd,
					 .counts_fd = dp->l7_counts_fd, .flows_fd = dp->flows_fd,
					 .eve = eve, .svc = svc, .pcap_filename = path };
	int err;

	lo.on_meta = det ? pl_det_meta : NULL; /* domain lists */
	lo.on_meta_arg = det;
	if (sigs) {
		pl_sig_run_set_eve(sigs, eve);
		lo.on_packet = pl_sig_run_packet;
		lo.on_packet_arg = sigs;
	}
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
};

/*
 * Tick detection at each tick of capture time that @ts_ns (the next frame's
 * time, or the end with @last) has passed: the frames before it are run (the workers
 * drained, not stopped), the maps read, the detector ticked. 0 or -errno.
 */
static int detect_tick(struct pl_det_run *dr, struct pl_det_clock *c, struct pl_dp *dp,
		       struct pl_runner *runner, __u64 ts_ns, bool last)
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
	err = pl_runner_drain(runner);
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

/*
 * --eve: the flow table is read every @period frames, so that a flow evicted later has
 * the counts it had then; one that no read saw gets its event from its samples.
 */
static int ends_read(struct pl_runner *runner, struct pl_dp *dp, struct pl_l7_ends *ends,
		     struct pl_l7_session *l7)
{
	struct pl_flow *flows = NULL;
	size_t n = 0;
	int err = pl_runner_drain(runner);

	if (!err && pl_flows_read(dp->flows_fd, &flows, &n))
		err = -EIO;
	if (!err)
		err = pl_l7_ends_update(ends, l7, flows, n, 0);
	free(flows);
	return err;
}

/* At the end: events for what left, then the table as it is, then what no read saw. */
static int ends_finish(struct pl_l7_ends *ends, struct pl_l7_session *l7,
		       const struct pl_flow *flows, size_t n)
{
	int err = pl_l7_ends_update(ends, l7, flows, n, 0);

	if (!err)
		err = pl_l7_ends_shutdown(ends, l7, 0);
	return err ? err : pl_l7_ends_unread(ends, l7, 0);
}

static void text_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

static const char *app_of(const void *ctx, const struct pl_flow_key *k)
{
	return pl_l7_app_of(ctx, k);
}

static void phs_json(struct pl_json *j, void *arg)
{
	pl_phs_json(j, arg);
}

static void phs_text(void (*emit)(void *emit_arg, const char *line), void *emit_arg, void *arg)
{
	pl_phs_text(arg, emit, emit_arg);
}

static void report_text(const struct pl_report *r, const struct pl_l7_session *l7, int top)
{
	pl_report_text(stdout, r);
	if (l7)
		pl_l7_report_text(l7, top, text_line, stdout);
}

/* Run one capture through the program and print its report; PL_EXIT_*. */
static int analyze_file(struct an_args *a, const char *path)
{
	struct pl_dp_opts o = a->o;
	struct pl_l7_session *l7 = NULL;
	struct pl_tcp_view tv = {};
	struct pl_svc *svc = NULL;
	struct pl_stats total = {};
	struct pl_report r = {};
	struct pl_phs phs;
	struct pl_talkers talk = {};
	struct pl_pcap_file *pf;
	struct pl_dp dp = {};
	struct pl_frame fr;
	struct pl_stats extra = {}; /* matching frames counted in user space */
	__u64 min_ts = 0, max_ts = 0;
	bool seen_ts = false, user_filter;
	struct pl_runner *runner = NULL;
	struct pl_det_run dr = {};
	struct pl_det_clock dc = {};
	struct pl_progress prog = {};
	char what[512];
	struct pl_l7_ends *ends = NULL;
	__u64 since_read = 0, period;
	int cpus[8], nworkers;
	int rc = PL_EXIT_FAIL, err, read_err, werr;

	pf = malloc(sizeof(*pf));
	if (!pf)
		return PL_EXIT_FAIL;
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
	err = a->expr ? pl_pcap_set_filter(pf, a->expr) : 0;
	if (err) {
		rc = err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
		if (err == -ENOMEM)
			pl_warn("out of memory for the filter expression");
		goto out;
	}
	o.filter = a->expr && pf->linktype == PL_PCAP_LINKTYPE_ETHERNET ? a->expr : NULL;
	/* [detect] before loading: a bad list is said before any frame is read. */
	if (a->detect && pl_det_run_start(&dr, NULL, a->eve_path)) {
		rc = PL_EXIT_USAGE;
		goto out;
	}
	o.amp_min_bytes = dr.cfg.amp_min_bytes;
	if (a->detect)
		pl_det_run_l7_note(&dr, "analyze", o.l7_pkts, "drop --l7-packets 0");
	err = pl_filter_prog_prepare(&o);
	if (err) {
		rc = err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
		goto out;
	}
	if (pl_require_root("analyze (it runs the BPF program in the kernel)"))
		goto out;
	user_filter = a->expr && pf->linktype != PL_PCAP_LINKTYPE_ETHERNET;
	/* One worker per CPU; a filter reads the frame length from one CPU's slot only. */
	nworkers = pl_runner_cpus(cpus, sizeof(cpus) / sizeof(cpus[0]));
	if (nworkers < 1) {
		pl_warn("no CPU below %d is available to run frames on", PL_OFFLINE_SLOTS);
		goto out;
	}
	/*
	 * A filter reads one CPU's slot: one worker. TCP tracking needs each flow's frames
	 * in order, which the runner keeps on any number of workers (a conversation's
	 * frames go to one worker, in file order: offline_runner.h).
	 */
	if (o.filter)
		nworkers = 1;
	o.offline_cpu = cpus[0];
	/* The expression was checked above: whatever fails now is a runtime failure. */
	err = pl_dp_load(&dp, &o);
	if (err)
		goto out;
	if (o.l7_pkts) {
		svc = pl_svc_new();
		err = svc ? pl_sig_run_restart(a->sigs) : -ENOMEM;
		if (!err)
			err = start_l7(&dp, a->eve, path, &l7, a->sigs, svc, dr.det);
		if (!err && a->eve && !(ends = pl_l7_ends_new()))
			err = -ENOMEM;
		if (err)
			goto out;
	}
	/* A quarter of the table between reads: about 4 entries read per frame at most. */
	period = o.flow_entries / 4 > 4096 ? o.flow_entries / 4 : 4096;
	if (dr.alerts)
		pl_alerts_set_eve(dr.alerts, a->eve);
	dc.step = (__u64)(dr.cfg.tick_s * 1e9);

	err = pl_runner_start(&runner, &dp, cpus, nworkers);
	if (err)
		goto out;
	/* On a terminal: share read, packets/s, time left; then one line of totals. With
	 * several files each line names the one it is about. */
	snprintf(what, sizeof(what), "analyze%s%s", a->several ? " " : "", a->several ? path : "");
	pl_progress_start(&prog, pl_progress_wanted() ? stderr : NULL, what, pf->size, 0.25);
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
		if (dr.det && detect_tick(&dr, &dc, &dp, runner, fr.ts_ns, false))
			goto out;
		if (a->expr && (user_filter || !in_kernel) && !pl_pcap_filter_match(pf))
			continue;
		/* The kernel refuses test runs shorter than an Ethernet header. */
		if (fr.caplen < 14) {
			pl_stats_add_short_frame(&extra, fr.caplen, fr.frame_len);
			continue;
		}
		/*
		 * Nor longer than its linear part plus MAX_SKB_FRAGS pages (-ENOMEM; BIG TCP
		 * frames reach 80 kB). The parsers read headers only and the length on the
		 * wire is passed on its own, so a longer frame runs with its first 64 kB.
		 */
		err = pl_runner_submit(runner,
				       fr.data, fr.caplen > PL_SNAPLEN_MAX ? PL_SNAPLEN_MAX : fr.caplen,
				       fr.wire_len, fr.frame_len, fr.ts_ns, a->expr && !in_kernel);
		if (!err && ends && ++since_read >= period) {
			since_read = 0;
			err = ends_read(runner, &dp, ends, l7);
		}
		if (err) {
			pl_warn("'%s': stopped at frame %llu", path, (unsigned long long)pf->frames);
			goto out;
		}
	}
	read_err = err;
	if (dr.det && seen_ts && detect_tick(&dr, &dc, &dp, runner, max_ts + 1, true))
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
	r.flow_capacity = o.flow_entries;
	r.top = a->top;
	r.l7 = l7;
	r.svc = svc;
	r.alerts = dr.alerts;
	r.alerts_all = true;
	if (dp.tcp.flows >= 0) {
		if (pl_tcp_read(&tv, &dp.tcp, true, max_ts)) {
			pl_warn("cannot read the TCP tables");
			goto out;
		}
		r.tcp = &tv;
		pl_l7_set_tcp(l7, &tv);
	}
	if (a->sigs)
		pl_sig_run_report(&r, a->sigs);
	pl_phs_build(&phs, &total, r.flows, r.nflows, pl_phs_link_name(pf->linktype),
		     l7 ? app_of : NULL, l7);
	pl_report_add_extra(&r, phs_json, phs_text, &phs);
	errno = 0; /* a failed write leaves its reason here; stdio keeps only a flag */
	if (ends && ends_finish(ends, l7, r.flows, r.nflows) < 0)
		pl_warn("cannot write the EVE events to '%s'", a->eve_path);
	if (a->eve == stdout)
		; /* --eve -: the events are the output */
	else if (a->json)
		pl_report_json(stdout, &r, a->pretty);
	else
		report_text(&r, l7, a->top);
	/* A full disk or a closed pipe shows here, not in the sinks. */
	werr = fflush(stdout) || ferror(stdout) ? (errno ? errno : EIO) : 0;
	/* As monitor does, but once: the report holds the evicted count. */
	if (pl_report_evictions(&r))
		pl_warn("%s%s%sthe flow table is full (%u entries): %llu older flows were "
			"evicted; raise --flows to keep more",
			a->several ? "'" : "", a->several ? path : "", a->several ? "': " : "",
			r.flow_capacity, (unsigned long long)pl_report_evictions(&r));
	/* A damaged file still gets its report, but the run is a failure. */
	rc = err < 0 ? PL_EXIT_FAIL : PL_EXIT_OK;
	/* A closed pipe (| head) means the reader had enough: not a failure. */
	if (werr && werr != EPIPE) {
		pl_warn("cannot write the report to standard output: %s", strerror(werr));
		rc = PL_EXIT_FAIL;
	} else if (werr == EPIPE) {
		pl_stop = 1; /* and wants no more reports */
	}
out:
	pl_progress_end(&prog, 0, false);
	pl_runner_finish(runner);
	pl_l7_ends_free(ends);
	pl_l7_session_free(l7);
	pl_det_run_stop(&dr);
	pl_svc_free(svc);
	pl_tcp_view_free(&tv);
	free(r.flows);
	pl_talkers_free(&talk);
	pl_dp_close(&dp);
	pl_pcap_close(pf);
out_file:
	free(pf);
	return rc;
}

/* Names of captures, one a line, from @list ('-': standard input), as tcpdump -V. */
static int read_list(const char *list, char ***paths, size_t *n)
{
	FILE *f = strcmp(list, "-") ? fopen(list, "r") : stdin;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err = 0;

	if (!f) {
		pl_warn("cannot open the list of captures '%s': %s", list, strerror(errno));
		return -errno;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char **grown;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue; /* blank lines, as tcpdump skips them */
		if (strlen(line) != (size_t)len) {
			pl_warn("%s:%zu: a NUL byte in a file name: is '%s' a list of captures?",
				list, lineno, list);
			err = -EINVAL;
			break;
		}
		grown = realloc(*paths, (*n + 1) * sizeof(**paths));
		if (!grown || !(grown[*n] = strdup(line))) {
			if (grown)
				*paths = grown;
			err = -ENOMEM;
			break;
		}
		*paths = grown;
		(*n)++;
	}
	if (!err && ferror(f)) {
		pl_warn("cannot read the list of captures '%s': %s", list, strerror(errno));
		err = -EIO;
	}
	if (!err && !*n) {
		pl_warn("the list of captures '%s' names none", list);
		err = -EINVAL;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

static int add_path(char ***paths, size_t *n, const char *path)
{
	char **grown = realloc(*paths, (*n + 1) * sizeof(**paths));

	if (!grown)
		return -ENOMEM;
	*paths = grown;
	grown[*n] = strdup(path);
	if (!grown[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "addresses", required_argument, NULL, OPT_ADDRS },
		{ "l7-packets", required_argument, NULL, OPT_L7 },
		{ "eve", required_argument, NULL, OPT_EVE },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "rules-lenient", no_argument, NULL, OPT_RULES_LENIENT },
		{ "no-tcp", no_argument, NULL, OPT_NO_TCP },
		{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct an_args a = { .detect = true,
			     .o = { .mode = PL_MODE_OFFLINE, .flows = true, .tcp = true,
				    .filter_linktype = PL_LINKTYPE_ETHERNET,
				    .flow_entries = PL_FLOWS_DEFAULT,
				    .l7_pkts = PL_L7_PKTS_DEFAULT },
			     .top = 10, .json = pl_global_json || pl_global_pretty,
			     .pretty = pl_global_pretty };
	const char *expr_file = NULL, *list = NULL, *rules_path = NULL;
	bool rules_lenient = false;
	char **paths = NULL;
	size_t npaths = 0;
	int c, rc = PL_EXIT_OK, err;

	/* --config FILE: its [analyze] entries go in front of the command line. */
	err = pl_config_args("analyze", "r:V:F:h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	/* No "+": options may also follow the expression, as tcpdump takes them. */
	while ((c = pl_getopt(argc, argv, "analyze", usage, "r:V:F:h", opts, hints)) != -1) {
		switch (c) {
		case 'r':
			if (add_path(&paths, &npaths, optarg)) {
				rc = PL_EXIT_FAIL;
				goto out;
			}
			break;
		case 'V': list = optarg; break;
		case 'F': expr_file = optarg; break;
		case OPT_JSON: a.json = true; break;
		case OPT_PRETTY: a.json = a.pretty = true; break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 1, PL_TOP_MAX, &a.top))
				goto usage;
			break;
		case OPT_FLOWS:
			if (pl_parse_u32("--flows", optarg, 1, PL_FLOWS_MAX, &a.o.flow_entries))
				goto usage;
			break;
		case OPT_ADDRS:
			if (pl_parse_pow2("--addresses", optarg, PL_ADDRS_MIN, PL_ADDRS_MAX,
					  &a.o.addr_entries))
				goto usage;
			break;
		case OPT_L7:
			/* all: every packet of every flow (offline there is no ring to spare) */
			if (!strcmp(optarg, "all"))
				a.o.l7_pkts = UINT32_MAX;
			else if (pl_parse_u32("--l7-packets", optarg, 0, PL_L7_PKTS_MAX,
					      &a.o.l7_pkts))
				goto usage;
			break;
		case OPT_EVE: a.eve_path = optarg; break;
		case OPT_RULES: rules_path = optarg; break;
		case OPT_RULES_LENIENT: rules_lenient = true; break;
		case OPT_NO_TCP: a.o.tcp = false; break;
		case OPT_NO_DETECT: a.detect = false; break;
		case 'h': fputs(usage, stdout); goto out;
		default: goto usage; /* pl_getopt() said why */
		}
	}
	if (list && (err = read_list(list, &paths, &npaths))) {
		rc = err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
		goto out;
	}
	if (!npaths) {
		pl_warn("analyze needs a capture file: -r FILE");
		fputs(usage, stderr);
		goto usage;
	}
	if (pl_get_expr(expr_file, argc, argv, optind, &a.expr)) {
		pl_expr_file_hint(expr_file);
		rc = PL_EXIT_FAIL;
		goto out;
	}
	if (a.eve_path && !a.o.l7_pkts) {
		pl_warn("analyze: --eve needs L7 on: drop --l7-packets 0");
		goto usage;
	}
	if (rules_path && !a.o.l7_pkts) {
		pl_warn("analyze: --rules matches L7's samples: drop --l7-packets 0");
		goto usage;
	}
	if (rules_lenient && !rules_path) {
		pl_warn("analyze: --rules-lenient goes with --rules FILE");
		goto usage;
	}
	if (rules_path) { /* before privileges: a bad rule file is anyone's error */
		struct pl_sigs *rs;

		if (pl_sig_load_cli(rules_path, rules_lenient, &rs)) {
			rc = PL_EXIT_FAIL;
			goto out;
		}
		a.sigs = pl_sig_run_new(rs, NULL);
		if (!a.sigs) {
			pl_warn("out of memory for the signatures");
			rc = PL_EXIT_FAIL;
			goto out;
		}
	}
	if (open_eve(&a)) {
		rc = PL_EXIT_FAIL;
		goto out;
	}
	a.o.detect = a.detect;
	a.several = npaths > 1;
	pl_dp_keep_loaded(a.several);
	/* Every capture gets its report; bad usage (the expression) stops at the first. */
	for (size_t i = 0; i < npaths && !pl_stop; i++) {
		int one = analyze_file(&a, paths[i]);

		if (one == PL_EXIT_USAGE) {
			rc = one;
			break;
		}
		if (one != PL_EXIT_OK)
			rc = one;
	}
	pl_dp_keep_loaded(false);
	if (a.eve && a.eve != stdout && fclose(a.eve)) {
		pl_warn("cannot write the EVE events to '%s'", a.eve_path);
		rc = PL_EXIT_FAIL;
	}
	goto out;
usage:
	rc = PL_EXIT_USAGE;
out:
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	pl_sig_run_free(a.sigs);
	free(a.expr);
	return rc;
}
