// SPDX-License-Identifier: BSD-2-Clause
/*
 * opts.c - the options of a rule (between the parentheses), one keyword at a time,
 * with the meaning Suricata's documentation gives them (pktlens-rules(5) lists the
 * subset). Content modifiers apply to the last content; sticky buffers apply to what
 * follows them.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"

#define MATCHES_MAX 256
#define FLOWBITS_MAX 4096

const char *const pl_rbuf_names[RB_N] = {
	"pkt_data", "http.uri", "http.method", "http.host", "http.user_agent", "http.header",
	"http.stat_code", "dns.query", "tls.sni", "ja3.hash", "http.host.raw", "http.uri.raw",
	"http.request_line", "http.response_line", "http.protocol", "http.stat_msg", "http.cookie",
	"http.referer", "http.accept", "http.accept_lang", "http.accept_enc", "http.connection",
	"http.content_type", "http.content_len", "http.server", "http.location", "ip.src", "ip.dst",
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* A quoted value without its quotes and rule-level escapes (\" \; \\ \:). */
static int unquote(char *s, struct perr *e, const char *kw)
{
	size_t n = strlen(s), k = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
		pl_perr(e, "%s needs a quoted value", kw);
		return -EINVAL;
	}
	for (size_t i = 1; i < n - 1; i++) {
		if (s[i] == '\\' && i + 1 < n - 1)
			i++;
		s[k++] = s[i];
	}
	s[k] = 0;
	return 0;
}

/* Split @s at commas (outside quotes) into at most @max trimmed fields; how many. */
static int split(char *s, char **f, int max)
{
	int n = 0;
	bool q = false;

	f[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p == '"' && (p == s || p[-1] != '\\'))
			q = !q;
		else if (*p == ',' && !q) {
			*p = 0;
			if (n == max)
				return -1;
			f[n++] = p + 1;
		}
	}
	for (int i = 0; i < n; i++)
		f[i] = trim(f[i]);
	return n;
}

static int add_match(struct rule *r, int type, int buf, struct perr *e, struct match **out)
{
	struct match *m;

	if (r->nm >= MATCHES_MAX) {
		pl_perr(e, "more than %d payload matches", MATCHES_MAX);
		return -EINVAL;
	}
	m = realloc(r->m, (r->nm + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	r->m = m;
	m = &r->m[r->nm++];
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->buf = (uint8_t)buf;
	r->bufs |= 1u << buf;
	*out = m;
	return 0;
}

int pl_content_parse(const char *s, struct content *c, struct perr *e)
{
	size_t n;
	uint8_t *out;
	size_t k = 0;
	bool hex = false;
	int nib = -1;

	memset(c, 0, sizeof(*c));
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '!') {
		c->negated = true;
		s++;
		while (isspace((unsigned char)*s))
			s++;
	}
	n = strlen(s);
	if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
		pl_perr(e, "content needs a quoted value: content:\"text|0D 0A|\"");
		return -EINVAL;
	}
	out = malloc(n);
	if (!out)
		return -ENOMEM;
	for (size_t i = 1; i < n - 1; i++) {
		int ch = (unsigned char)s[i];

		if (hex) {
			if (ch == '|') {
				if (nib >= 0)
					goto bad_hex;
				hex = false;
			} else if (isxdigit(ch)) {
				int v = isdigit(ch) ? ch - '0' : (tolower(ch) - 'a' + 10);

				if (nib < 0) {
					nib = v;
				} else {
					out[k++] = (uint8_t)(nib << 4 | v);
					nib = -1;
				}
			} else if (ch != ' ') {
				goto bad_hex;
			}
			continue;
		}
		if (ch == '|') {
			hex = true;
			continue;
		}
		if (ch == '\\' && i + 1 < n - 1) {
			ch = (unsigned char)s[++i];
			if (ch != '\\' && ch != '"' && ch != ';' && ch != ':') {
				free(out);
				pl_perr(e, "content: '\\%c' is not an escape (\\\\ \\\" \\; \\:)", ch);
				return -EINVAL;
			}
		} else if (ch == '"' || ch == ';') {
			free(out);
			pl_perr(e, "content: '%c' must be written as \\%c or |%02X|", ch, ch, ch);
			return -EINVAL;
		}
		out[k++] = (uint8_t)ch;
	}
	if (hex)
		goto bad_hex;
	if (!k) {
		free(out);
		pl_perr(e, "content is empty");
		return -EINVAL;
	}
	c->pat = out;
	c->len = (uint32_t)k;
	return 0;
bad_hex:
	free(out);
	pl_perr(e, "content: bad |hex| part (pairs of hex digits between two '|')");
	return -EINVAL;
}

static struct content *last_content(struct rparse *ctx, struct rule *r, const char *kw,
				    struct perr *e)
{
	if (ctx->lastc < 0) {
		pl_perr(e, "%s needs a content before it", kw);
		return NULL;
	}
	return &r->m[ctx->lastc].u.c;
}

