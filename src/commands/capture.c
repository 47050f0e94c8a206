// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture.c - `pktlens capture -i IF [-w FILE] [EXPRESSION]`: the filter runs inside
 * the XDP (or TC) program in front of the pipeline, so only matching packets are
 * copied to the ring buffer; user space writes pcap/pcapng or prints one line per
 * packet. Losses in the ring buffer are counted in the kernel and always reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "analysis/stats.h"
#include "commands/capture_file.h"
#include "commands/commands.h"
#include "config/config.h"
#include "filter/cbpf.h"
#include "filter/dump.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "loader/interfaces.h"
#include "loader/promisc.h"
#include "sinks/pcap_writer.h"
#include "sinks/pkt_line.h"
#include "sinks/pkt_out.h"
#include "sinks/progress.h"
#include "sinks/timefmt.h"
#include "sources/ring_reader.h"
#include "util/args.h"
#include "util/log.h"

static const char usage[] =
	"Usage: pktlens capture -i IF [-w FILE|-] [-s SNAPLEN] [-c COUNT] [--pcapng]\n"
	"                       [-C MB] [-W N] [-G S]\n"
	"                       [--duration S] [--mode native|generic|tc] [-B KiB]\n"
	"                       [-#] [-t...] [-e] [-x|-xx|-X|-XX|-A|-AA] [-l] [-U] [-p]\n"
	"                       [-Q in] [-F FILE | EXPRESSION]\n"
	"       pktlens capture -D\n"
	"       pktlens capture -r FILE [-w FILE|-] [-c COUNT] [--pcapng] [-C MB] [-W N]\n"
	"                       [-G S] [-#] [-t...] [-e]\n"
	"                       [-x|-xx|-X|-XX|-A|-AA] [-l] [-U] [-F FILE | EXPRESSION]\n"
	"       pktlens capture -d|-dd|-ddd|--dump-ebpf [-i IF | -r FILE] [-s SNAPLEN]\n"
	"                       [--mode native|generic|tc] [-F FILE | EXPRESSION]\n"
	"Capture incoming packets that match a tcpdump filter expression. The expression is\n"
	"compiled by libpcap and runs inside the kernel: packets that do not match are never\n"
	"copied. With -r, the matching frames of a capture file, as tcpdump -r.\n"
	"\n"
	"  -i, --interface IF   interface to capture on\n"
	"  -r, --read FILE      read frames from a pcap or pcapng FILE ('-': standard\n"
	"                       input) instead; -w keeps the file's link type\n"
	"  -w, --write FILE     write packets to FILE ('-': standard output) instead of\n"
	"                       printing one line per packet\n"
	"  -s, --snaplen N      bytes to keep of each packet (default: the interface MTU\n"
	"                       plus 22 bytes of headers; at most 65535, 0: 65535)\n"
	"  -c, --count N        stop after N packets\n"
	"      --pcapng         write pcapng instead of pcap\n"
	"  -C MB                with -w: a new file once the current one holds more than\n"
	"                       MB million bytes: FILE, FILE1, FILE2, ... (as tcpdump)\n"
	"  -W N                 with -C: a ring of N files, FILE0 to FILE<N-1> (-W 1:\n"
	"                       FILE), reused;\n"
	"                       with -G and no -C: stop after N files\n"
	"  -G S                 with -w: a new file every S seconds, FILE passed through\n"
	"                       strftime(3) (e.g. cap-%H%M%S.pcap)\n"
	"      --duration S     stop after S seconds\n"
	"      --mode MODE      native or generic XDP, or tc (default: native, else generic)\n"
	"  -B, --buffer-size K  ring buffer size in KiB (power of two, default 4096)\n"
	"      --force          replace an XDP program someone else attached\n"
	"  -n                   numeric addresses and ports, as tcpdump -n (always so:\n"
	"                       pktlens resolves no names; -nn works too)\n"
	"  -t, -tt, -ttt, -tttt, -ttttt\n"
	"                       time stamps as tcpdump: none, Unix seconds, since the\n"
	"                       previous packet, date and time, since the first packet\n"
	"  -e                   MAC addresses, EtherTypes and VLAN tags first\n"
	"  -#, --number         each line starts with the packet's number\n"
	"  -x, -xx, -X, -XX     each packet in hex after its link header (-xx: with it;\n"
	"                       -X, -XX: and as ASCII)\n"
	"  -A, -AA              each packet after its link header as text (-AA: with it)\n"
	"  -l                   line-buffered standard output (for | grep)\n"
	"  -U                   write (or print) each packet out at once\n"
	"  -p                   do not put the interface in promiscuous mode\n"
	"  -Q, --direction DIR  in: incoming packets, the only ones pktlens sees\n"
	"  -F FILE              read the filter expression from FILE ('#' starts a\n"
	"                       comment); an expression on the command line is ignored\n"
	"  -d, -dd, -ddd        print the compiled classic program as tcpdump does (readable,\n"
	"                       C array, decimal) and exit: Ethernet, or the link type and\n"
	"                       snap length of -r FILE; -s sets the snap length (default\n"
	"                       and 0: 262144, as tcpdump); needs no privileges\n"
	"      --dump-ebpf      print the eBPF program the kernel runs for the expression\n"
	"                       (-i, or --mode tc: the tc one) and exit; no privileges\n"
	"  -D                   list the interfaces, as tcpdump -D, with native XDP,\n"
	"                       generic XDP only, or not Ethernet (cannot capture)\n"
	"  -v, --verbose        more messages (twice: libbpf's); also before the command\n"
	"  -q, --quiet          only errors; also before the command\n"
	"      --config FILE    options from the [capture] section of FILE (pktlens.conf(5));\n"
	"                       the command line overrides them\n"
	"  -h, --help           this help\n"
	"  EXPRESSION           tcpdump filter (pcap-filter(7)); default: every packet;\n"
	"                       options may follow it, as with tcpdump ('--' ends them)\n";

