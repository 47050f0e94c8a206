// SPDX-License-Identifier: BSD-2-Clause
/*
 * difftest.c - differential test of the classic BPF -> eBPF translator.
 *
 * For every filter expression (tests/filter/expressions.txt) and every packet (the
 * captures chosen below, plus a deterministic set of generated frames of Ethernet and
 * of every link type an "@NAME" expression is for, see gen_pkts.c), the verdict
 * of libpcap's own interpreter, pcap_offline_filter(), is compared with the verdict of
 * the translated program loaded as XDP in verdict mode and run with
 * BPF_PROG_TEST_RUN (data = the captured bytes, wire length = hdr.len through a
 * one-entry array map, PL_WIRELEN_MAP). Both sides run the very same classic program
 * (pl_filter_compile() output), compiled once per (expression, link type).
 *
 * Frames larger than one page: the programs are loaded with BPF_F_XDP_HAS_FRAGS, so
 * the test run puts the bytes past ~3.5 KB into fragments; the translated loads read
 * those with bpf_xdp_load_bytes() (see packet_loads.c), so such frames are compared too.
 * Skipped and counted: frames shorter than the 14 bytes an XDP test run accepts,
 * frames longer than 64 KiB (bpf_xdp_load_bytes() refuses offsets > 0xffff, so XDP
 * cannot see their tail: a documented limitation of the XDP hook), frames the test
 * run refuses (should not happen below 64 KiB), link types for which pcap_compile()
 * rejects the expression, captures libpcap cannot open.
 *
 * Captures: *.pcap / *.pcapng / *.cap under the paths on the command line,
 * recursively; without paths the corpus $CORPUS (else ../shared/corpus): in the fast
 * tier its fixed sample (tests/corpus/sample.txt, -S LIST: paths relative to the corpus,
 * every link type of it; a listed capture that is missing fails the run), with
 * PL_TEST_FULL=1 or --full all of it; -G: none, the generated frames only.
 *
 * Each expression is one test: it fails on any mismatch, or when the translator or
 * the verifier rejects its program (on any link type), or when libpcap cannot compile
 * it for Ethernet (for the link type NAME of a line "@NAME expression", e.g.
 * "@IEEE802_11_RADIO wlan type mgt"), or when no frame of that link type was compared,
 * or when libpcap matched none of them (an expression that matches nothing cannot tell
 * a right translation from one that never matches). A line "!never expression" is one
 * that can match no frame: it fails when libpcap matched any, or when its classic
 * program has a path to a match that avoids every load at a constant offset >= 2^31.
 * Closing line "N passed, N failed"; exit status 1 on failure.
 *
 * The generated frames (all of them with -T) are also run through the TC (SCHED_CLS)
 * translation of the same program, up to 3600 bytes (what an skb test run takes).
 *
 * -P runs the production configuration instead, the one capture and monitor load
 * (src/loader/filter_prog.c): the wire length from the hook (PL_WIRELEN_BUFF: XDP
 * bpf_xdp_get_buff_len(), TC skb->len) and, on a match, a tail call through a
 * BPF_MAP_TYPE_PROG_ARRAY into the next program (here a target that returns XDP_TX /
 * TC_ACT_REDIRECT; no match is XDP_PASS / TC_ACT_UNSPEC). libpcap then gets the captured
 * length as the wire length, which is what the hook sees. `make test` runs both
 * (tests/filter/difftest_prod.sh is difftest -P, on the generated frames only unless
 * PL_TEST_FULL=1).
 *
 * Usage: difftest [-e EXPRFILE] [-E EXPR] [-j THREADS] [-n NGEN] [-w PREFIX] [-d]
 *                 [-v] [-T] [-C] [-P] [-F|--full] [-G] [-S LIST] [DIR|FILE...]
 *   -C translates with PL_FILTER_F_CALL_LOADS (the large-program load mode) throughout.
 *   -P production configuration (see above).
 *   -F, -G, -S: which captures (see above).
 *   -E runs just EXPR; -d prints the classic program of each expression (Ethernet);
 *   -n: NGEN generated Ethernet frames (default 6000), NGEN / 16 of each other link type;
 *   -w writes the generated frames to PREFIX-LINKTYPE.pcap, one file per link type.
 */
#define _GNU_SOURCE
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "filter/cbpf.h"
#include "tail_target.h"

#include <bpf/bpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

typedef void (*gen_pkt_fn)(void *ud, int linktype, const uint8_t *data, uint32_t caplen,
			   uint32_t len);
void gen_pkts(unsigned int count, gen_pkt_fn fn, void *ud);