/* A number or a byte_extract variable of this rule. */
static int num_or_var(struct rparse *ctx, const char *s, struct num *n, struct perr *e,
		      const char *kw)
{
	n->var = -1;
	if (!pl_num_parse(s, &n->v))
		return 0;
	for (int i = 0; i < RULE_VARS_MAX; i++) {
		if (ctx->varnames[i][0] && !strcmp(ctx->varnames[i], s)) {
			n->var = (int8_t)i;
			return 0;
		}
	}
	pl_perr(e, "%s: '%s' is neither a number nor a byte_extract variable", kw, s);
	return -EINVAL;
}

static int content_mod(struct rparse *ctx, struct rule *r, const char *key, char *val,
		       struct perr *e)
{
	struct content *c = last_content(ctx, r, key, e);
	struct num *n = NULL;

	if (!c)
		return -EINVAL;
	if (!strcmp(key, "nocase")) {
		c->nocase = true;
		return 0;
	}
	if (!strcmp(key, "fast_pattern")) {
		c->fast = true;
		return 0;
	}
	if (!strcmp(key, "rawbytes"))
		return 0;
	if (!strcmp(key, "startswith") || !strcmp(key, "endswith")) {
		if (c->has_distance || c->has_within || (key[0] == 's' && (c->has_offset || c->has_depth))) {
			pl_perr(e, "%s cannot be mixed with offset/depth/distance/within", key);
			return -EINVAL;
		}
		if (key[0] == 's')
			c->startswith = true;
		else
			c->endswith = true;
		return 0;
	}
	if (!val) {
		pl_perr(e, "%s needs a value", key);
		return -EINVAL;
	}
	if (!strcmp(key, "offset"))
		n = &c->offset, c->has_offset = true;
	else if (!strcmp(key, "depth"))
		n = &c->depth, c->has_depth = true;
	else if (!strcmp(key, "distance"))
		n = &c->distance, c->has_distance = true;
	else
		n = &c->within, c->has_within = true;
	if (num_or_var(ctx, val, n, e, key))
		return -EINVAL;
	if ((c->has_offset || c->has_depth) && (c->has_distance || c->has_within)) {
		pl_perr(e, "%s: a content is either absolute (offset, depth) or relative "
			   "(distance, within)", key);
		return -EINVAL;
	}
	if (c->startswith && (c->has_offset || c->has_depth || c->has_distance || c->has_within)) {
		pl_perr(e, "%s cannot be mixed with startswith", key);
		return -EINVAL;
	}
	if (n->var < 0 && n != &c->distance && n != &c->offset && n->v <= 0) {
		pl_perr(e, "%s must be > 0", key);
		return -EINVAL;
	}
	if (n->var < 0 && n == &c->offset && n->v < 0) {
		pl_perr(e, "offset must be >= 0");
		return -EINVAL;
	}
	if (n->var < 0 && (n->v > 1 << 20 || n->v < -(1 << 20))) {
		pl_perr(e, "%s: %lld is out of range (+-1 MiB)", key, (long long)n->v);
		return -EINVAL;
	}
	if ((n == &c->depth || n == &c->within) && n->var < 0 && n->v < c->len) {
		pl_perr(e, "%s %lld is shorter than the content (%u bytes)", key, (long long)n->v,
			c->len);
		return -EINVAL;
	}
	return 0;
}

static int bufname(const char *key)
{
	static const struct {
		const char *k;
		int b;
	} map[] = {
		{ "pkt_data", RB_PKT }, { "http.uri", RB_HTTP_URI }, { "http.method", RB_HTTP_METHOD },
		{ "http.host", RB_HTTP_HOST }, { "http.user_agent", RB_HTTP_UA },
		{ "http.header", RB_HTTP_HEADER }, { "http.stat_code", RB_HTTP_STAT_CODE },
		{ "dns.query", RB_DNS_QUERY }, { "dns_query", RB_DNS_QUERY },
		{ "tls.sni", RB_TLS_SNI }, { "tls_sni", RB_TLS_SNI }, { "ja3.hash", RB_JA3 },
		{ "ja3_hash", RB_JA3 }, { "ip.src", RB_IP_SRC }, { "ip.dst", RB_IP_DST },
		{ "http.host.raw", RB_HTTP_HOST_RAW }, { "http.uri.raw", RB_HTTP_URI_RAW },
		{ "http.request_line", RB_HTTP_REQUEST_LINE },
		{ "http_request_line", RB_HTTP_REQUEST_LINE },
		{ "http.response_line", RB_HTTP_RESPONSE_LINE },
		{ "http_response_line", RB_HTTP_RESPONSE_LINE },
		{ "http.protocol", RB_HTTP_PROTOCOL }, { "http.stat_msg", RB_HTTP_STAT_MSG },
		{ "http.cookie", RB_HTTP_COOKIE }, { "http.referer", RB_HTTP_REFERER },
		{ "http.accept", RB_HTTP_ACCEPT }, { "http.accept_lang", RB_HTTP_ACCEPT_LANG },
		{ "http.accept_enc", RB_HTTP_ACCEPT_ENC }, { "http.connection", RB_HTTP_CONNECTION },
		{ "http.content_type", RB_HTTP_CONTENT_TYPE },
		{ "http.content_len", RB_HTTP_CONTENT_LEN }, { "http.server", RB_HTTP_SERVER },
		{ "http.location", RB_HTTP_LOCATION },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].k, key))
			return map[i].b;
	return -1;
}

