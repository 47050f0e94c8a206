// SPDX-License-Identifier: BSD-2-Clause
/*
 * parse.c - one rule: `action proto src sport -> dst dport (key:value; ...)`. The
 * header's fields are separated by blanks ([lists] may hold blanks); options end at
 * a ';' outside quotes that no backslash escapes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"

#define HDR_FIELD_MAX 4096

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The next header field into @out: up to a blank outside brackets; NULL at its end. */
static const char *field(const char *s, char *out, size_t max)
{
	int depth = 0;
	size_t k = 0;

	s = skip_ws(s);
	while (*s && (depth || !isspace((unsigned char)*s)) && !(depth == 0 && *s == '(')) {
		if (*s == '[')
			depth++;
		else if (*s == ']')
			depth--;
		if (k + 1 >= max)
			return NULL;
		out[k++] = *s++;
	}
	out[k] = 0;
	return k ? s : NULL;
}

static int parse_proto(const char *p, struct rule *r, struct perr *e)
{
	static const char *const names[] = { "ip", "tcp", "udp", "icmp", "dns", "http", "tls" };

	for (int i = 0; i < 7; i++) {
		if (!strcmp(p, names[i])) {
			r->proto = (uint8_t)i;
			return 0;
		}
	}
	if (!strcmp(p, "pkthdr")) {
		r->proto = P_IP;
		return 0;
	}
	pl_perr(e, "protocol %s", p);
	e->unsupported = true;
	return -ENOTSUP;
}

static int parse_header(const char **sp, struct rparse *ctx, struct rule *r, struct perr *e)
{
	char f[7][HDR_FIELD_MAX];
	const char *s = *sp;
	int err;

	for (int i = 0; i < 7; i++) {
		s = field(s, f[i], sizeof(f[i]));
		if (!s) {
			pl_perr(e, "the header is 'action protocol source port -> destination port' "
				   "before '('");
			return -EINVAL;
		}
	}
	if (!strcmp(f[0], "alert"))
		r->drop = false;
	else if (!strcmp(f[0], "drop"))
		r->drop = true;
	else {
		pl_perr(e, "action %s", f[0]);
		e->unsupported = true;
		return -ENOTSUP;
	}
	err = parse_proto(f[1], r, e);
	if (err)
		return err;
	if (!strcmp(f[4], "<>"))
		r->bidir = true;
	else if (strcmp(f[4], "->")) {
		pl_perr(e, "direction '%s': -> or <>", f[4]);
		return -EINVAL;
	}
	err = pl_addr_parse(f[2], ctx->vars, &r->src, e);
	if (!err)
		err = pl_port_parse(f[3], ctx->vars, &r->sp, e);
	if (!err)
		err = pl_addr_parse(f[5], ctx->vars, &r->dst, e);
	if (!err)
		err = pl_port_parse(f[6], ctx->vars, &r->dp, e);
	*sp = s;
	return err;
}

/* The option at @s: key into @key, value (or NULL) into @val; returns what follows. */
static const char *next_opt(const char *s, char *key, size_t kmax, char **val, struct perr *e)
{
	const char *start;
	bool q = false;
	size_t k = 0;

	s = skip_ws(s);
	while (*s && (isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-')) {
		if (k + 1 >= kmax) {
			pl_perr(e, "a keyword too long");
			return NULL;
		}
		key[k++] = (char)tolower((unsigned char)*s++);
	}
	key[k] = 0;
	if (!k) {
		pl_perr(e, "expected a keyword at '%.20s'", s);
		return NULL;
	}
	s = skip_ws(s);
	*val = NULL;
	if (*s == ';')
		return s + 1;
	if (*s != ':') {
		pl_perr(e, "expected ':' or ';' after '%s'", key);
		return NULL;
	}
	start = ++s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			continue;
		}
		if (*s == '"')
			q = !q;
		else if (*s == ';' && !q)
			break;
	}
	if (*s != ';') {
		pl_perr(e, "'%s': the value has no closing ';'%s", key, q ? " (a quote is open)" : "");
		return NULL;
	}
	*val = strndup(start, (size_t)(s - start));
	if (!*val) {
		pl_perr(e, "out of memory");
		return NULL;
	}
	return s + 1;
}