#define SNAPLEN 262144
#define XDP_MIN_FRAME 14
#define XDP_MAX_OFFSET 0xffff /* bpf_xdp_load_bytes() refuses offsets above */
#define MAX_REPORTED_MISMATCHES 20
#define WIRELEN_OFF 8 /* a non-zero offset in the map value, like a .bss variable */

struct pkt {
	size_t off;      /* in the data arena */
	uint32_t caplen, len;
	uint32_t file;   /* index in files[] */
	uint32_t index;  /* packet number in its file, from 1 */
	atomic_int refused; /* test run refused it (errno), 0 if not */
	atomic_int tc_refused; /* the skb test run refused it */
};

struct group {
	int linktype;
	struct pkt *p;
	size_t n, cap;
};

static uint8_t *arena;
static size_t arena_n, arena_cap;
static char **files;
static size_t nfiles, files_cap;
static struct group *groups;
static size_t ngroups;

static char **exprs;
static int *expr_home; /* link type the expression must compile for (@NAME prefix) */
static bool *expr_never; /* "!never": can match no frame (asserted, see run_expr) */
static size_t nexprs;

static bool verbose, dump_classic, tc_all;
static __u32 filter_flags; /* -C: PL_FILTER_F_CALL_LOADS */
static bool prod; /* -P: PL_WIRELEN_BUFF and the tail-call epilogue, as filter_prog.c */
static int tail_map[2] = { -1, -1 }; /* -P: prog arrays, by enum pl_filter_hook */
static uint32_t gen_file = UINT32_MAX;
#define TC_MAX_FRAME 3600 /* an skb test run takes a bit less than a page */
static size_t files_unopened, files_read_errors, pkts_total, pkts_short, pkts_long;

/* results */
struct expr_result {
	size_t pairs, matched, skipped_compile, skipped_refused, tc_pairs, tc_refused;
	size_t home_pairs, home_matched; /* frames of its own link type: pairs, libpcap matches */
	bool never_proved;  /* !never: no path to a match avoids a load beyond any packet */
	size_t skipped_unsupported; /* translator EOPNOTSUPP off the home link type */
	size_t mismatches;
	bool failed;
	char reason[512];
};
static struct expr_result *results;
static atomic_size_t next_expr;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t mismatches_reported;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fprintf(stderr, "difftest: out of memory\n");
		exit(2);
	}
	return q;
}

static struct group *group_for(int linktype)
{
	for (size_t i = 0; i < ngroups; i++)
		if (groups[i].linktype == linktype)
			return &groups[i];
	groups = xrealloc(groups, (ngroups + 1) * sizeof(*groups));
	memset(&groups[ngroups], 0, sizeof(groups[0]));
	groups[ngroups].linktype = linktype;
	return &groups[ngroups++];
}

static uint32_t add_file(const char *name)
{
	if (nfiles == files_cap) {
		files_cap = files_cap ? files_cap * 2 : 256;
		files = xrealloc(files, files_cap * sizeof(*files));
	}
	files[nfiles] = strdup(name);
	return (uint32_t)nfiles++;
}

static void add_pkt(int linktype, uint32_t file, uint32_t index, const uint8_t *data,
		    uint32_t caplen, uint32_t len)
{
	struct group *g;
	struct pkt *p;

	pkts_total++;
	if (caplen < XDP_MIN_FRAME) {
		pkts_short++;
		return;
	}
	if (caplen > XDP_MAX_OFFSET + 1) {
		pkts_long++;
		return;
	}
	g = group_for(linktype);
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 1024;
		g->p = xrealloc(g->p, g->cap * sizeof(*g->p));
	}
	while (arena_n + caplen > arena_cap) {
		arena_cap = arena_cap ? arena_cap * 2 : (64u << 20);
		arena = xrealloc(arena, arena_cap);
	}
	memcpy(arena + arena_n, data, caplen);
	p = &g->p[g->n++];
	p->off = arena_n;
	p->caplen = caplen;
	p->len = len;
	p->file = file;
	p->index = index;
	atomic_init(&p->refused, 0);
	atomic_init(&p->tc_refused, 0);
	arena_n += caplen;
}

/* ---- captures ---- */

static bool capture_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (!strcasecmp(dot, ".pcap") || !strcasecmp(dot, ".pcapng") ||
		       !strcasecmp(dot, ".cap"));
}

static char **paths;
static size_t npaths, paths_cap;