enum { OPT_PCAPNG = 256, OPT_FORCE, OPT_DURATION, OPT_MODE, OPT_DUMP_EBPF };

/* Letters that were capture's own before they meant tcpdump's: what to type now. */
static const struct pl_opt_hint hints[] = {
	{ 'm', "-m is tcpdump's MIB file; use --mode MODE" },
	{ 0, NULL },
};

struct capture {
	struct pl_pkt_out out;    /* -w FILE, or lines on stdout */
	__s64 to_unix;
	__u64 count, limit;
	__u32 snaplen;
	int err;
	uint8_t frame[PL_SNAPLEN_MAX + 4]; /* a TC frame with its tag put back */
};

static int on_packet(void *ctx, const void *data, size_t size)
{
	struct capture *c = ctx;
	const struct pl_pkt_event *ev = data;
	const uint8_t *frame;
	uint32_t cap_len;

	if (size < sizeof(*ev) || ev->type != PL_EV_PACKET || c->err)
		return 0;
	if (c->limit && c->count >= c->limit)
		return 1; /* stop consuming: -c reached */
	if (ev->cap_len > size - sizeof(*ev))
		return 0;
	frame = (const uint8_t *)(ev + 1);
	cap_len = ev->cap_len;
	if (ev->vlan_present && cap_len >= 12) {
		/* TC: put back the tag the kernel took out, so the file has the wire frame. */
		uint16_t tci = htons(ev->vlan_tci);

		memcpy(c->frame, frame, 12);
		memcpy(c->frame + 12, &ev->vlan_proto, 2);
		memcpy(c->frame + 14, &tci, 2);
		memcpy(c->frame + 16, frame + 12, cap_len - 12);
		cap_len = cap_len + 4 > c->snaplen ? c->snaplen : cap_len + 4;
		frame = c->frame;
	}
	c->err = pl_pkt_out(&c->out, frame, cap_len, ev->wire_len, ev->ts_ns + c->to_unix);
	if (!c->err) /* else it was not written: an error, or -G with -W ended it */
		c->count++;
	return c->err;
}