/* Legacy content modifiers (http_uri, ...): the last content moves to that buffer. */
static int legacy_buf(const char *key)
{
	static const struct {
		const char *k;
		int b;
	} map[] = {
		{ "http_uri", RB_HTTP_URI }, { "http_method", RB_HTTP_METHOD },
		{ "http_host", RB_HTTP_HOST }, { "http_user_agent", RB_HTTP_UA },
		{ "http_header", RB_HTTP_HEADER }, { "http_stat_code", RB_HTTP_STAT_CODE },
		{ "http_raw_host", RB_HTTP_HOST_RAW }, { "http_raw_uri", RB_HTTP_URI_RAW },
		{ "http_cookie", RB_HTTP_COOKIE }, { "http_stat_msg", RB_HTTP_STAT_MSG },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].k, key))
			return map[i].b;
	return -1;
}

static int opt_pcre(struct rule *r, char *val, int buf, struct perr *e)
{
	struct match *m;
	char *s = trim(val), *end;
	bool neg = false;
	uint32_t flags = 0;
	size_t n;
	int err, code;
	PCRE2_SIZE eoff;

	if (*s == '!')
		neg = true, s = trim(s + 1);
	n = strlen(s);
	if (n < 4 || s[0] != '"' || s[n - 1] != '"' || s[1] != '/')
		goto bad;
	s[n - 1] = 0;
	s += 2;
	end = strrchr(s, '/');
	if (!end)
		goto bad;
	*end++ = 0;
	err = add_match(r, M_PCRE, buf, e, &m);
	if (err)
		return err;
	m->u.p.negated = neg;
	for (; *end; end++) {
		switch (*end) {
		case 'i': flags |= PCRE2_CASELESS; break;
		case 's': flags |= PCRE2_DOTALL; break;
		case 'm': flags |= PCRE2_MULTILINE; break;
		case 'x': flags |= PCRE2_EXTENDED; break;
		case 'A': flags |= PCRE2_ANCHORED; break;
		case 'E': flags |= PCRE2_DOLLAR_ENDONLY; break;
		case 'G': flags |= PCRE2_UNGREEDY; break;
		case 'R': m->u.p.relative = true; break;
		case 'O': break; /* Suricata: override the match limits */
		case 'U': m->buf = RB_HTTP_URI; break;
		case 'H': m->buf = RB_HTTP_HEADER; break;
		case 'M': m->buf = RB_HTTP_METHOD; break;
		case 'V': m->buf = RB_HTTP_UA; break;
		case 'W': m->buf = RB_HTTP_HOST; break;
		case 'S': m->buf = RB_HTTP_STAT_CODE; break;
		default:
			r->nm--;
			pl_perr(e, "pcre flag '%c'", *end);
			e->unsupported = true;
			return -ENOTSUP;
		}
	}
	r->bufs |= 1u << m->buf;
	m->u.p.re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, flags, &code, &eoff, NULL);
	if (!m->u.p.re) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(code, msg, sizeof(msg));
		r->nm--;
		pl_perr(e, "pcre: %s at offset %zu of '%s'", (char *)msg, (size_t)eoff, s);
		return -EINVAL;
	}
	pcre2_jit_compile(m->u.p.re, PCRE2_JIT_COMPLETE); /* slower without, same result */
	m->u.p.md = pcre2_match_data_create_from_pattern(m->u.p.re, NULL);
	if (!m->u.p.md)
		return -ENOMEM;
	return 0;
bad:
	pl_perr(e, "pcre needs \"/regex/flags\"");
	return -EINVAL;
}

/* The common tail of byte_test/jump/extract: relative, endian, string base, ... */
static int bread_flag(struct bread *b, const char *f, const char *next, int *used,
		      struct perr *e, const char *kw)
{
	*used = 0;
	if (!strcmp(f, "relative"))
		b->relative = true;
	else if (!strcmp(f, "big"))
		b->little = false;
	else if (!strcmp(f, "little"))
		b->little = true;
	else if (!strncmp(f, "string", 6)) {
		const char *base = f[6] ? f + 6 : next;

		while (base && isspace((unsigned char)*base))
			base++;
		b->string = true;
		b->base = 10;
		if (base && (!strcmp(base, "hex") || !strcmp(base, "dec") || !strcmp(base, "oct"))) {
			b->base = base[0] == 'h' ? 16 : base[0] == 'd' ? 10 : 8;
			*used = f[6] ? 0 : 1;
		}
	} else if (!strcmp(f, "dce")) {
		pl_perr(e, "%s: dce", kw);
		e->unsupported = true;
		return -ENOTSUP;
	} else if (!strncmp(f, "bitmask", 7)) {
		int64_t v;

		if (pl_num_parse(f + 7, &v) || v <= 0 || v > 0xffffffffll) {
			pl_perr(e, "%s: bad bitmask '%s'", kw, f);
			return -EINVAL;
		}
		b->bitmask = (uint64_t)v;
	} else {
		return 1; /* not a common flag */
	}
	return 0;
}

static int nbytes_ok(struct bread *b, struct perr *e, const char *kw)
{
	if (b->nbytes > (b->string ? 20 : 8)) {
		pl_perr(e, "%s: %u bytes: 1 to 8 (string: 1 to 20)", kw, b->nbytes);
		return -EINVAL;
	}
	return 0;
}