static void collect(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "difftest: %s: %s\n", path, strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		if (npaths == paths_cap) {
			paths_cap = paths_cap ? paths_cap * 2 : 1024;
			paths = xrealloc(paths, paths_cap * sizeof(*paths));
		}
		paths[npaths++] = strdup(path);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *sub;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			exit(2);
		if (stat(sub, &st) == 0 && (S_ISDIR(st.st_mode) || capture_name(de->d_name)))
			collect(sub);
		free(sub);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t fi, idx = 0;
	pcap_t *p;
	int lt, rc;

	p = pcap_open_offline(path, errbuf);
	if (!p) {
		files_unopened++;
		if (verbose)
			printf("note: cannot open %s: %s\n", path, errbuf);
		return;
	}
	lt = pcap_datalink(p);
	fi = add_file(path);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		add_pkt(lt, fi, ++idx, data, h->caplen, h->len);
	if (rc == PCAP_ERROR) {
		files_read_errors++;
		if (verbose)
			printf("note: %s: read error after %u packets: %s\n", path, idx,
			       pcap_geterr(p));
	}
	pcap_close(p);
}

#define GEN_LINKTYPES 16

struct gen_ctx {
	uint32_t file;
	uint32_t idx;
	const char *prefix;  /* -w: PREFIX-LINKTYPE.pcap per link type */
	int lt[GEN_LINKTYPES];
	pcap_t *dead[GEN_LINKTYPES];
	pcap_dumper_t *dump[GEN_LINKTYPES];
	size_t nlt;
};

static pcap_dumper_t *gen_dumper(struct gen_ctx *c, int linktype)
{
	char *path;
	size_t i;

	for (i = 0; i < c->nlt; i++)
		if (c->lt[i] == linktype)
			return c->dump[i];
	if (c->nlt == GEN_LINKTYPES) {
		fprintf(stderr, "difftest: more than %d generated link types\n", GEN_LINKTYPES);
		exit(2);
	}
	if (asprintf(&path, "%s-%s.pcap", c->prefix, pcap_datalink_val_to_name(linktype)) < 0)
		exit(2);
	c->lt[i] = linktype;
	c->dead[i] = pcap_open_dead(linktype, SNAPLEN);
	c->dump[i] = c->dead[i] ? pcap_dump_open(c->dead[i], path) : NULL;
	if (!c->dump[i]) {
		fprintf(stderr, "difftest: cannot write %s\n", path);
		exit(2);
	}
	printf("difftest: writing the generated %s frames to %s\n",
	       pcap_datalink_val_to_name(linktype), path);
	free(path);
	c->nlt++;
	return c->dump[i];
}

static void gen_cb(void *ud, int linktype, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	struct gen_ctx *c = ud;

	if (c->prefix) {
		struct pcap_pkthdr h = { .caplen = caplen, .len = len };

		h.ts.tv_sec = c->idx;
		pcap_dump((u_char *)gen_dumper(c, linktype), &h, data);
	}
	add_pkt(linktype, c->file, ++c->idx, data, caplen, len);
}

static void gen_close(struct gen_ctx *c)
{
	for (size_t i = 0; i < c->nlt; i++) {
		pcap_dump_close(c->dump[i]);
		pcap_close(c->dead[i]);
	}
}

/*
 * The fast tier's sample: capture paths relative to the corpus, one a line ('#'
 * comments). A listed capture that is missing is an error: the sample is meant to cover
 * every link type, and a silently shorter one would not.
 */
static size_t load_sample(const char *list, const char *corpus)
{
	FILE *f = fopen(list, "r");
	char *line = NULL, *path;
	size_t cap = 0, missing = 0;
	struct stat st;
	ssize_t n;

	if (!f) {
		fprintf(stderr, "difftest: sample list %s: %s\n", list, strerror(errno));
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (asprintf(&path, "%s/%s", corpus, line) < 0)
			exit(2);
		if (stat(path, &st) < 0) {
			printf("sample: %s: %s\n", path, strerror(errno));
			missing++;
		} else {
			collect(path);
		}
		free(path);
	}
	free(line);
	fclose(f);
	return missing;
}

/* ---- expressions ---- */

static void load_exprs(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f) {
		fprintf(stderr, "difftest: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (getline(&line, &cap, f) > 0) {
		char *s = line, *e, *hash = strchr(line, '#');

		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		exprs = xrealloc(exprs, (nexprs + 1) * sizeof(*exprs));
		expr_home = xrealloc(expr_home, (nexprs + 1) * sizeof(*expr_home));
		expr_never = xrealloc(expr_never, (nexprs + 1) * sizeof(*expr_never));
		expr_home[nexprs] = DLT_EN10MB;
		expr_never[nexprs] = false;
		if (!strncmp(s, "!never", 6) && isspace((unsigned char)s[6])) {
			expr_never[nexprs] = true;
			for (s += 6; isspace((unsigned char)*s); s++)
				;
		}
		if (*s == '@') { /* "@LINKTYPE_NAME expression" */
			char *sp = strpbrk(s, " \t");
			int lt;

			if (!sp) {
				fprintf(stderr, "difftest: %s: bad line %s\n", path, s);
				exit(2);
			}
			*sp = '\0';
			lt = pcap_datalink_name_to_val(s + 1);
			if (lt < 0) {
				fprintf(stderr, "difftest: %s: unknown link type %s\n", path, s + 1);
				exit(2);
			}
			expr_home[nexprs] = lt;
			for (s = sp + 1; isspace((unsigned char)*s); s++)
				;
		}
		exprs[nexprs++] = strdup(s);
	}
	free(line);
	fclose(f);
}

