/* SPDX-License-Identifier: BSD-2-Clause */
/* rules_int.h - what the parts of src/rules/ share: the parsed form of a rule. */
#ifndef PL_SIGS_INT_H
#define PL_SIGS_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include "rules/rules.h"

/* The buffers a match inspects: the packet's payload, or a sticky buffer. */
enum rbuf {
	RB_PKT, RB_HTTP_URI, RB_HTTP_METHOD, RB_HTTP_HOST, RB_HTTP_UA, RB_HTTP_HEADER,
	RB_HTTP_STAT_CODE, RB_DNS_QUERY, RB_TLS_SNI, RB_JA3, RB_HTTP_HOST_RAW,
	/* from the HTTP start line and header lines of the packet that carries them */
	RB_HTTP_URI_RAW, RB_HTTP_REQUEST_LINE, RB_HTTP_RESPONSE_LINE, RB_HTTP_PROTOCOL,
	RB_HTTP_STAT_MSG, RB_HTTP_COOKIE, RB_HTTP_REFERER, RB_HTTP_ACCEPT, RB_HTTP_ACCEPT_LANG,
	RB_HTTP_ACCEPT_ENC, RB_HTTP_CONNECTION, RB_HTTP_CONTENT_TYPE, RB_HTTP_CONTENT_LEN,
	RB_HTTP_SERVER, RB_HTTP_LOCATION,
	RB_IP_SRC, RB_IP_DST, RB_N
};
_Static_assert(RB_N <= 32, "buffers are bits of a 32-bit mask");

/*
 * The HTTP buffers an HTTP/1 start line and its header lines at the start of
 * @d[0..@n) give (a request on to_server, a response on to_client): http.header and
 * those from RB_HTTP_URI_RAW on. Untouched when the packet holds no start line.
 */
void pl_sig_http_bufs(const uint8_t *d, size_t n, int to_server, const uint8_t **buf,
		      size_t *len);
extern const char *const pl_rbuf_names[RB_N];

/* Integer tests as Suricata's integer keywords: strict comparisons, exclusive ranges. */
enum uop { U_NONE, U_EQ, U_NE, U_LT, U_LE, U_GT, U_GE, U_RANGE, U_NRANGE, U_MASK, U_NMASK };
struct uintm {
	uint8_t op;
	uint64_t a, b;
};

/* A number of a payload keyword: a constant, or a byte_extract variable (var >= 0). */
struct num {
	int64_t v;
	int8_t var;
};

enum mtype { M_CONTENT, M_PCRE, M_ISDATAAT, M_BSIZE, M_BYTE_TEST, M_BYTE_JUMP,
	     M_BYTE_EXTRACT, M_DATASET };

struct content {
	uint8_t *pat;
	uint32_t len;
	bool nocase, negated, fast, startswith, endswith;
	bool has_offset, has_depth, has_distance, has_within;
	struct num offset, depth, distance, within;
};

struct pcrem {
	pcre2_code *re;
	pcre2_match_data *md;
	bool negated, relative;
};

struct isdataat {
	struct num n;
	bool relative, negated;
};

/* byte_test, byte_jump, byte_extract: how the number is read. */
struct bread {
	uint8_t nbytes;
	bool relative, little, string;
	uint8_t base;      /* string: 8, 10, 16 */
	uint64_t bitmask;  /* 0: none */
	struct num offset;
};

struct bytetest {
	struct bread r;
	uint8_t op;        /* '<' '>' '=' '&' '^' 'l' (<=) 'g' (>=) */
	bool negop;
	struct num value;
};

struct bytejump {
	struct bread r;
	uint64_t multiplier;
	bool align, from_beginning, from_end;
	int64_t post_offset;
};

struct byteextract {
	struct bread r;
	uint64_t multiplier;
	uint8_t align; /* 0, 2 or 4: round up to that boundary */
	uint8_t var;
};

struct dataset;

struct match {
	uint8_t type;
	uint8_t buf;
	union {
		struct content c;
		struct pcrem p;
		struct isdataat d;
		struct uintm bsize;
		struct bytetest bt;
		struct bytejump bj;
		struct byteextract be;
		struct {
			struct dataset *ds;
			bool negated;
		} ds;
	} u;
};

/* Address and port sets: entries are positive or negated; no positive means any. */
struct addr_ent {
	uint8_t family, plen;
	bool neg;
	uint8_t a[16];
};
struct addrset {
	struct addr_ent *e;
	int n;
	bool any_pos; /* a positive entry exists */
};
struct port_ent {
	uint16_t lo, hi;
	bool neg;
};
struct portset {
	struct port_ent *e;
	int n;
	bool any_pos;
};

enum rproto { P_IP, P_TCP, P_UDP, P_ICMP, P_DNS, P_HTTP, P_TLS };

/* Header tests present (hflags bits). */
enum {
	H_TTL = 1 << 0, H_ID = 1 << 1, H_IPPROTO = 1 << 2, H_ITYPE = 1 << 3, H_ICODE = 1 << 4,
	H_ICMPID = 1 << 5, H_ICMPSEQ = 1 << 6, H_SEQ = 1 << 7, H_ACK = 1 << 8,
	H_WINDOW = 1 << 9, H_DSIZE = 1 << 10, H_URILEN = 1 << 11, H_FLAGS = 1 << 12,
	H_IPOPTS = 1 << 13, H_SAMEIP = 1 << 14,
};

