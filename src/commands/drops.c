// SPDX-License-Identifier: BSD-2-Clause
/*
 * drops.c - `pktlens drops`: where and why the kernel drops the packets this host
 * receives, by drop reason (named from the kernel's BTF), interface, port and kernel
 * location, as dropwatch prints them, or one JSON object per interval. The work is in
 * src/drops/; this parses the options and runs the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands/commands.h"
#include "drops/collect.h"
#include "drops/ksyms.h"
#include "drops/reasons.h"
#include "drops/report.h"
#include "drops/xdp.h"
#include "sinks/json.h"
#include "sinks/timefmt.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens drops [-i IF] [--all-netns] [--interval S] [--duration S] [--json|--pretty]\n"
	"                     [--top N]\n"
	"       pktlens drops --reasons\n"
	"       pktlens -j|-p drops ...   (as --json, --pretty)\n"
	"Count the packets the kernel drops after receiving them, by drop reason, interface,\n"
	"protocol/port and kernel function, from the skb:kfree_skb tracepoint.\n"
	"\n"
	"  -i, --interface IF  only drops on IF (else: every interface of this namespace)\n"
	"      --all-netns     every network namespace (interfaces of others by ifindex)\n"
	"      --interval S    seconds between reports (default 1)\n"
	"      --duration S    stop after S seconds (default: until Ctrl-C)\n"
	"      --json          one JSON object per interval (fields: pktlens-drops(8))\n"
	"      --pretty        each JSON object indented over several lines (implies --json)\n"
	"      --top N         rows of each list (default 10; 0: all)\n"
	"      --reasons       list the drop reasons of the running kernel and exit\n"
	"  -v, --verbose       more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet         only errors; also before the command\n"
	"  -h, --help          this help\n";

enum { OPT_ALL_NETNS = 256, OPT_INTERVAL, OPT_DURATION, OPT_JSON, OPT_PRETTY, OPT_TOP,
       OPT_REASONS };

static const struct pl_opt_hint hints[] = {
	{ 'd', "-d is tcpdump's 'dump the compiled filter'; use --duration S" },
	{ 'I', "-I is tcpdump's monitor mode; use --interval S" },
	{ 'j', "-j is tcpdump's time stamp type; use --json (or pktlens -j drops)" },
	{ 'p', "-p is tcpdump's 'no promiscuous mode'; for indented JSON use --pretty" },
	{ 't', "-t is tcpdump's time stamp option; use --top N" },
	{ 0, NULL },
};

struct args {
	struct pl_drops_opts o;
	double interval, duration;
	unsigned int top;
	bool json, pretty, reasons;
};

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "all-netns", no_argument, NULL, OPT_ALL_NETNS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "reasons", no_argument, NULL, OPT_REASONS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = pl_getopt(argc, argv, "drops", usage, "+i:h", opts, hints)) != -1) {
		switch (c) {
		case 'i': a->o.ifname = optarg; break;
		case OPT_ALL_NETNS: a->o.all_netns = true; break;
		case OPT_INTERVAL:
			if (pl_parse_seconds("--interval", optarg, &a->interval))
				return PL_EXIT_USAGE;
			break;
		case OPT_DURATION:
			if (pl_parse_seconds("--duration", optarg, &a->duration))
				return PL_EXIT_USAGE;
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_PRETTY: a->json = a->pretty = true; break;
		case OPT_TOP:
			if (pl_parse_u32("--top", optarg, 0, 100000, &a->top))
				return PL_EXIT_USAGE;
			break;
		case OPT_REASONS: a->reasons = true; break;
		case 'h': fputs(usage, stdout); return -1;
		default: return PL_EXIT_USAGE; /* pl_getopt() said why */
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pktlens: drops: unexpected argument '%s' (drops takes no filter "
				"expression)\n%sTry 'pktlens drops --help' for more.\n",
			argv[optind], usage);
		return PL_EXIT_USAGE;
	}
	if (a->o.ifname && a->o.all_netns) {
		fprintf(stderr, "pktlens: drops: -i names an interface of this namespace; "
				"--all-netns counts every namespace: give one of them\n");
		return PL_EXIT_USAGE;
	}
	return 0;
}

static int list_reasons(const struct pl_drop_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		printf("%u %s\n", n->r[i].value, n->r[i].name);
	return fflush(stdout) || ferror(stdout) ? PL_EXIT_FAIL : PL_EXIT_OK;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (time_t)s) * 1e9);
	nanosleep(&ts, NULL); /* a signal cuts it short: pl_stop is then set */
}

