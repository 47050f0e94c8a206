// SPDX-License-Identifier: BSD-2-Clause
/*
 * protect.c - `pktlens protect -i IF [--rules FILE] [--dry-run] ...`: monitor with
 * mitigation. Runs monitor (every option of it) with the data plane loaded for
 * mitigation and its maps pinned, so that block/unblock/blocked change it while it
 * runs. Here: the rules file (loaded at start, reloaded on SIGHUP: a reload that fails
 * keeps the old rules and says why; monitor then reloads the signatures and [detect]),
 * the host's own addresses and gateways as allow rules, expiry, and the mitigation part
 * of every report. A SIGHUP that comes because the controlling terminal hung up stops
 * protect, as it stops monitor.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/report.h"
#include "commands/block_view.h"
#include "commands/commands.h"
#include "commands/monitor_hooks.h"
#include "config/config.h"
#include "detect/alerts.h"
#include "detect/detect.h"
#include "loader/dataplane.h"
#include "mitigate/host.h"
#include "mitigate/rules.h"
#include "pktlens.skel.h"
#include "rules/sig_run.h"
#include "sinks/json.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens protect -i IF [--rules FILE] [--dry-run] [--mode native|generic|tc]\n"
	"                       [--interval S] [--duration S] [--json|--pretty] [--top N]\n"
	"                       [--flows N] [--addresses N] [--cost-sample PCT] [--force]\n"
	"                       [--config FILE]\n"
	"                       [--signatures FILE] [--eve FILE] [--l7-packets N]\n"
	"                       [--block-ttl S] [--no-auto-block] [--block-gateway]\n"
	"                       [-F FILE | EXPRESSION]\n"
	"Monitor an interface and drop, in XDP, what the rules say: CIDR blocks, port rules,\n"
	"per-source rate limits; allow rules always win; the host's own addresses and its\n"
	"gateways are never blocked. Rules change at run time with pktlens block/unblock;\n"
	"SIGHUP reloads FILE, the signatures and [detect] of --config FILE (a file that\n"
	"fails keeps what was in force); closing its terminal stops it, as monitor.\n"
	"\n"
	"  -i, --interface IF  interface to protect\n"
	"      --rules FILE    rules (pktlens-protect(8)): block CIDR [port N | sport N\n"
	"                      [minlen B]] [proto P] [ttl D] [alert] | allow CIDR |\n"
	"                      rate CIDR PPS [burst N] [aggregate] | blocklist FILE\n"
	"      --dry-run       drop nothing: count what the rules would drop (would_drop)\n"
	"      --signatures FILE  Suricata-style signatures (pktlens-rules(5)) matched\n"
	"                      against L7's samples (L7 goes on: --l7-packets, default 8);\n"
	"                      a drop rule's alert blocks its source, an alert rule's not\n"
	"      --eve FILE      EVE JSON events (alerts, and L7's dns, http, tls, ssh, flow),\n"
	"                      as pktlens monitor (L7 goes on: --l7-packets, default 8)\n"
	"      --l7-packets N  L7 classification as pktlens monitor's; here off (0) unless\n"
	"                      this, --eve or signatures ask for it\n"
	"      --block-ttl S   automatic blocks of the sources detection alerts on (floods,\n"
	"                      scans, invalid flags, tiny or overlapping fragments, listed\n"
	"                      addresses, drop signatures) last S seconds (default 300);\n"
	"                      for UDP amplification: answers from the amplifier ports\n"
	"                      (53, 123, 161, 389, 1900, 11211) of at least [detect]\n"
	"                      amplification-min-bytes; EVE alert.action \"blocked\" (dry\n"
	"                      run: \"would-block\"); never an allowed address, this\n"
	"                      host's or its gateway's\n"
	"      --no-auto-block no automatic blocks (detection still alerts)\n"
	"      --block-gateway the default gateways are not allowed by themselves: rules\n"
	"                      and automatic blocks may cover them (this host's own\n"
	"                      addresses stay allowed)\n"
	"      --mode MODE     native or generic XDP, or tc ingress (default: native,\n"
	"                      falling back to generic)\n"
	"      --interval S, --duration S, --json, --pretty, --top N, --flows N,\n"
	"      --addresses N, --cost-sample PCT, --force, --drops, --no-detect, -F FILE,\n"
	"      EXPRESSION:\n"
	"                      as pktlens monitor; TCP RTT tracking is off here (--no-tcp\n"
	"                      changes nothing)\n"
	"      --config FILE   options from the [protect] section of FILE (pktlens.conf(5):\n"
	"                      monitor's keys, rules, signatures, dry-run, block-ttl,\n"
	"                      no-auto-block, block-gateway); the command line wins\n"
	"  -v, --verbose       more messages; -q, --quiet: only errors\n"
	"  -h, --help          this help\n";

static struct {
	const char *rules_path;
	bool dry_run;
	struct pl_mit m;
	bool have_maps;
	__u32 *file_ids;   /* the rules from FILE in force */
	size_t nfile;
	struct pl_prefix *host;
	size_t nhost;
	struct pl_rule_row *rows;
	size_t nrows;
	struct pl_mit_stats st;
	struct pl_rule_set in_force; /* FILE as parsed when its rules went in */
	volatile sig_atomic_t reload;
	bool hup_ignored;  /* SIGHUP was ignored at start (nohup): a hang-up never stops it */
	bool had_tty;      /* it had a controlling terminal at start */
	/* automatic blocks: rule changes from detection's thread and this one */
	pthread_mutex_t mu;
	bool no_auto;
	bool block_gateway; /* --block-gateway: the gateways are not allow rules */
	__u64 block_ttl;
	__u64 auto_blocks;
	__u32 amp_min;     /* detection's size of an amplified answer (the kernel's) */
	/*
	 * The drop signatures' last decision per source (L7's thread only): a blocked
	 * source's packets are still sampled and matched (the verdict does not stop the
	 * counting), and each decision walks the rule table; repeats within a second reuse it.
	 */
	struct sig_seen {
		__u64 until_ns;
		__u8 family, action;
		__u8 addr[16];
	} sig_seen[256];
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void on_hup(int sig)
{
	(void)sig;
	g.reload = 1;
}