enum { F_TOSERVER = 1, F_TOCLIENT = 2, F_ESTABLISHED = 4, F_NOT_ESTABLISHED = 8,
       F_STATELESS = 16 };

enum fbcmd { FB_SET, FB_ISSET, FB_ISNOTSET, FB_UNSET, FB_TOGGLE, FB_NOALERT };
struct fbop {
	uint8_t cmd;
	uint16_t nbits;
	uint16_t bits[8]; /* isset a|b: any of; set a&b: all of */
};

enum { THR_LIMIT, THR_THRESHOLD, THR_BOTH, THR_DETECTION_FILTER };
enum { TRK_SRC, TRK_DST, TRK_RULE, TRK_BOTH };
struct thresh {
	uint8_t type, track;
	uint32_t count, seconds;
};

#define RULE_VARS_MAX 8

struct rule {
	uint32_t gid, sid, rev;
	uint32_t idx;
	char *msg;
	const char *category;
	uint8_t prio;
	bool drop, noalert, has_thr;
	const char *file;
	int line;
	uint8_t proto;
	bool bidir;
	struct addrset src, dst;
	struct portset sp, dp;
	uint32_t hflags;
	struct uintm ttl, id, ipproto, itype, icode, icmpid, icmpseq, seq, ack, window, dsize,
		urilen;
	uint8_t flags_mod, flags_set, flags_ign; /* flags: modifier ('\0', '+', '*', '!') */
	uint8_t ipopt;                          /* bit of the option, 0xff: any */
	uint8_t flow;
	char alproto[16];
	bool alproto_set, alproto_neg;
	struct fbop *fb;
	int nfb;
	struct thresh thr;
	struct match *m;
	int nm;
	int nvars;
	uint32_t bufs; /* buffers with matches (1 << enum rbuf) */
	int pf;        /* the match the prefilter looks for; -1: none */
	uint8_t order; /* 0: sets flowbits without checking, 1: rest */
};

/* Variables ($HOME_NET, $HTTP_PORTS). */
struct rvars {
	char **name, **value;
	int n;
};

/* Parse errors: the first message is kept; unsupported keywords are their own kind. */
struct perr {
	char msg[512];
	bool unsupported;
};
void pl_perr(struct perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int pl_addr_parse(const char *s, const struct rvars *v, struct addrset *out, struct perr *e);
int pl_port_parse(const char *s, const struct rvars *v, struct portset *out, struct perr *e);
bool pl_addr_match(const struct addrset *s, uint8_t family, const uint8_t *a);
bool pl_port_match(const struct portset *s, uint16_t port);

int pl_uint_parse(const char *s, uint64_t max, struct uintm *u, struct perr *e);
bool pl_uint_match(const struct uintm *u, uint64_t v);
int pl_num_parse(const char *s, int64_t *v);

/* Classtypes: description and priority of a name; NULL when unknown. */
const char *pl_classtype(const char *name, uint8_t *prio);

/* Datasets: shared by rules that name the same set. */
enum { DS_STRING, DS_MD5, DS_SHA256, DS_IPV4, DS_IP };
struct dsets;
struct dataset *pl_dataset_get(struct dsets **sets, const char *name, int type,
			       const char *load, const char *dir, bool no_files, struct perr *e);
bool pl_dataset_has(const struct dataset *d, const uint8_t *buf, size_t len);
void pl_datasets_free(struct dsets *sets);
int pl_datasets_count(const struct dsets *sets);
/* Parse a dataset file's text into a set (for the fuzzer and tests). */
struct dataset *pl_dataset_parse(const char *name, int type, const char *text, size_t len,
				 struct perr *e);
void pl_dataset_free(struct dataset *d);

/* Parsing of one rule (text without the newline); the rule set gives names. */
struct rparse {
	const struct rvars *vars;
	struct dsets **dsets;
	const char *dir;
	bool no_files;
	/* flowbit names -> ids */
	char ***fbnames;
	int *nfb;
	/* per rule */
	int lastc;                 /* the last content (modifiers apply to it); -1: none */
	char varnames[RULE_VARS_MAX][32];
	bool is_uricontent;
};
int pl_sig_parse(struct rparse *ctx, const char *text, struct rule *r, struct perr *e);
void pl_sig_rule_free(struct rule *r);
int pl_sig_opt(struct rparse *ctx, struct rule *r, const char *key, char *val, int *curbuf,
		struct perr *e);
int pl_content_parse(const char *s, struct content *c, struct perr *e);

/* The payload inspection of one buffer (match.c). */
struct inspect {
	int64_t vars[RULE_VARS_MAX];
	unsigned int budget; /* recursion steps left */
};
bool pl_inspect_buf(const struct rule *r, int buf, const uint8_t *d, size_t len,
		    struct inspect *in);

/* Hyperscan prefilter (prefilter.c). */
struct prefilter;
int pl_prefilter_build(struct rule **rules, int n, struct prefilter **out, struct perr *e);
void pl_prefilter_free(struct prefilter *pf);
/* Add to @list (*@n entries) the rules whose prefilter pattern is in @d and that @cand
 * (one byte per rule) does not mark yet; marks them. */
int pl_prefilter_scan(struct prefilter *pf, int buf, const uint8_t *d, size_t len,
		      uint8_t *cand, int *list, int *n);
int pl_prefilter_count(const struct prefilter *pf);

#endif