static int parse_nbytes(const char *s, struct bread *b, struct perr *e, const char *kw)
{
	int64_t v;

	if (pl_num_parse(s, &v) || v < 0 || v > 20 || (v == 0 && strcmp(kw, "byte_jump"))) {
		pl_perr(e, "%s: bad byte count '%s'", kw, s);
		return -EINVAL;
	}
	b->nbytes = (uint8_t)v;
	return 0;
}

static int opt_byte_test(struct rparse *ctx, struct rule *r, char *val, int buf, struct perr *e)
{
	char *f[16], *op;
	int n = split(val, f, 16), used;
	struct match *m;
	struct bytetest *t;

	if (n < 4) {
		pl_perr(e, "byte_test: nbytes, operator, value, offset[, relative, endian, string, "
			   "base, bitmask N]");
		return -EINVAL;
	}
	if (add_match(r, M_BYTE_TEST, buf, e, &m))
		return -EINVAL;
	t = &m->u.bt;
	if (parse_nbytes(f[0], &t->r, e, "byte_test"))
		return -EINVAL;
	op = f[1];
	if (*op == '!')
		t->negop = true, op++;
	if (!strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, "=") || !strcmp(op, "&") ||
	    !strcmp(op, "^"))
		t->op = (uint8_t)*op;
	else if (!strcmp(op, "<="))
		t->op = 'l';
	else if (!strcmp(op, ">="))
		t->op = 'g';
	else if (!*op && t->negop)
		t->op = '=';
	else {
		pl_perr(e, "byte_test: bad operator '%s' (<, >, =, <=, >=, &, ^, with ! to negate)", f[1]);
		return -EINVAL;
	}
	if (num_or_var(ctx, f[2], &t->value, e, "byte_test") ||
	    num_or_var(ctx, f[3], &t->r.offset, e, "byte_test"))
		return -EINVAL;
	for (int i = 4; i < n; i++) {
		int rc = bread_flag(&t->r, f[i], i + 1 < n ? f[i + 1] : NULL, &used, e, "byte_test");

		if (rc < 0)
			return rc;
		if (rc) {
			pl_perr(e, "byte_test: unknown option '%s'", f[i]);
			return -EINVAL;
		}
		i += used;
	}
	return nbytes_ok(&t->r, e, "byte_test");
}

static int opt_byte_jump(struct rparse *ctx, struct rule *r, char *val, int buf, struct perr *e)
{
	char *f[20];
	int n = split(val, f, 20), used;
	struct match *m;
	struct bytejump *j;

	if (n < 2) {
		pl_perr(e, "byte_jump: nbytes, offset[, relative, multiplier N, endian, string, "
			   "base, align, from_beginning, from_end, post_offset N, bitmask N]");
		return -EINVAL;
	}
	if (add_match(r, M_BYTE_JUMP, buf, e, &m))
		return -EINVAL;
	j = &m->u.bj;
	j->multiplier = 1;
	if (parse_nbytes(f[0], &j->r, e, "byte_jump") ||
	    num_or_var(ctx, f[1], &j->r.offset, e, "byte_jump"))
		return -EINVAL;
	for (int i = 2; i < n; i++) {
		int rc = bread_flag(&j->r, f[i], i + 1 < n ? f[i + 1] : NULL, &used, e, "byte_jump");
		int64_t v;

		if (rc < 0)
			return rc;
		i += used;
		if (!rc)
			continue;
		if (!strcmp(f[i], "align"))
			j->align = true;
		else if (!strcmp(f[i], "from_beginning"))
			j->from_beginning = true;
		else if (!strcmp(f[i], "from_end"))
			j->from_end = true;
		else if (!strncmp(f[i], "multiplier", 10) && !pl_num_parse(f[i] + 10, &v) && v > 0 &&
			 v <= 65535)
			j->multiplier = (uint64_t)v;
		else if (!strncmp(f[i], "post_offset", 11) && !pl_num_parse(f[i] + 11, &v) &&
			 v > -65536 && v < 65536)
			j->post_offset = v;
		else {
			pl_perr(e, "byte_jump: unknown or bad option '%s'", f[i]);
			return -EINVAL;
		}
	}
	if (j->from_beginning && j->from_end) {
		pl_perr(e, "byte_jump: from_beginning and from_end together");
		return -EINVAL;
	}
	if (!j->r.nbytes && (!j->from_end || j->r.string)) {
		pl_perr(e, "byte_jump: 0 bytes only with from_end (a jump from the end)");
		return -EINVAL;
	}
	return nbytes_ok(&j->r, e, "byte_jump");
}

static int opt_byte_extract(struct rparse *ctx, struct rule *r, char *val, int buf,
			    struct perr *e)
{
	char *f[16];
	int n = split(val, f, 16), used, slot = -1;
	struct match *m;
	struct byteextract *x;