/* Can this process open its controlling terminal (/dev/tty)? A hang-up takes it away. */
static bool have_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Remove the rules from FILE in force. */
static void drop_file_rules(void)
{
	for (size_t i = 0; i < g.nfile; i++)
		pl_rule_del(&g.m, g.file_ids[i]);
	free(g.file_ids);
	g.file_ids = NULL;
	g.nfile = 0;
}

/* Add every rule of @set; on the first failure remove the ones added (nothing half-applied). */
static int add_set(const struct pl_rule_set *set, const char *path)
{
	char err[PL_ERR_LEN];

	g.file_ids = calloc(set->n ? set->n : 1, sizeof(*g.file_ids));
	if (!g.file_ids)
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++) {
		__u32 id;
		int e = pl_rule_add(&g.m, &set->v[i], g.host, g.nhost, &id, err, sizeof(err));

		if (e) {
			pl_warn("%s:%u: %s", path, set->v[i].r.line, err);
			drop_file_rules();
			return e;
		}
		g.file_ids[g.nfile++] = id;
	}
	return 0;
}

/*
 * Load FILE: at start a failure stops protect. On SIGHUP the file's rules are replaced;
 * when the new ones do not all go in, the set in force before (kept parsed, list rules
 * included) goes back in, so the old rules stay (their counters start again).
 */
static int load_rules(bool reload)
{
	struct pl_rule_set set;
	char err[PL_ERR_LEN];
	int e;

	e = pl_rules_load(g.rules_path, &set, err, sizeof(err));
	if (e) {
		pl_warn("%s%s", err, reload ? "; keeping the rules in force" : "");
		return e;
	}
	pthread_mutex_lock(&g.mu);
	pl_mit_lock(&g.m);
	drop_file_rules();
	e = add_set(&set, g.rules_path);
	if (e && reload) {
		int back = add_set(&g.in_force, g.rules_path);

		pl_warn("reloading %s failed: %s", g.rules_path,
			back ? "the rules before it could not all be put back either"
			     : "the rules before it are back in force");
	}
	pl_mit_unlock(&g.m);
	pthread_mutex_unlock(&g.mu);
	if (e) {
		pl_rules_free(&set);
		return e;
	}
	pl_rules_free(&g.in_force);
	g.in_force = set;
	if (reload)
		fprintf(stderr, "pktlens: protect: reloaded %s: %zu rules in force\n",
			g.rules_path, g.nfile);
	else
		pl_info("%s: %zu rules in force", g.rules_path, g.nfile);
	return 0;
}