/* The content that the prefilter looks for: fast_pattern, else the longest. */
static void choose_prefilter(struct rule *r)
{
	int best = -1;

	for (int i = 0; i < r->nm; i++) {
		const struct content *c = &r->m[i].u.c;

		if (r->m[i].type != M_CONTENT || c->negated || r->m[i].buf >= RB_IP_SRC)
			continue;
		if (c->fast) {
			best = i;
			break;
		}
		if (best < 0 || c->len > r->m[best].u.c.len)
			best = i;
	}
	r->pf = best;
}

static int finish(struct rule *r, struct perr *e)
{
	bool sets = false, checks = false;

	if (!r->sid) {
		pl_perr(e, "the rule has no sid");
		return -EINVAL;
	}
	if (!r->msg && !(r->msg = strdup("")))
		return -ENOMEM;
	if (!r->category)
		r->category = "";
	if (!r->prio)
		r->prio = 3; /* Suricata's default without a classtype */
	if (!r->gid)
		r->gid = 1;
	for (int i = 0; i < r->nm; i++) {
		if (r->m[i].type == M_DATASET && r->m[i].buf == RB_PKT) {
			pl_perr(e, "dataset needs a sticky buffer before it (dns.query, http.host, "
				   "ip.src, ...)");
			return -EINVAL;
		}
		if ((r->m[i].buf == RB_IP_SRC || r->m[i].buf == RB_IP_DST) &&
		    r->m[i].type != M_DATASET) {
			pl_perr(e, "ip.src and ip.dst take dataset only");
			return -EINVAL;
		}
	}
	for (int i = 0; i < r->nfb; i++) {
		if (r->fb[i].cmd == FB_ISSET || r->fb[i].cmd == FB_ISNOTSET)
			checks = true;
		else
			sets = true;
	}
	r->order = sets && !checks ? 0 : 1;
	choose_prefilter(r);
	return 0;
}

int pl_sig_parse(struct rparse *ctx, const char *text, struct rule *r, struct perr *e)
{
	const char *s = text;
	int curbuf = RB_PKT, err;

	memset(r, 0, sizeof(*r));
	r->pf = -1;
	ctx->lastc = -1;
	memset(ctx->varnames, 0, sizeof(ctx->varnames));
	err = parse_header(&s, ctx, r, e);
	if (err)
		return err;
	s = skip_ws(s);
	if (*s != '(') {
		pl_perr(e, "expected '(' after the header");
		return -EINVAL;
	}
	s++;
	for (;;) {
		char key[64], *val;

		s = skip_ws(s);
		if (*s == ')')
			break;
		if (!*s) {
			pl_perr(e, "the options have no closing ')'");
			return -EINVAL;
		}
		s = next_opt(s, key, sizeof(key), &val, e);
		if (!s)
			return -EINVAL;
		err = pl_sig_opt(ctx, r, key, val, &curbuf, e);
		free(val);
		if (err)
			return err;
	}
	s = skip_ws(s + 1);
	if (*s) {
		pl_perr(e, "text after the closing ')': '%.20s'", s);
		return -EINVAL;
	}
	return finish(r, e);
}

void pl_sig_rule_free(struct rule *r)
{
	for (int i = 0; i < r->nm; i++) {
		if (r->m[i].type == M_CONTENT) {
			free(r->m[i].u.c.pat);
		} else if (r->m[i].type == M_PCRE) {
			pcre2_match_data_free(r->m[i].u.p.md);
			pcre2_code_free(r->m[i].u.p.re);
		}
	}
	free(r->m);
	free(r->fb);
	free(r->msg);
	free(r->src.e);
	free(r->dst.e);
	free(r->sp.e);
	free(r->dp.e);
	memset(r, 0, sizeof(*r));
}