	if (n < 3) {
		pl_perr(e, "byte_extract: nbytes, offset, name[, relative, multiplier N, endian, "
			   "string, base, align, bitmask N]");
		return -EINVAL;
	}
	if (add_match(r, M_BYTE_EXTRACT, buf, e, &m))
		return -EINVAL;
	x = &m->u.be;
	x->multiplier = 1;
	if (parse_nbytes(f[0], &x->r, e, "byte_extract") || pl_num_parse(f[1], &x->r.offset.v)) {
		pl_perr(e, "byte_extract: bad offset '%s'", f[1]);
		return -EINVAL;
	}
	x->r.offset.var = -1;
	if (!isalpha((unsigned char)f[2][0]) || strlen(f[2]) >= sizeof(ctx->varnames[0])) {
		pl_perr(e, "byte_extract: bad variable name '%s'", f[2]);
		return -EINVAL;
	}
	for (int i = 0; i < RULE_VARS_MAX; i++) {
		if (!ctx->varnames[i][0] || !strcmp(ctx->varnames[i], f[2])) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		pl_perr(e, "byte_extract: more than %d variables", RULE_VARS_MAX);
		return -EINVAL;
	}
	snprintf(ctx->varnames[slot], sizeof(ctx->varnames[slot]), "%s", f[2]);
	x->var = (uint8_t)slot;
	if (slot + 1 > r->nvars)
		r->nvars = slot + 1;
	for (int i = 3; i < n; i++) {
		int rc = bread_flag(&x->r, f[i], i + 1 < n ? f[i + 1] : NULL, &used, e,
				    "byte_extract");
		int64_t v;

		if (rc < 0)
			return rc;
		i += used;
		if (!rc)
			continue;
		if (!strcmp(f[i], "align") || !strcmp(f[i], "align 4"))
			x->align = 4;
		else if (!strcmp(f[i], "align 2"))
			x->align = 2;
		else if (!strncmp(f[i], "multiplier", 10) && !pl_num_parse(f[i] + 10, &v) && v > 0 &&
			 v <= 65535)
			x->multiplier = (uint64_t)v;
		else {
			pl_perr(e, "byte_extract: unknown or bad option '%s'", f[i]);
			return -EINVAL;
		}
	}
	return nbytes_ok(&x->r, e, "byte_extract");
}

static int opt_isdataat(struct rparse *ctx, struct rule *r, char *val, int buf, struct perr *e)
{
	char *f[3], *s;
	int n;
	struct match *m;

	if (!val)
		goto bad;
	s = trim(val);
	n = split(s, f, 3);
	if (n < 1 || add_match(r, M_ISDATAAT, buf, e, &m))
		goto bad;
	if (f[0][0] == '!')
		m->u.d.negated = true, f[0] = trim(f[0] + 1);
	if (num_or_var(ctx, f[0], &m->u.d.n, e, "isdataat"))
		return -EINVAL;
	for (int i = 1; i < n; i++) {
		if (!strcmp(f[i], "relative"))
			m->u.d.relative = true;
		else if (!strcmp(f[i], "rawbytes"))
			;
		else
			goto bad;
	}
	return 0;
bad:
	pl_perr(e, "isdataat: [!]N[,relative]");
	return -EINVAL;
}

static int opt_flags(struct rule *r, char *val, struct perr *e)
{
	char *f[2];
	int n = split(val, f, 2);

	r->hflags |= H_FLAGS;
	for (int part = 0; part < n; part++) {
		for (char *p = f[part]; *p; p++) {
			static const char bits[] = "FSRPAUEC";
			const char *b = strchr(bits, toupper((unsigned char)*p));
			uint8_t bit = b ? (uint8_t)(1u << (b - bits)) : 0;

			if (*p == '1')
				bit = 0x80;
			else if (*p == '2')
				bit = 0x40;
			if (part == 0 && (*p == '+' || *p == '*' || *p == '!')) {
				r->flags_mod = (uint8_t)*p;
				continue;
			}
			if (part == 0 && *p == '0')
				continue;
			if (!bit) {
				pl_perr(e, "flags: '%c' is not F S R P A U C E 0 (or + * !)", *p);
				return -EINVAL;
			}
			if (part == 0)
				r->flags_set |= bit;
			else
				r->flags_ign |= bit;
		}
	}
	return n < 1 ? -EINVAL : 0;
}

static int opt_ipopts(struct rule *r, const char *v, struct perr *e)
{
	static const struct {
		const char *n;
		uint8_t t;
	} o[] = { { "eol", 0 }, { "nop", 1 }, { "rr", 7 }, { "ts", 68 }, { "sec", 130 },
		  { "esec", 133 }, { "lsrr", 131 }, { "ssrr", 137 }, { "satid", 136 },
		  { "any", 0xff } };

	for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
		if (!strcmp(o[i].n, v)) {
			r->ipopt = o[i].t;
			r->hflags |= H_IPOPTS;
			return 0;
		}
	}
	pl_perr(e, "ipopts: '%s' is not rr, eol, nop, ts, sec, esec, lsrr, ssrr, satid or any", v);
	return -EINVAL;
}

static int opt_ipproto(struct rule *r, char *v, struct perr *e)
{
	static const struct {
		const char *n;
		int p;
	} names[] = { { "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 },
		      { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
		      { "sctp", 132 } };
	char buf[24];
	const char *s = v;
	size_t pre = strspn(v, "<>!=");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(v + pre, names[i].n)) {
			snprintf(buf, sizeof(buf), "%.*s%d", (int)pre, v, names[i].p);
			s = buf;
		}
	}
	r->hflags |= H_IPPROTO;
	return pl_uint_parse(s, 255, &r->ipproto, e);
}