/* The host's addresses and gateways as allow rules (they also refuse blocks over them). */
static void allow_host(void)
{
	char err[PL_ERR_LEN];

	if (pl_host_addrs_gw(&g.host, &g.nhost, !g.block_gateway)) {
		pl_warn("cannot list this host's addresses: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < g.nhost; i++) {
		struct pl_rule_spec sp = { .r = { .kind = PL_RULE_ALLOW, .family = g.host[i].family,
						  .plen = g.host[i].plen, .origin = PL_ORIGIN_IMPLICIT } };
		__u32 id;

		memcpy(sp.r.addr, g.host[i].addr, 16);
		/* The same address twice (an alias): the first one covers it. */
		pl_rule_add(&g.m, &sp, NULL, 0, &id, err, sizeof(err));
	}
}

static int started(struct pl_dp *dp)
{
	struct sigaction sa = { .sa_handler = on_hup };
	int e;

	e = pl_mit_from_skel(&g.m, dp->skel);
	if (e) {
		pl_warn("cannot set up the mitigation maps: %s", strerror(-e));
		return e;
	}
	snprintf(g.m.dir, sizeof(g.m.dir), "%s", dp->pin_dir);
	g.have_maps = true;
	g.amp_min = dp->skel->rodata->pl_cfg_amp_min;
	pl_mit_set_dry_run(&g.m, g.dry_run);
	allow_host();
	if (g.rules_path && load_rules(false))
		return -EINVAL;
	g.had_tty = !g.hup_ignored && have_tty();
	sigaction(SIGHUP, &sa, NULL);
	fprintf(stderr, "pktlens: protect: %s%s; rules: pktlens blocked -i %s\n",
		g.dry_run ? "dry run, nothing is dropped" : "dropping what the rules say",
		g.rules_path ? "" : " (no --rules: add them with pktlens block)", dp->ifname);
	return 0;
}

static void extra_json(struct pl_json *j, void *arg)
{
	(void)arg;
	pl_blocked_json(j, g.rows, g.nrows, &g.st);
	pl_json_bool(j, "dry_run", g.dry_run);
}

static void extra_text(void (*emit)(void *, const char *), void *emit_arg, void *arg)
{
	char *buf = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)arg;
	if (!f)
		return;
	fprintf(f, "\nmitigation%s: ", g.dry_run ? " (dry run)" : "");
	pl_blocked_text(f, g.rows, g.nrows, &g.st);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		emit(emit_arg, line);
	free(buf);
}

/*
 * Monitor's waits, after a signal: a SIGHUP reloads the rules file (monitor then the
 * signatures and [detect]), unless the terminal protect ran in is gone: that hang-up
 * stops it (detached, a last report), as monitor stops.
 */
static int wake(void)
{
	if (!g.reload)
		return -1;
	g.reload = 0;
	if (g.had_tty && !have_tty()) {
		pl_info("protect: the terminal hung up: stopping");
		pl_stop = 1;
		return -1;
	}
	if (!g.rules_path)
		return 0;
	load_rules(true);
	return 1;
}

static void tick(struct pl_dp *dp, struct pl_report *r)
{
	(void)dp;
	pthread_mutex_lock(&g.mu);
	pl_mit_lock(&g.m);
	pl_rule_expire(&g.m);
	pl_mit_unlock(&g.m);
	free(g.rows);
	g.rows = NULL;
	g.nrows = 0;
	if (pl_rule_list(&g.m, &g.rows, &g.nrows) || pl_mit_stats_read(&g.m, &g.st))
		memset(&g.st, 0, sizeof(g.st));
	pthread_mutex_unlock(&g.mu);
	pl_report_add_extra(r, extra_json, extra_text, NULL);
}

/* The alerts whose source an automatic block stops: one sender, not spoofed or reflected. */
static bool auto_sid(unsigned int sid)
{
	return (sid >= PL_SID_SYN_FLOOD_SRC && sid <= PL_SID_ICMP_FLOOD_SRC) ||
	       (sid >= PL_SID_SCAN_SYN && sid <= PL_SID_SWEEP_ARP) || sid == PL_SID_BAD_FLAGS ||
	       sid == PL_SID_TINY_FRAG || sid == PL_SID_FRAG_OVERLAP || sid == PL_SID_IOC_ADDR;
}