/* ---- the comparison ---- */

/*
 * For "!never" expressions: true when every path from the first instruction to a
 * return that can match (ret #k with k != 0, or ret a) passes a packet load at a
 * constant offset >= 2^31, which libpcap's interpreter (and the translation) end with
 * no match on any frame. Backward jumps (protochain) are not followed: false.
 */
static bool never_matches(const struct sock_fprog *f)
{
	bool *open_path = calloc(f->len + 1u, sizeof(*open_path)); /* a match reachable from i */
	bool ret;

	if (!open_path)
		exit(2);
	for (size_t i = f->len; i-- > 0;) {
		const struct sock_filter *in = &f->filter[i];
		size_t t = i + 1 + in->jt, e = i + 1 + in->jf, n = i + 1;

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			open_path[i] = BPF_RVAL(in->code) == BPF_A || in->k != 0;
			continue;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA) {
				if ((__s32)in->k < 0 || i + 1 + (size_t)in->k >= f->len) {
					free(open_path);
					return false;
				}
				open_path[i] = open_path[i + 1 + in->k];
			} else {
				open_path[i] = (t < f->len && open_path[t]) || (e < f->len && open_path[e]);
			}
			continue;
		case BPF_LD:
		case BPF_LDX:
			if ((BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND ||
			     BPF_MODE(in->code) == BPF_MSH) && in->k >= 0x80000000u) {
				open_path[i] = false;
				continue;
			}
			break;
		default:
			break;
		}
		open_path[i] = n < f->len && open_path[n];
	}
	ret = !open_path[0];
	free(open_path);
	return ret;
}

struct worker {
	pthread_t th;
	int mapfd;
	volatile uint32_t *wirelen; /* in the mmap()ed map value */
	size_t pairs;
};