static int opt_flow(struct rule *r, char *val, struct perr *e)
{
	char *f[6];
	int n = split(val, f, 6);

	if (n < 1)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		if (!strcmp(f[i], "to_server") || !strcmp(f[i], "from_client"))
			r->flow |= F_TOSERVER;
		else if (!strcmp(f[i], "to_client") || !strcmp(f[i], "from_server"))
			r->flow |= F_TOCLIENT;
		else if (!strcmp(f[i], "established"))
			r->flow |= F_ESTABLISHED;
		else if (!strcmp(f[i], "not_established"))
			r->flow |= F_NOT_ESTABLISHED;
		else if (!strcmp(f[i], "stateless"))
			r->flow |= F_STATELESS;
		else if (!strcmp(f[i], "no_stream"))
			; /* pktlens inspects packets only */
		else {
			pl_perr(e, "flow:%s", f[i]);
			e->unsupported = true;
			return -ENOTSUP;
		}
	}
	if ((r->flow & F_TOSERVER) && (r->flow & F_TOCLIENT)) {
		pl_perr(e, "flow: to_server and to_client together never match");
		return -EINVAL;
	}
	return 0;
}

static int flowbit_id(struct rparse *ctx, const char *name, struct perr *e)
{
	char **n;

	for (int i = 0; i < *ctx->nfb; i++)
		if (!strcmp((*ctx->fbnames)[i], name))
			return i;
	if (*ctx->nfb >= FLOWBITS_MAX) {
		pl_perr(e, "more than %d flowbit names", FLOWBITS_MAX);
		return -EINVAL;
	}
	n = realloc(*ctx->fbnames, (*ctx->nfb + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	*ctx->fbnames = n;
	n[*ctx->nfb] = strdup(name);
	if (!n[*ctx->nfb])
		return -ENOMEM;
	return (*ctx->nfb)++;
}

static int opt_flowbits(struct rparse *ctx, struct rule *r, char *val, struct perr *e)
{
	static const char *const cmds[] = { "set", "isset", "isnotset", "unset", "toggle", "noalert" };
	char *f[2], *name, *tok, *save;
	int n = split(val, f, 2), cmd = -1;
	struct fbop op = {}, *nf;

	for (int i = 0; n >= 1 && i < 6; i++)
		if (!strcmp(f[0], cmds[i]))
			cmd = i;
	if (cmd < 0 || (cmd == FB_NOALERT) != (n == 1)) {
		pl_perr(e, "flowbits: set|isset|isnotset|unset|toggle,NAME or noalert");
		return -EINVAL;
	}
	if (cmd == FB_NOALERT) {
		r->noalert = true;
		return 0;
	}
	op.cmd = (uint8_t)cmd;
	name = f[1];
	for (tok = strtok_r(name, "|&", &save); tok; tok = strtok_r(NULL, "|&", &save)) {
		int id;

		tok = trim(tok);
		if (!*tok || op.nbits == 8) {
			pl_perr(e, "flowbits: bad name list (up to 8 names joined by | or &)");
			return -EINVAL;
		}
		id = flowbit_id(ctx, tok, e);
		if (id < 0)
			return id;
		op.bits[op.nbits++] = (uint16_t)id;
	}
	if (!op.nbits) {
		pl_perr(e, "flowbits: a name is missing");
		return -EINVAL;
	}
	nf = realloc(r->fb, (r->nfb + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	r->fb = nf;
	r->fb[r->nfb++] = op;
	return 0;
}

static int opt_threshold(struct rule *r, char *val, bool df, struct perr *e)
{
	char *f[6];
	int n = split(val, f, 6);
	bool have_type = df, have_track = false, have_count = false, have_secs = false;

	if (r->has_thr) {
		pl_perr(e, "threshold and detection_filter: one of them per rule");
		return -EINVAL;
	}
	r->has_thr = true;
	r->thr.type = df ? THR_DETECTION_FILTER : THR_LIMIT;
	for (int i = 0; i < n; i++) {
		char *k = f[i], *v = k + strcspn(k, " \t");
		int64_t x;

		if (*v)
			*v++ = 0;
		v = trim(v);
		if (!df && !strcmp(k, "type")) {
			have_type = true;
			if (!strcmp(v, "limit"))
				r->thr.type = THR_LIMIT;
			else if (!strcmp(v, "threshold"))
				r->thr.type = THR_THRESHOLD;
			else if (!strcmp(v, "both"))
				r->thr.type = THR_BOTH;
			else
				goto bad;
		} else if (!strcmp(k, "track")) {
			have_track = true;
			if (!strcmp(v, "by_src"))
				r->thr.track = TRK_SRC;
			else if (!strcmp(v, "by_dst"))
				r->thr.track = TRK_DST;
			else if (!strcmp(v, "by_rule"))
				r->thr.track = TRK_RULE;
			else if (!strcmp(v, "by_both"))
				r->thr.track = TRK_BOTH;
			else
				goto bad;
		} else if (!strcmp(k, "count") && !pl_num_parse(v, &x) && x > 0 && x < 1 << 30) {
			have_count = true;
			r->thr.count = (uint32_t)x;
		} else if (!strcmp(k, "seconds") && !pl_num_parse(v, &x) && x > 0 && x < 1 << 30) {
			have_secs = true;
			r->thr.seconds = (uint32_t)x;
		} else {
			goto bad;
		}
	}
	if (have_type && have_track && have_count && have_secs)
		return 0;
bad:
	pl_perr(e, "%s: %strack by_src|by_dst|by_rule|by_both, count N, seconds N",
		df ? "detection_filter" : "threshold", df ? "" : "type limit|threshold|both, ");
	return -EINVAL;
}

static int opt_dataset(struct rparse *ctx, struct rule *r, char *val, int buf, struct perr *e)
{
	static const char *const types[] = { "string", "md5", "sha256", "ipv4", "ip" };
	char *f[8], *load = NULL;
	int n = split(val, f, 8), type = -1;
	struct match *m;

	if (n < 2 || (strcmp(f[0], "isset") && strcmp(f[0], "isnotset"))) {
		if (n >= 1 && (!strcmp(f[0], "set") || !strcmp(f[0], "unset"))) {
			pl_perr(e, "dataset:%s", f[0]);
			e->unsupported = true;
			return -ENOTSUP;
		}
		pl_perr(e, "dataset: isset|isnotset,NAME[,type string|md5|sha256|ipv4|ip, load FILE]");
		return -EINVAL;
	}
	for (int i = 2; i < n; i++) {
		char *k = f[i], *v = k + strcspn(k, " \t");

		if (*v)
			*v++ = 0;
		v = trim(v);
		if (!strcmp(k, "type")) {
			for (int t = 0; t < 5; t++)
				if (!strcmp(v, types[t]))
					type = t;
			if (type < 0) {
				pl_perr(e, "dataset: type '%s' is not string, md5, sha256, ipv4 or ip", v);
				return -EINVAL;
			}
		} else if (!strcmp(k, "load") || !strcmp(k, "state")) {
			load = v;
		} else if (!strcmp(k, "memcap") || !strcmp(k, "hashsize")) {
			;
		} else {
			pl_perr(e, "dataset option %s", k);
			e->unsupported = true;
			return -ENOTSUP;
		}
	}
	if (add_match(r, M_DATASET, buf, e, &m))
		return -EINVAL;
	m->u.ds.negated = !strcmp(f[0], "isnotset");
	m->u.ds.ds = pl_dataset_get(ctx->dsets, f[1], type, load, ctx->dir, ctx->no_files, e);
	return m->u.ds.ds ? 0 : -EINVAL;
}

/* sid, rev, gid, priority: positive integers. */
static int opt_u32(const char *key, const char *v, uint64_t max, uint32_t *out, struct perr *e)
{
	int64_t x;

	if (!v || pl_num_parse(v, &x) || x < (strcmp(key, "gid") ? 1 : 0) || (uint64_t)x > max) {
		pl_perr(e, "%s needs a number from 1 to %llu", key, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint32_t)x;
	return 0;
}

static int opt_meta(struct rule *r, const char *key, char *val, struct perr *e)
{
	uint32_t x;

	if (!strcmp(key, "msg")) {
		if (!val || unquote(val, e, "msg"))
			return -EINVAL;
		free(r->msg);
		r->msg = strdup(val);
		return r->msg ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "sid"))
		return opt_u32(key, val, 0xffffffffu, &r->sid, e);
	if (!strcmp(key, "rev"))
		return opt_u32(key, val, 0xffffffffu, &r->rev, e);
	if (!strcmp(key, "gid"))
		return opt_u32(key, val, 0xffffffffu, &r->gid, e);
	if (!strcmp(key, "priority")) {
		if (opt_u32(key, val, 255, &x, e))
			return -EINVAL;
		r->prio = (uint8_t)x;
		return 0;
	}
	if (!strcmp(key, "classtype")) {
		uint8_t prio;

		r->category = val ? pl_classtype(val, &prio) : NULL;
		if (!r->category) {
			pl_perr(e, "unknown classtype '%s' (pktlens-rules(5) lists them)", val ? val : "");
			return -EINVAL;
		}
		if (!r->prio)
			r->prio = prio;
		return 0;
	}
	return 1; /* metadata, reference: not used */
}

/* One keyword with its value (NULL: none). 0, -EINVAL, -ENOTSUP (unsupported), -ENOMEM. */
int pl_sig_opt(struct rparse *ctx, struct rule *r, const char *key, char *val, int *curbuf,
		struct perr *e)
{
	struct match *m;
	int b, rc;

	if (val)
		val = trim(val);
	rc = opt_meta(r, key, val, e);
	if (rc <= 0)
		return rc;
	/* target names the attacked side for Suricata's EVE source/target: not used */
	if (!strcmp(key, "metadata") || !strcmp(key, "reference") || !strcmp(key, "target"))
		return 0;
	if (!strcmp(key, "content") || !strcmp(key, "uricontent")) {
		if (!val || add_match(r, M_CONTENT, key[0] == 'u' ? RB_HTTP_URI : *curbuf, e, &m))
			return -EINVAL;
		ctx->lastc = r->nm - 1;
		rc = pl_content_parse(val, &m->u.c, e);
		if (rc)
			r->nm--;
		return rc;
	}
	if (!strcmp(key, "nocase") || !strcmp(key, "offset") || !strcmp(key, "depth") ||
	    !strcmp(key, "distance") || !strcmp(key, "within") || !strcmp(key, "fast_pattern") ||
	    !strcmp(key, "startswith") || !strcmp(key, "endswith") || !strcmp(key, "rawbytes"))
		return content_mod(ctx, r, key, val, e);
	b = legacy_buf(key);
	if (b >= 0) {
		struct content *c = last_content(ctx, r, key, e);

		if (!c)
			return -EINVAL;
		r->m[ctx->lastc].buf = (uint8_t)b;
		r->bufs |= 1u << b;
		return 0;
	}
	b = bufname(key);
	if (b >= 0) {
		*curbuf = b;
		return 0;
	}
	if (!strcmp(key, "urilen")) {
		char *c = val ? strchr(val, ',') : NULL;

		/* ,norm or ,raw: pktlens's URI is as sent (no normalization): the same */
		if (c && (!strcmp(trim(c + 1), "norm") || !strcmp(trim(c + 1), "raw")))
			*c = 0;
		r->hflags |= H_URILEN;
		return val ? pl_uint_parse(val, 65535, &r->urilen, e) : -EINVAL;
	}
	if (!strcmp(key, "pcre"))
		return val ? opt_pcre(r, val, *curbuf, e) : -EINVAL;
	if (!strcmp(key, "byte_test"))
		return val ? opt_byte_test(ctx, r, val, *curbuf, e) : -EINVAL;
	if (!strcmp(key, "byte_jump"))
		return val ? opt_byte_jump(ctx, r, val, *curbuf, e) : -EINVAL;
	if (!strcmp(key, "byte_extract"))
		return val ? opt_byte_extract(ctx, r, val, *curbuf, e) : -EINVAL;
	if (!strcmp(key, "isdataat"))
		return opt_isdataat(ctx, r, val, *curbuf, e);
	if (!strcmp(key, "bsize")) {
		if (!val || add_match(r, M_BSIZE, *curbuf, e, &m))
			return -EINVAL;
		return pl_uint_parse(val, 0xffffffffu, &m->u.bsize, e);
	}
	if (!strcmp(key, "dataset"))
		return val ? opt_dataset(ctx, r, val, *curbuf, e) : -EINVAL;
	if (!strcmp(key, "noalert")) {
		r->noalert = true;
		return 0;
	}
	if (!strcmp(key, "sameip")) {
		r->hflags |= H_SAMEIP;
		return 0;
	}
	if (!val) {
		if (!strcmp(key, "flags") || !strcmp(key, "flow") || !strcmp(key, "ttl") ||
		    !strcmp(key, "flowbits") || !strcmp(key, "dsize")) {
			pl_perr(e, "%s needs a value", key);
			return -EINVAL;
		}
		goto unsupported;
	}
	if (!strcmp(key, "dsize")) {
		r->hflags |= H_DSIZE;
		return pl_uint_parse(val, 65535, &r->dsize, e);
	}
	{
		static const struct {
			const char *k;
			uint32_t flag;
			size_t off;
			uint64_t max;
		} ints[] = {
			{ "ttl", H_TTL, offsetof(struct rule, ttl), 255 },
			{ "id", H_ID, offsetof(struct rule, id), 65535 },
			{ "itype", H_ITYPE, offsetof(struct rule, itype), 255 },
			{ "icode", H_ICODE, offsetof(struct rule, icode), 255 },
			{ "icmp_id", H_ICMPID, offsetof(struct rule, icmpid), 65535 },
			{ "icmp_seq", H_ICMPSEQ, offsetof(struct rule, icmpseq), 65535 },
			{ "seq", H_SEQ, offsetof(struct rule, seq), 0xffffffffu },
			{ "ack", H_ACK, offsetof(struct rule, ack), 0xffffffffu },
			{ "window", H_WINDOW, offsetof(struct rule, window), 65535 },
		};

		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
			if (strcmp(ints[i].k, key))
				continue;
			r->hflags |= ints[i].flag;
			return pl_uint_parse(val, ints[i].max,
					     (struct uintm *)((char *)r + ints[i].off), e);
		}
	}
	if (!strcmp(key, "flags"))
		return opt_flags(r, val, e);
	if (!strcmp(key, "ipopts"))
		return opt_ipopts(r, val, e);
	if (!strcmp(key, "ip_proto"))
		return opt_ipproto(r, val, e);
	if (!strcmp(key, "flow"))
		return opt_flow(r, val, e);
	if (!strcmp(key, "flowbits"))
		return opt_flowbits(ctx, r, val, e);
	if (!strcmp(key, "app-layer-protocol")) {
		const char *v = val;

		r->alproto_neg = *v == '!';
		v += r->alproto_neg;
		if (!*v || strlen(v) >= sizeof(r->alproto)) {
			pl_perr(e, "app-layer-protocol: a protocol name (http, tls, dns, ...)");
			return -EINVAL;
		}
		snprintf(r->alproto, sizeof(r->alproto), "%s", v);
		r->alproto_set = true;
		return 0;
	}
	if (!strcmp(key, "threshold") || !strcmp(key, "detection_filter"))
		return opt_threshold(r, val, key[0] == 'd', e);
unsupported:
	pl_perr(e, "%s", key);
	e->unsupported = true;
	return -ENOTSUP;
}