/* Add @sp (an automatic block); 0 when it, or one like it, is in force. */
static int auto_add(struct pl_rule_spec *sp, unsigned int sid)
{
	char err[PL_ERR_LEN] = "";
	__u32 id;
	int e;

	pthread_mutex_lock(&g.mu);
	pl_mit_lock(&g.m);
	e = pl_rule_add(&g.m, sp, g.host, g.nhost, &id, err, sizeof(err));
	pl_mit_unlock(&g.m);
	pthread_mutex_unlock(&g.mu);
	if (e && e != -EEXIST) { /* -EEXIST: a block holds it already */
		pl_info("protect: no automatic block for sid %u: %s", sid, err);
		return e;
	}
	if (!e)
		g.auto_blocks++;
	return 0;
}

/*
 * Reflected answers come from many reflectors' service ports: block, for this family,
 * UDP from each amplifier port in frames of at least detection's size (the host's own
 * queries get short answers; its addresses and gateways are allowed before this).
 */
static enum pl_eve_action block_amp(const struct pl_l7_eve_flow *fl, unsigned int sid)
{
	static const __u16 ports[] = { 53, 123, 161, 389, 1900, 11211 };
	int ok = 0;

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct pl_rule_spec sp = { .r = { .kind = PL_RULE_PORT, .family = fl->family,
						  .proto = 17, .port = htons(ports[i]),
						  .flags = PL_RULE_F_SPORT, .min_len = g.amp_min,
						  .origin = PL_ORIGIN_AUTO, .line = sid },
					   .ttl_s = g.block_ttl };

		snprintf(sp.r.label, sizeof(sp.r.label), "auto: sid %u", sid);
		ok += !auto_add(&sp, sid);
	}
	if (!ok)
		return PL_EVE_ALLOWED;
	return g.dry_run ? PL_EVE_WOULD_BLOCK : PL_EVE_BLOCKED;
}

/* Block the source of @fl for --block-ttl; the alert's action. */
static enum pl_eve_action block_src(const struct pl_l7_eve_flow *fl, unsigned int sid)
{
	struct pl_rule_spec sp = { .r = { .kind = PL_RULE_BLOCK, .family = fl->family,
					  .plen = fl->family == 6 ? 128 : 32,
					  .origin = PL_ORIGIN_AUTO, .line = sid },
				   .ttl_s = g.block_ttl };

	memcpy(sp.r.addr, fl->src, fl->family == 6 ? 16 : 4);
	snprintf(sp.r.label, sizeof(sp.r.label), "auto: sid %u", sid);
	if (auto_add(&sp, sid))
		return PL_EVE_ALLOWED;
	return g.dry_run ? PL_EVE_WOULD_BLOCK : PL_EVE_BLOCKED;
}

/*
 * Detection's thread, for each new attack: block its source for --block-ttl (in a dry
 * run the rule counts what it would drop). pl_rule_add() refuses the host's own
 * addresses, its gateways and anything an allow rule covers: the alert stays "allowed".
 */
static enum pl_eve_action decide(void *arg, const struct pl_l7_eve_flow *fl,
				 const struct pl_eve_alert *a)
{
	(void)arg;
	if (g.no_auto || !g.have_maps)
		return PL_EVE_ALLOWED;
	if (a->sid == PL_SID_UDP_AMP && (fl->family == 4 || fl->family == 6))
		return block_amp(fl, a->sid);
	if (!auto_sid(a->sid))
		return PL_EVE_ALLOWED;
	return block_src(fl, a->sid);
}

/* L7's thread, for each alert of a signature whose action is drop. */
static enum pl_eve_action decide_sig(void *arg, const struct pl_l7_eve_flow *fl,
				     const struct pl_eve_alert *a)
{
	size_t len = fl->family == 6 ? 16 : 4;
	__u32 h = 2166136261u;
	struct sig_seen *e;
	__u64 now = pl_mono_ns();

	(void)arg;
	if (g.no_auto || !g.have_maps)
		return PL_EVE_ALLOWED;
	for (size_t i = 0; i < len; i++)
		h = (h ^ fl->src[i]) * 16777619u;
	e = &g.sig_seen[h % (sizeof(g.sig_seen) / sizeof(g.sig_seen[0]))];
	if (e->until_ns > now && e->family == fl->family && !memcmp(e->addr, fl->src, len))
		return e->action;
	e->action = block_src(fl, a->sid);
	e->family = fl->family;
	memcpy(e->addr, fl->src, len);
	e->until_ns = now + 1000000000ull;
	return e->action;
}