static void fail(struct expr_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct expr_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static const char *last_line(char *log)
{
	size_t n = strlen(log);

	while (n && log[n - 1] == '\n')
		log[--n] = '\0';
	while (n && log[n - 1] != '\n')
		n--;
	return log + n;
}

static void report_mismatch(struct expr_result *r, const char *expr, const struct pkt *p,
			    const char *ltname, const char *hook, bool ref, bool ours)
{
	r->mismatches++;
	fail(r, "mismatch(es)");
	pthread_mutex_lock(&report_lock);
	if (mismatches_reported++ < MAX_REPORTED_MISMATCHES)
		printf("MISMATCH expr \"%s\" file %s packet #%u (%s, caplen %u len %u, %s): libpcap %d, eBPF %d\n",
		       expr, files[p->file], p->index, ltname, p->caplen, p->len, hook, ref, ours);
	pthread_mutex_unlock(&report_lock);
}

/* The translation options of a test run: verdict mode, or with -P as production. */
static void filter_opts(const struct worker *w, enum pl_filter_hook hook, struct pl_filter_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hook = hook;
	o->wirelen = prod ? PL_WIRELEN_BUFF : PL_WIRELEN_MAP;
	o->wirelen_map_fd = w->mapfd;
	o->wirelen_off = WIRELEN_OFF;
	o->tail_map_fd = prod ? tail_map[hook] : -1;
	o->tail_index = 0;
	o->flags = filter_flags;
}

/* 1 match, 0 no match, -1 a return value the epilogue never gives. */
static int verdict(enum pl_filter_hook hook, __u32 retval)
{
	__u32 match, miss;

	if (hook == PL_FILTER_XDP) {
		match = prod ? TAIL_MATCH_XDP : XDP_PASS;
		miss = prod ? XDP_PASS : XDP_DROP;
	} else {
		match = prod ? TAIL_MATCH_TC : TC_ACT_OK;
		miss = prod ? TC_ACT_UNSPEC : TC_ACT_SHOT;
	}
	return retval == match ? 1 : retval == miss ? 0 : -1;
}

/* The TC program of the same classic code, or -1 (the failure recorded). */
static int load_tc(struct worker *w, struct expr_result *r, const struct sock_fprog *f,
		   const char *ltname, char *log, size_t loglen)
{
	struct pl_filter_opts o;
	struct bpf_insn *insns;
	char err[512];
	size_t cnt;
	int rc, fd;

	filter_opts(w, PL_FILTER_TC, &o);
	rc = pl_filter_translate(f, &o, &insns, &cnt, err, sizeof(err));
	if (rc) {
		fail(r, "translate (%s, tc): %s: %s", ltname, strerror(-rc), err);
		return -1;
	}
	fd = pl_filter_load(insns, cnt, PL_FILTER_TC, 0, log, loglen);
	free(insns);
	if (fd < 0) {
		fail(r, "verifier (%s, tc, %zu insns): %s: %s", ltname, cnt, strerror(-fd),
		     last_line(log));
		return -1;
	}
	return fd;
}

static void run_expr(struct worker *w, size_t ei)
{
	static __thread char log[1 << 16];
	struct expr_result *r = &results[ei];
	const char *expr = exprs[ei];
	char err[512];
	bool home_seen = false;

	for (size_t gi = 0; gi < ngroups; gi++)
		home_seen |= groups[gi].linktype == expr_home[ei];
	if (!home_seen) {
		/* no packets of that link type: still compile, translate and load it */
		struct pl_filter_opts o;
		const char *ltname = pcap_datalink_val_to_name(expr_home[ei]);
		struct sock_fprog f;
		struct bpf_insn *insns;
		size_t cnt;
		int rc, fd;

		filter_opts(w, PL_FILTER_XDP, &o);
		rc = pl_filter_compile(expr, expr_home[ei], SNAPLEN, PL_FILTER_NETMASK_UNKNOWN, &f,
				       err, sizeof(err));
		if (rc) {
			fail(r, "pcap_compile (%s): %s", ltname, err);
		} else {
			if (expr_never[ei])
				r->never_proved = never_matches(&f);
			rc = pl_filter_translate(&f, &o, &insns, &cnt, err, sizeof(err));
			if (rc) {
				fail(r, "translate (%s): %s: %s", ltname, strerror(-rc), err);
			} else {
				fd = pl_filter_load(insns, cnt, PL_FILTER_XDP, BPF_F_XDP_HAS_FRAGS, log,
						    sizeof(log));
				if (fd < 0)
					fail(r, "verifier (%s): %s: %s", ltname, strerror(-fd), last_line(log));
				else
					close(fd);
				free(insns);
			}
			pl_filter_free(&f);
		}
	}

	for (size_t gi = 0; gi < ngroups; gi++) {
		struct group *g = &groups[gi];
		const char *ltname = pcap_datalink_val_to_name(g->linktype);
		struct pl_filter_opts o;
		struct sock_fprog f;
		struct pcap_bpf_program pp;
		struct bpf_insn *insns;
		size_t cnt;
		int rc, fd, tcfd = -1;

		if (!ltname)
			ltname = "?";
		filter_opts(w, PL_FILTER_XDP, &o);
		rc = pl_filter_compile(expr, g->linktype, SNAPLEN, PL_FILTER_NETMASK_UNKNOWN, &f, err,
				       sizeof(err));
		if (rc) {
			if (g->linktype == expr_home[ei])
				fail(r, "pcap_compile (%s): %s", ltname, err);
			r->skipped_compile += g->n;
			continue;
		}
		if (expr_never[ei] && g->linktype == expr_home[ei])
			r->never_proved = never_matches(&f);
		if (dump_classic && g->linktype == expr_home[ei]) {
			pthread_mutex_lock(&report_lock);
			printf("--- %s (%u classic instructions)\n", expr, f.len);
			for (unsigned int i = 0; i < f.len; i++)
				printf("  %s\n", bpf_image((struct pcap_bpf_insn *)&f.filter[i], (int)i));
			pthread_mutex_unlock(&report_lock);
		}
		rc = pl_filter_translate(&f, &o, &insns, &cnt, err, sizeof(err));
		if (rc) {
			/*
			 * libpcap emits Linux ancillary loads for a few primitives on some link
			 * types ("inbound" outside LINUX_SLL*): rejecting those is the contract,
			 * except on the expression's own link type.
			 */
			if (rc != -EOPNOTSUPP || g->linktype == expr_home[ei])
				fail(r, "translate (%s): %s: %s", ltname, strerror(-rc), err);
			else
				r->skipped_unsupported += g->n;
			r->skipped_compile += rc == -EOPNOTSUPP ? 0 : g->n;
			pl_filter_free(&f);
			continue;
		}
		fd = pl_filter_load(insns, cnt, PL_FILTER_XDP, BPF_F_XDP_HAS_FRAGS, log, sizeof(log));
		free(insns);
		if (fd < 0) {
			fail(r, "verifier (%s, %zu insns): %s: %s", ltname, cnt, strerror(-fd),
			     last_line(log));
			r->skipped_compile += g->n;
			pl_filter_free(&f);
			continue;
		}
		pp.bf_len = f.len;
		pp.bf_insns = (struct pcap_bpf_insn *)f.filter;
		if (tc_all || g->linktype == DLT_EN10MB) /* generated frames are Ethernet */
			tcfd = load_tc(w, r, &f, ltname, log, sizeof(log));

		for (size_t pi = 0; pi < g->n; pi++) {
			struct pkt *p = &g->p[pi];
			const uint8_t *data = arena + p->off;
			/* -P: the hook's length is the bytes it has */
			struct pcap_pkthdr h = { .caplen = p->caplen, .len = prod ? p->caplen : p->len };
			LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data,
				    .data_size_in = p->caplen, .repeat = 1);
			bool ref, ours;
			int v;

			if (atomic_load_explicit(&p->refused, memory_order_relaxed)) {
				r->skipped_refused++;
				continue;
			}
			ref = pcap_offline_filter(&pp, &h, data) != 0;
			*w->wirelen = p->len;
			rc = bpf_prog_test_run_opts(fd, &t);
			if (rc) {
				atomic_store(&p->refused, -rc);
				r->skipped_refused++;
				continue;
			}
			v = verdict(PL_FILTER_XDP, t.retval);
			if (v < 0) {
				fail(r, "unexpected XDP verdict %u", t.retval);
				continue;
			}
			ours = v;
			r->pairs++;
			r->home_pairs += g->linktype == expr_home[ei];
			r->home_matched += ref && g->linktype == expr_home[ei];
			r->matched += ref;
			if (ref != ours)
				report_mismatch(r, expr, p, ltname, "xdp", ref, ours);
			if (tcfd >= 0 && (tc_all || p->file == gen_file) && p->caplen <= TC_MAX_FRAME) {
				LIBBPF_OPTS(bpf_test_run_opts, tt, .data_in = data,
					    .data_size_in = p->caplen, .repeat = 1);

				if (atomic_load_explicit(&p->tc_refused, memory_order_relaxed)) {
					r->tc_refused++;
					continue;
				}
				rc = bpf_prog_test_run_opts(tcfd, &tt);
				if (rc) { /* e.g. an IPv4 ethertype with a too short header */
					atomic_store(&p->tc_refused, -rc);
					r->tc_refused++;
					continue;
				}
				v = verdict(PL_FILTER_TC, tt.retval);
				if (v < 0) {
					fail(r, "tc test run: %s, retval %u (caplen %u, packet #%u)", strerror(-rc), tt.retval, p->caplen, p->index);
					continue;
				}
				r->tc_pairs++;
				ours = v;
				if (ref != ours)
					report_mismatch(r, expr, p, ltname, "tc", ref, ours);
			}
		}
		close(fd);
		if (tcfd >= 0)
			close(tcfd);
		pl_filter_free(&f);
	}
	/*
	 * Frames of its own link type were there but none was compared (every test run
	 * refused, say): agreeing with libpcap on nothing is no pass.
	 */
	if (!home_seen)
		fail(r, "no frame of its link type %s to compare: generate some (tests/filter/gen_pkts.c)",
		     pcap_datalink_val_to_name(expr_home[ei]));
	else if (r->home_pairs == 0)
		fail(r, "no frame of its link type compared (%zu refused by the XDP test run)",
		     r->skipped_refused);
	/*
	 * An expression that matches nothing cannot tell a translation that never matches
	 * from a right one: each one must match somewhere (gen_pkts.c makes frames for
	 * them), or be marked "!never" and proven to match nothing.
	 */
	if (expr_never[ei]) {
		if (r->matched)
			fail(r, "marked !never, but libpcap matched %zu frames", r->matched);
		else if (!r->never_proved)
			fail(r, "marked !never, but its classic program can reach a match without a load beyond every packet (offset >= 2^31)");
	} else if (r->home_pairs && !r->home_matched) {
		fail(r, "libpcap matched none of the %zu frames of its link type: add frames that match to tests/filter/gen_pkts.c (or mark it !never, with the reason)",
		     r->home_pairs);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	size_t ei;

	while ((ei = atomic_fetch_add(&next_expr, 1)) < nexprs)
		run_expr(w, ei);
	return NULL;
}

static int worker_init(struct worker *w)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	void *m;

	w->mapfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_wirelen", 4, 16, 1, &mo);
	if (w->mapfd < 0) {
		fprintf(stderr, "difftest: bpf_map_create: %s\n", strerror(-w->mapfd));
		return -1;
	}
	m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		 w->mapfd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "difftest: mmap of the map: %s\n", strerror(errno));
		return -1;
	}
	w->wirelen = (volatile uint32_t *)((char *)m + WIRELEN_OFF);
	return 0;
}