/*
 * tcpdump's -s: 0 is the largest snap length, which is tcpdump's for -d (what its
 * programs return) and pktlens's own for a capture. @given: -s was on the line.
 */
static int check_snaplen(unsigned int *snaplen, bool given, bool dump)
{
	unsigned int max = dump ? PL_DUMP_SNAPLEN_MAX : PL_SNAPLEN_MAX;

	if (*snaplen > max) {
		if (dump)
			pl_warn("snap length %u for -s is too large: at most %u, tcpdump's "
				"largest (-s 0 means %u)",
				*snaplen, max, max);
		else
			pl_warn("snap length %u for -s is too large: pktlens keeps at most %u "
				"bytes of a packet (-s 0 means %u)",
				*snaplen, max, max);
		return -EINVAL;
	}
	if (given && !*snaplen)
		*snaplen = max;
	return 0;
}

/*
 * Every packet reserves a record of the full snap length: the 8-byte ring header, the
 * event and the snap length, 8-byte aligned. A ring that holds fewer than this many
 * would lose packets as a rule, not under load.
 */
#define RING_MIN_RECORDS 2

static unsigned long long record_bytes(unsigned int snaplen)
{
	return 8 + ((sizeof(struct pl_pkt_event) + snaplen + 7) & ~7ull);
}

/* The smallest -B (a power of two, KiB) that holds RING_MIN_RECORDS records. */
static unsigned long long min_ring_kib(unsigned int snaplen)
{
	unsigned long long k = 4;

	while (k * 1024 < record_bytes(snaplen) * RING_MIN_RECORDS)
		k *= 2;
	return k;
}

static unsigned int default_snaplen(const char *ifname)
{
	unsigned int mtu = pl_if_mtu(ifname);

	if (!mtu)
		mtu = 1500;
	/* Ethernet header and two VLAN tags on top of the MTU. */
	return mtu + 22 > PL_SNAPLEN_MAX ? PL_SNAPLEN_MAX : mtu + 22;
}

/*
 * The ring buffer wakes the reader for the first record after it has caught up: under
 * load, a wakeup (epoll_wait, two context switches) every packet or two, which cost
 * ~2.8 CPU-s per million packets, far more than the writing. So after a batch the
 * reader waits for more records to accumulate (one wakeup per batch): as long as a
 * quarter of the ring takes to fill at the rate of the last batch, at most 5 ms, and
 * not at all below 10000 packets/s (a burst after a quiet spell starts with no wait).
 * @cap: how many records the ring holds; @n records came in @dt seconds. In ns.
 */