static void on_sigs(struct pl_sig_run *run)
{
	pl_sig_run_set_decide(run, decide_sig, NULL);
}

static void on_alerts(struct pl_alerts *al)
{
	pl_alerts_set_decide(al, decide, NULL);
}

static void stop(void)
{
	free(g.rows);
	free(g.file_ids);
	free(g.host);
	pl_rules_free(&g.in_force);
	if (g.have_maps)
		pl_mit_close(&g.m);
	memset(&g, 0, sizeof(g));
	g.mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
}

int cmd_protect(int argc, char **argv)
{
	static const struct pl_monitor_hooks hooks = { "protect", usage, started, tick, stop,
						       on_alerts, on_sigs, wake };
	struct sigaction hup;
	struct option *opts;
	char **args;
	int n = 0, nmon = 0, rc;

	/* --config FILE: its [protect] entries (monitor's keys and protect's) go first. */
	while (pl_monitor_opts[nmon].name)
		nmon++;
	opts = calloc(nmon + 5, sizeof(*opts));
	if (!opts)
		return PL_EXIT_FAIL;
	memcpy(opts, pl_monitor_opts, nmon * sizeof(*opts)); /* --rules is among them */
	opts[nmon] = (struct option){ "dry-run", no_argument, NULL, 0x1000 };
	opts[nmon + 1] = (struct option){ "no-auto-block", no_argument, NULL, 0x1001 };
	opts[nmon + 2] = (struct option){ "block-ttl", required_argument, NULL, 0x1002 };
	opts[nmon + 3] = (struct option){ "block-gateway", no_argument, NULL, 0x1003 };
	rc = pl_config_args("protect", "i:F:h", opts, &argc, &argv);
	free(opts);
	if (rc)
		return rc == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	args = calloc(argc + 1, sizeof(*args));
	if (!args)
		return PL_EXIT_FAIL;
	/* protect's own options; the rest is monitor's. */
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			g.dry_run = true;
		} else if (!strcmp(argv[i], "--no-auto-block")) {
			g.no_auto = true;
		} else if (!strcmp(argv[i], "--block-gateway")) {
			g.block_gateway = true;
		} else if (!strcmp(argv[i], "--block-ttl") || !strncmp(argv[i], "--block-ttl=", 12)) {
			const char *v = argv[i][11] == '=' ? argv[i] + 12 : i + 1 < argc ? argv[++i] : NULL;
			double ttl;

			if (!v || pl_parse_seconds("--block-ttl", v, &ttl) || ttl < 1) {
				if (v)
					pl_warn("protect: --block-ttl is at least 1 second");
				else
					pl_warn("protect: --block-ttl needs a number of seconds");
				free(args);
				return PL_EXIT_USAGE;
			}
			g.block_ttl = (__u64)ttl;
		} else if (!strcmp(argv[i], "--rules") && i + 1 < argc) {
			g.rules_path = argv[++i];
		} else if (!strncmp(argv[i], "--rules=", 8)) {
			g.rules_path = argv[i] + 8;
		} else if (!strcmp(argv[i], "--rules")) {
			pl_warn("protect: --rules needs a file");
			free(args);
			return PL_EXIT_USAGE;
		} else if (!strcmp(argv[i], "--pin") || !strcmp(argv[i], "--")) {
			if (argv[i][2]) /* --pin: protect always pins */
				continue;
			for (; i < argc; i++)
				args[n++] = argv[i];
		} else {
			args[n++] = argv[i];
		}
	}
	if (g.rules_path) { /* a file that is not there is a usage error, said before loading */
		struct pl_rule_set set;
		char err[PL_ERR_LEN];

		if (pl_rules_load(g.rules_path, &set, err, sizeof(err))) {
			pl_warn("protect: %s", err);
			free(args);
			return PL_EXIT_FAIL;
		}
		pl_rules_free(&set);
	}
	if (!g.block_ttl)
		g.block_ttl = 300;
	/* nohup: a hang-up is not to stop it (SIGHUP still reloads: protect catches it) */
	g.hup_ignored = !sigaction(SIGHUP, NULL, &hup) && hup.sa_handler == SIG_IGN;
	pl_monitor_hooks = &hooks;
	rc = cmd_monitor(n, args);
	pl_monitor_hooks = NULL;
	free(args);
	return rc;
}