/* One report; 0 or -errno when standard output failed. */
static int show(const struct args *a, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
		double interval_s, double elapsed_s, bool final)
{
	char clock[40];
	struct pl_json j;

	errno = 0;
	if (a->json) {
		pl_json_init(&j, stdout, a->pretty);
		pl_json_begin_obj(&j, NULL);
		pl_json_str(&j, "timestamp", pl_time_iso(pl_time_now_ns(), clock, sizeof(clock)));
		pl_json_double(&j, "interval_s", interval_s);
		pl_json_double(&j, "elapsed_s", elapsed_s);
		pl_json_bool(&j, "final", final);
		pl_drops_json(&j, c, v);
		pl_json_end_obj(&j);
		pl_json_finish(&j);
	} else {
		time_t t = time(NULL);
		struct tm tm;

		strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&t, &tm));
		pl_drops_text_interval(stdout, c, v, clock);
		if (final) {
			fputs("\n", stdout);
			pl_drops_text_summary(stdout, c, v, elapsed_s);
		}
	}
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? -errno : -EIO;
}

/* Report every interval until --duration, a signal or a write error. */
static int run(const struct args *a, struct pl_drops *d, const struct pl_drops_ctx *c,
	       struct pl_xdp_verdicts *xdp)
{
	struct pl_drops_snap prev = {}, cur = {};
	__u64 t0 = mono_ns(), tp = t0, now;
	bool have_prev = false, final = false;
	int rc = PL_EXIT_OK, err;

	while (!final) {
		struct pl_drops_view v;
		double left = a->duration ? a->duration - (mono_ns() - t0) / 1e9 : a->interval;

		sleep_s(left < a->interval ? left : a->interval);
		now = mono_ns();
		final = pl_stop || (a->duration && (now - t0) / 1e9 >= a->duration - 1e-3);
		pl_xdp_verdicts_update(xdp);
		if (pl_drops_read(d, &cur) || pl_drops_view(have_prev ? &prev : NULL, &cur, &v)) {
			pl_drops_snap_free(&cur);
			rc = PL_EXIT_FAIL;
			break;
		}
		err = show(a, c, &v, (now - tp) / 1e9, (now - t0) / 1e9, final);
		pl_drops_view_free(&v);
		pl_drops_snap_free(&prev);
		prev = cur;
		have_prev = true;
		tp = now;
		if (err) {
			if (err != -EPIPE) {
				pl_warn("writing the report to standard output failed: %s",
					strerror(-err));
				rc = PL_EXIT_FAIL;
			}
			break;
		}
	}
	pl_drops_snap_free(&prev);
	return rc;
}

int cmd_drops(int argc, char **argv)
{
	struct args a = { .interval = 1, .top = 10, .json = pl_global_json || pl_global_pretty,
			  .pretty = pl_global_pretty };
	struct pl_drop_names names;
	struct pl_drops_ctx ctx = {};
	struct pl_xdp_verdicts xdp;
	struct pl_drops d = {};
	struct pl_ksyms *ksyms;
	int rc;

	rc = parse(argc, argv, &a);
	if (rc)
		return rc < 0 ? PL_EXIT_OK : rc;
	if (pl_drop_names_load(&names)) {
		pl_drop_names_free(&names);
		return PL_EXIT_FAIL;
	}
	if (a.reasons) {
		rc = list_reasons(&names);
		pl_drop_names_free(&names);
		return rc;
	}
	if (pl_require_root("drops (it loads a BPF tracing program)")) {
		pl_drop_names_free(&names);
		return PL_EXIT_FAIL;
	}
	pl_signals_install();
	if (pl_drops_open(&d, &a.o, &names)) {
		pl_drop_names_free(&names);
		return PL_EXIT_FAIL;
	}
	ctx.names = &names;
	ksyms = pl_ksyms_load();
	ctx.ksyms = ksyms;
	ctx.own_netns = d.netns;
	ctx.top = a.top;
	ctx.ifname = d.ifindex ? d.ifname : NULL;
	if (!ctx.ksyms)
		pl_info("/proc/kallsyms is not readable: drop locations are shown as addresses");
	fprintf(stderr, "pktlens: counting drops of received packets on %s (%s/kfree_skb)%s\n",
		d.ifindex ? d.ifname : d.all_netns ? "every interface of every namespace" :
						   "every interface",
		d.hook, a.json ? "" : "; Ctrl-C for the summary");
	pl_xdp_verdicts_start(&xdp, d.ifindex);
	ctx.xdp = &xdp;
	rc = run(&a, &d, &ctx, &xdp);
	pl_xdp_verdicts_stop(&xdp);
	pl_drops_close(&d);
	pl_ksyms_free(ksyms);
	pl_drop_names_free(&names);
	return rc;
}