static long batch_wait_ns(double cap, int n, double dt)
{
	double rate = dt > 0 ? n / dt : 0, ns;

	if (n <= 0 || rate < 10000)
		return 0;
	ns = cap / 4 / rate * 1e9;
	if (ns < 20000)
		return 0;
	return ns > 5000000 ? 5000000 : (long)ns;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * After the detach a program that started before it may still be running on another
 * CPU, its record reserved (busy) but not submitted: pl_ring_drain() stops there. So
 * drain until nothing is pending and the producer position has not moved for a
 * couple of polls, for at most 100 ms; only then are the counts final.
 */
static void drain_after_detach(struct pl_ring *ring, struct capture *cap)
{
	struct timespec tick = { .tv_nsec = 1000000 };
	double t_end = now_s() + 0.1;
	unsigned long prod, last;
	int quiet = 0;

	pl_ring_backlog(ring, &last);
	for (;;) {
		while (!cap->err && !(cap->limit && cap->count >= cap->limit) &&
		       pl_ring_drain(ring, on_packet, cap) > 0)
			;
		if (cap->err || (cap->limit && cap->count >= cap->limit))
			return;
		quiet = pl_ring_backlog(ring, &prod) == 0 && prod == last ? quiet + 1 : 0;
		last = prod;
		if (quiet >= 2 || now_s() >= t_end)
			return;
		nanosleep(&tick, NULL);
	}
}

/*
 * capture -d/-dd/-ddd and --dump-ebpf: the programs of the expression, printed, as
 * tcpdump -d prints its own; nothing is loaded or opened but -r's file.
 */
static int dump_programs(int level, bool ebpf, const char *ifname, const char *in,
			 unsigned int snaplen, enum pl_mode mode, char *expr)
{
	/* As tcpdump: with -r the file's snap length, -s is not used. */
	struct pl_cbpf_dump_opts d = {
		.expr = expr, .read_path = in, .linktype = PL_LINKTYPE_ETHERNET,
		.snaplen = snaplen ? (int)snaplen : PL_DUMP_SNAPLEN_MAX, .level = level,
	};
	enum pl_filter_hook hook = mode == PL_MODE_TC ? PL_FILTER_TC : PL_FILTER_XDP;
	size_t n_classic, n_ebpf;
	char msg[1024];
	int err = 0;

	/* As tcpdump: the interface's netmask for "ip broadcast" (as pktlens runs it, in
	 * host order); without one, 0 as tcpdump -d. */
	d.netmask = ifname ? pl_filter_netmask(ifname) : 0;
	if (level)
		err = pl_cbpf_dump(&d, msg, sizeof(msg));
	if (!err && ebpf) {
		err = pl_ebpf_dump_live(expr, hook, d.netmask, &n_classic, &n_ebpf, msg,
					sizeof(msg));
		if (!err)
			pl_info("'%s': %zu classic instructions, %zu eBPF instructions (%s)",
				expr ? expr : "", n_classic, n_ebpf,
				hook == PL_FILTER_TC ? "tc" : "XDP");
	}
	if (!err || err == -EPIPE) { /* a reader that went away (| head): an end */
		free(expr);
		return PL_EXIT_OK;
	}
	if (err == -EINVAL) {
		pl_warn("invalid filter expression '%s': %s", expr ? expr : "", msg);
		if (level && expr && !expr[strspn(expr, "0123456789. ")])
			pl_warn("-d prints the compiled filter, as tcpdump's -d; a capture's "
				"duration is --duration S");
		free(expr);
		return PL_EXIT_USAGE;
	}
	if (ebpf && err != -EIO)
		pl_warn("filter '%s' cannot run in the kernel: %s", expr ? expr : "", msg);
	else
		pl_warn("%s", msg);
	free(expr);
	return PL_EXIT_FAIL;
}

/* capture -r FILE: the frames of a capture file that match the expression. */
static int capture_file(const char *in, const char *out, const struct pl_rotate *rot,
			bool pcapng, unsigned int count, bool line_buffered, struct pl_pkt_out *o,
			char *expr)
{
	struct pl_capture_file_opts fo = { .path = in, .write_path = out, .rot = *rot,
					   .pcapng = pcapng, .count = count, .expr = expr };
	int rc;

	if (line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);
	rc = pl_capture_file(&fo, o);
	free(expr);
	return rc;
}

int cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "write", required_argument, NULL, 'w' },
		{ "read", required_argument, NULL, 'r' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "pcapng", no_argument, NULL, OPT_PCAPNG },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "dump-ebpf", no_argument, NULL, OPT_DUMP_EBPF },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "direction", required_argument, NULL, 'Q' },
		{ "number", no_argument, NULL, '#' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* The closing lines need packets matched and copied: parsing would be wasted. */
	struct pl_dp_opts o = { .mode = PL_MODE_AUTO, .flows = false, .count_only = true,
				.filter_linktype = PL_LINKTYPE_ETHERNET };
	unsigned int snaplen = 0, count = 0, bufk = 4096;
	struct capture cap = { .out.text = stdout };
	struct pl_ring *ring = NULL;
	struct pl_rotate rot = {};
	unsigned int size_mb = 0;
	struct pl_stats st = {};
	struct pl_progress got = {};
	struct pl_dp dp = {};
	const char *out = NULL, *in = NULL, *expr_file = NULL;
	bool pcapng = false, line_buffered = false, promisc = true, live_opt = false;
	bool snaplen_given = false, dump_ebpf = false;
	int dump_level = 0;
	double duration = 0, t0, t, t_check, t_batch, ring_cap;
	struct timespec batch_wait = {};
	int c, rc = PL_EXIT_FAIL, err, promisc_fd = -1;
	long n;
	char *expr = NULL;

	/* --config FILE: its [capture] entries go in front of the command line. */
	err = pl_config_args("capture", "i:r:w:s:c:B:C:W:G:F:DdntexXAlUpQ:#h", opts, &argc, &argv);
	if (err)
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	/* No "+": options may also follow the expression, as tcpdump takes them. */
	while ((c = pl_getopt(argc, argv, "capture", usage,
			      "i:r:w:s:c:B:C:W:G:F:DdntexXAlUpQ:#h", opts, hints)) != -1) {
		switch (c) {
		case 'i': o.ifname = optarg; break;
		case 'w': out = optarg; break;
		case 'r': in = optarg; break;
		case 'F': expr_file = optarg; break;
		case 'D': /* as tcpdump -D, and what pktlens can do on each */
			/* A reader that went away (| head) is an end, not a failure. */
			if ((pl_list_interfaces(stdout) || fflush(stdout)) && errno != EPIPE) {
				pl_warn("cannot list the interfaces: %s", strerror(errno));
				return PL_EXIT_FAIL;
			}
			return PL_EXIT_OK;
		case 'C': /* tcpdump's unit: millions of bytes */
			if (pl_parse_u32("-C", optarg, 1, 1000000, &size_mb))
				return PL_EXIT_USAGE;
			rot.size = size_mb * 1000000ull;
			break;
		case 'W':
			if (pl_parse_u32("-W", optarg, 1, 1000000, &rot.files))
				return PL_EXIT_USAGE;
			break;
		case 'G':
			if (pl_parse_u32("-G", optarg, 1, 31 * 86400, &rot.seconds))
				return PL_EXIT_USAGE;
			break;
		case 's':
			if (pl_parse_u32("-s", optarg, 0, 0xffffffffu, &snaplen))
				return PL_EXIT_USAGE;
			snaplen_given = true;
			break;
		case 'd': dump_level++; break; /* tcpdump's -d, -dd, -ddd (and more: -ddd) */
		case OPT_DUMP_EBPF: dump_ebpf = true; break;
		case 'c':
			if (pl_parse_u32("-c", optarg, 1, 0xffffffffu, &count))
				return PL_EXIT_USAGE;
			break;
		case OPT_PCAPNG: pcapng = true; break;
		case OPT_DURATION:
			if (pl_parse_seconds("--duration", optarg, &duration))
				return PL_EXIT_USAGE;
			live_opt = true;
			break;
		case OPT_MODE:
			live_opt = true;
			if (pl_mode_parse(optarg, &o.mode)) {
				pl_warn("invalid --mode '%s': expected native, generic or tc", optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'B':
			live_opt = true;
			if (pl_parse_u32("-B", optarg, 4, 1u << 20, &bufk))
				return PL_EXIT_USAGE;
			if (bufk & (bufk - 1)) {
				pl_warn("invalid value '%s' for -B: the ring buffer size must be a "
					"power of two (KiB), e.g. 4096",
					optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case OPT_FORCE: o.force = live_opt = true; break;
		case 'n': break; /* tcpdump's -n/-nn: pktlens never resolves names */
		case 'l': line_buffered = true; break;
		case 'U': cap.out.each_packet = true; break;
		case 'p': promisc = false; break;
		case 'Q':
			if (strcmp(optarg, "in")) {
				pl_warn("invalid -Q '%s': only incoming packets can be captured "
					"(XDP and tc ingress run on receive); use -Q in or leave "
					"it out",
					optarg);
				return PL_EXIT_USAGE;
			}
			break;
		case 'h': fputs(usage, stdout); return PL_EXIT_OK;
		default:
			if (pl_line_fmt_opt(&cap.out.fmt, c)) /* -#, -t, -e, -x, -X, -A */
				break;
			return PL_EXIT_USAGE; /* pl_getopt() said why */
		}
	}
	if (dump_ebpf && in) {
		pl_warn("--dump-ebpf prints what the kernel runs on a live interface; capture -r "
			"FILE runs libpcap's filter (-d prints it)");
		return PL_EXIT_USAGE;
	}
	if (check_snaplen(&snaplen, snaplen_given, dump_level || dump_ebpf))
		return PL_EXIT_USAGE;
	if ((dump_level || dump_ebpf) && !(o.ifname && in)) {
		if (pl_get_expr(expr_file, argc, argv, optind, &expr))
			return PL_EXIT_FAIL;
		return dump_programs(dump_level, dump_ebpf, o.ifname, in, snaplen, o.mode, expr);
	}
	if (!o.ifname == !in) {
		pl_warn(in ? "-r FILE reads a file and -i IF captures live: give one of them"
			   : "capture needs an interface (-i IF) or a file to read (-r FILE)");
		fputs(usage, stderr);
		return PL_EXIT_USAGE;
	}
	if (in && live_opt) {
		pl_warn("--mode, --duration, -B and --force are for a live capture (-i IF), not "
			"for -r FILE");
		return PL_EXIT_USAGE;
	}
	if (cap.out.fmt.ts > 5) {
		pl_warn("-t given %u times: -t to -ttttt (5) are the time stamp forms",
			cap.out.fmt.ts);
		return PL_EXIT_USAGE;
	}
	if ((rot.size || rot.seconds) && (!out || !strcmp(out, "-"))) {
		pl_warn("-C and -G start new files: they need -w FILE (not standard output)");
		return PL_EXIT_USAGE;
	}
	if (rot.files && !rot.size && !rot.seconds) {
		pl_warn("-W counts the files of -C or -G: give one of them");
		return PL_EXIT_USAGE;
	}
	if (in) {
		if (pl_get_expr(expr_file, argc, argv, optind, &expr))
			return PL_EXIT_FAIL;
		return capture_file(in, out, &rot, pcapng, count, line_buffered, &cap.out, expr);
	}
	if (!snaplen)
		snaplen = default_snaplen(o.ifname);
	if (record_bytes(snaplen) * RING_MIN_RECORDS > bufk * 1024ull) {
		pl_warn("a ring buffer of %u KiB cannot hold %d packets of snap length %u: "
			"give a larger -B (at least %llu) or a smaller -s",
			bufk, RING_MIN_RECORDS, snaplen,
			min_ring_kib(snaplen));
		return PL_EXIT_USAGE;
	}
	if (pl_get_expr(expr_file, argc, argv, optind, &expr))
		return PL_EXIT_FAIL;
	o.filter = expr;
	err = pl_filter_prog_prepare(&o);
	if (err) {
		free(expr);
		return err == -EINVAL ? PL_EXIT_USAGE : PL_EXIT_FAIL;
	}
	if (pl_require_root("capture")) {
		free(expr);
		return PL_EXIT_FAIL;
	}
	pl_signals_install();
	o.snaplen = snaplen;
	o.ringbuf_bytes = bufk * 1024;
	/* With -w - the packets own stdout: messages and counts go to stderr. */
	if (out && !strcmp(out, "-"))
		cap.out.text = stderr;
	if (line_buffered) /* as tcpdump -l: each line reaches a pipe at once */
		setvbuf(stdout, NULL, _IOLBF, 0);
	cap.limit = count;
	cap.snaplen = snaplen;

	/* The expression was checked above: whatever fails now is a runtime failure. */
	if (pl_dp_load(&dp, &o))
		goto out;
	if (pl_ring_open(&ring, dp.events_fd))
		goto out;
	if (pl_dp_attach(&dp, &o))
		goto out;
	if (promisc) { /* as tcpdump: frames for other hosts too, where a NIC filters */
		promisc_fd = pl_promisc_hold(dp.ifindex);
		if (promisc_fd < 0)
			pl_warn("cannot put %s in promiscuous mode: %s%s; capturing what the "
				"interface accepts (-p does so quietly)",
				dp.ifname, strerror(-promisc_fd),
				promisc_fd == -EPERM || promisc_fd == -EACCES ?
					" (it needs CAP_NET_RAW)" : "");
	}
	/* After the attach, as tcpdump: a failed start leaves an existing FILE alone. */
	if (out && pl_pcap_writer_open(&cap.out.w, out, pcapng, PL_LINKTYPE_ETHERNET, snaplen,
					o.ifname, &rot))
		goto out;
	cap.to_unix = pl_time_mono_to_unix();
	fprintf(stderr, "pktlens: capturing on %s in %s mode, snaplen %u%s%s\n", dp.ifname,
		pl_mode_name(dp.mode), snaplen, expr ? ", filter: " : "", expr ? expr : "");
	pl_dp_mode_note(&dp);

	ring_cap = (double)o.ringbuf_bytes / record_bytes(snaplen);
	t0 = t_check = t_batch = now_s();
	rc = PL_EXIT_OK;
	/* tcpdump -w FILE -v on a terminal: "Got N", the packets written, every second. */
	pl_progress_start(&got, out && pl_log_get_level() >= PL_LOG_INFO && pl_progress_wanted() ?
			  stderr : NULL, "capture", 0, 1.0);
	while (!pl_stop && !cap.err && !(count && cap.count >= count)) {
		pl_progress_count(&got, cap.count);
		err = pl_ring_wait(ring, 100);
		if (err < 0) {
			pl_warn("waiting for the ring buffer failed: %s", strerror(-err));
			rc = PL_EXIT_FAIL;
			break;
		}
		n = err ? pl_ring_drain(ring, on_packet, &cap) : 0;
		if (!err && !cap.err) /* idle for a poll interval: let readers see what we have */
			cap.err = pl_pkt_out_flush(&cap.out);
		t = now_s();
		batch_wait.tv_nsec = batch_wait_ns(ring_cap, (int)(n > 0 ? n : 0), t - t_batch);
		t_batch = t;
		if (batch_wait.tv_nsec)
			nanosleep(&batch_wait, NULL);
		if (duration && t - t0 >= duration)
			break;
		/* At most every 100 ms: if_nametoindex() opens and closes a socket. */
		if (t - t_check < 0.1)
			continue;
		t_check = t;
		/* Follow steps of the wall clock (NTP, date -s), as the kernel's stamps do. */
		cap.to_unix = pl_time_mono_to_unix();
		if (!pl_dp_interface_present(&dp)) {
			rc = PL_EXIT_FAIL;
			break;
		}
	}
	pl_progress_end(&got, cap.count, false);
	/* Stop the copies, then drain what is already in the ring. */
	pl_dp_detach(&dp);
	drain_after_detach(ring, &cap);
	pl_stats_read(dp.stats_fd, &st);
	if (cap.err == PL_WRITER_DONE) { /* -G with -W: as tcpdump, an end */
		fprintf(stderr, "pktlens: maximum file limit reached: %u\n", rot.files);
		cap.err = 0;
	}
	/* The reader went away (| head, tcpdump -c): an end, not a failure. */
	if (cap.err && cap.err != -EPIPE) {
		if (!cap.out.w)
			pl_warn("writing to standard output failed: %s", strerror(-cap.err));
		rc = PL_EXIT_FAIL;
	}
	fflush(cap.out.text);
	fprintf(stderr, "%llu packets captured\n", (unsigned long long)cap.count);
	fprintf(stderr, "%llu packets matched in kernel\n", (unsigned long long)st.packets);
	fprintf(stderr, "%llu lost in ring buffer\n", (unsigned long long)st.capture_lost);
out:
	if (promisc_fd >= 0)
		close(promisc_fd);
	pl_ring_close(ring);
	pl_dp_close(&dp);
	err = pl_pcap_writer_close(cap.out.w);
	if (err && err != -EPIPE)
		rc = PL_EXIT_FAIL;
	free(expr);
	return rc;
}