/* -P: one prog array per hook, slot 0 holding a target that returns the match value. */
static int setup_tail_maps(void)
{
	tail_map[PL_FILTER_XDP] = tail_target_map(PL_FILTER_XDP, "pl_dt_xdp");
	tail_map[PL_FILTER_TC] = tail_target_map(PL_FILTER_TC, "pl_dt_tc");
	if (tail_map[PL_FILTER_XDP] < 0 || tail_map[PL_FILTER_TC] < 0) {
		fprintf(stderr, "difftest: cannot set up the tail-call maps for -P: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool env_full(void)
{
	const char *v = getenv("PL_TEST_FULL");

	return v && *v && strcmp(v, "0");
}

static const struct option long_opts[] = {
	{ "full", no_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *exprfile = "tests/filter/expressions.txt", *single = NULL, *genout = NULL;
	const char *samplefile = "tests/corpus/sample.txt";
	bool full = env_full(), gen_only = false;
	size_t sample_missing = 0;
	unsigned int ngen = 6000;
	long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
	struct gen_ctx gc = { 0 };
	struct worker *workers;
	size_t passed = 0, failed = 0, pairs = 0, mism = 0, sk_compile = 0, sk_refused = 0;
	size_t tc_pairs = 0, tc_refused = 0, sk_unsup = 0;
	size_t never_matched = 0, never_marked = 0, npk = 0;
	double t0 = now(), t1;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "e:E:j:n:w:dvTCPFGS:", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'F': full = true; break;
		case 'G': gen_only = true; break;
		case 'S': samplefile = optarg; break;
		case 'e': exprfile = optarg; break;
		case 'E': single = optarg; break;
		case 'j': nthreads = atol(optarg); break;
		case 'n': ngen = (unsigned int)atol(optarg); break;
		case 'w': genout = optarg; break;
		case 'd': dump_classic = true; break;
		case 'v': verbose = true; break;
		case 'T': tc_all = true; break;
		case 'C': filter_flags = PL_FILTER_F_CALL_LOADS; break;
		case 'P': prod = true; break;
		default:
			fprintf(stderr, "usage: %s [-e EXPRFILE] [-E EXPR] [-j N] [-n NGEN] [-w PREFIX] [-d] [-v] [-T] [-C] [-P] [-F|--full] [-G] [-S LIST] [DIR|FILE...]\n",
				argv[0]);
			return 2;
		}
	}
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > 16)
		nthreads = 16;

	if (single) {
		exprs = xrealloc(NULL, sizeof(*exprs));
		exprs[0] = strdup(single);
		expr_home = xrealloc(NULL, sizeof(*expr_home));
		expr_home[0] = DLT_EN10MB;
		expr_never = xrealloc(NULL, sizeof(*expr_never));
		expr_never[0] = false;
		nexprs = 1;
	} else {
		load_exprs(exprfile);
	}

	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			collect(argv[i]);
		printf("difftest: captures: the %d paths given\n", argc - optind);
	} else if (gen_only) {
		printf("difftest: captures: none (-G), generated frames only\n");
	} else {
		const char *c = getenv("CORPUS");
		struct stat st;

		if (!c || !*c)
			c = "../shared/corpus";
		if (stat(c, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (full) {
				printf("difftest: captures: the whole corpus %s (full tier)\n", c);
				collect(c);
			} else {
				printf("difftest: captures: the sample %s of the corpus %s (fast tier; PL_TEST_FULL=1 or --full: all of it)\n",
				       samplefile, c);
				sample_missing = load_sample(samplefile, c);
			}
		} else {
			printf("note: no corpus at %s: generated frames only\n", c);
		}
	}
	if (npaths)
		qsort(paths, npaths, sizeof(*paths), cmp_str);
	for (size_t i = 0; i < npaths; i++) {
		load_capture(paths[i]);
		free(paths[i]);
	}
	free(paths);

	gc.file = add_file("<generated>");
	gen_file = gc.file;
	gc.prefix = genout;
	gen_pkts(ngen, gen_cb, &gc);
	gen_close(&gc);
	for (size_t i = 0; i < ngroups; i++)
		npk += groups[i].n;
	printf("difftest: %zu expressions; %zu capture files read (%zu could not be opened, %zu ended in a read error) + %u generated frames; %zu packets (%zu usable) in %zu link types; %ld threads\n",
	       nexprs, nfiles - 1, files_unopened, files_read_errors, gc.idx, pkts_total, npk,
	       ngroups, nthreads);

	results = calloc(nexprs, sizeof(*results));
	workers = calloc((size_t)nthreads, sizeof(*workers));
	if (!results || !workers)
		return 2;
	if (prod && setup_tail_maps())
		return 2;
	for (long i = 0; i < nthreads; i++)
		if (worker_init(&workers[i]))
			return 2;
	for (long i = 0; i < nthreads; i++)
		pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
	for (long i = 0; i < nthreads; i++)
		pthread_join(workers[i].th, NULL);
	t1 = now();

	for (size_t i = 0; i < nexprs; i++) {
		struct expr_result *r = &results[i];
		char name[64];

		pairs += r->pairs;
		tc_pairs += r->tc_pairs;
		tc_refused += r->tc_refused;
		sk_unsup += r->skipped_unsupported;
		mism += r->mismatches;
		sk_compile += r->skipped_compile;
		sk_refused += r->skipped_refused;
		if (r->matched == 0)
			never_matched++;
		never_marked += expr_never[i];
		if (expr_home[i] != DLT_EN10MB)
			snprintf(name, sizeof(name), "@%s ", pcap_datalink_val_to_name(expr_home[i]));
		else
			name[0] = '\0';
		if (r->failed) {
			failed++;
			printf("FAIL %s%s%s: %s (%zu pairs, %zu mismatches)\n",
			       expr_never[i] ? "!never " : "", name, exprs[i], r->reason, r->pairs,
			       r->mismatches);
		} else {
			passed++;
			printf("ok   %s%s%s (%zu pairs, %zu matched; of its link type %zu, %zu matched%s)\n",
			       expr_never[i] ? "!never " : "", name, exprs[i], r->pairs, r->matched,
			       r->home_pairs, r->home_matched,
			       expr_never[i] ? "; !never: no path to a match avoids a load beyond every frame" : "");
		}
	}
	printf("\nsummary: %zu expressions, %zu capture files (+ generated), %zu packets\n",
	       nexprs, nfiles - 1, pkts_total);
	printf("configuration: %s\n", prod ? "production (-P): wire length from the hook (PL_WIRELEN_BUFF), tail call on a match; libpcap's wire length = captured length"
					  : "wire length from a map (PL_WIRELEN_MAP), verdict epilogue");
	printf("pairs compared: %zu as XDP (+ %zu also as TC: %s), mismatches: %zu\n", pairs,
	       tc_pairs, tc_all ? "every frame up to 3600 bytes" : "the generated frames up to 3600 bytes",
	       mism);
	printf("pairs not compared: %zu frame shorter than 14 bytes (%zu frames x %zu expressions), %zu frame longer than 64 KiB (%zu frames), %zu frame refused by the XDP test run, %zu pcap_compile failed for the link type (or translation/verifier failure)\n",
	       pkts_short * nexprs, pkts_short, nexprs, pkts_long * nexprs, pkts_long, sk_refused,
	       sk_compile);
	{
		size_t nref = 0;
		uint32_t minlen = UINT32_MAX, maxlen = 0;
		int err = 0;

		for (size_t gi = 0; gi < ngroups; gi++)
			for (size_t pi = 0; pi < groups[gi].n; pi++) {
				struct pkt *p = &groups[gi].p[pi];
				int e = atomic_load(&p->refused);

				if (!e)
					continue;
				nref++;
				err = e;
				if (p->caplen < minlen)
					minlen = p->caplen;
				if (p->caplen > maxlen)
					maxlen = p->caplen;
			}
		if (nref)
			printf("frames refused by the XDP test run: %zu (caplen %u..%u, last error: %s)\n",
			       nref, minlen, maxlen, strerror(err));
	}
	if (sk_unsup)
		printf("pairs not compared: %zu the translator rejects a Linux ancillary load libpcap emitted for that link type (e.g. \"inbound\" outside LINUX_SLL)\n",
		       sk_unsup);
	if (tc_refused)
		printf("TC pairs not compared: %zu (the skb test run refused the frame)\n", tc_refused);
	printf("captures not read: %zu could not be opened by libpcap, %zu ended in a read error (packets before it used)\n",
	       files_unopened, files_read_errors);
	printf("expressions that matched no packet: %zu (marked !never: %zu)\n", never_matched,
	       never_marked);
	printf("runtime: %.1f s (comparison %.1f s)\n", now() - t0, t1 - t0);
	if (sample_missing) {
		printf("FAIL the corpus sample %s: %zu listed captures missing from the corpus\n",
		       samplefile, sample_missing);
		failed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	for (long i = 0; i < nthreads; i++)
		close(workers[i].mapfd);
	free(workers);
	free(results);
	return failed ? 1 : 0;
}
