// SPDX-License-Identifier: BSD-2-Clause
/*
 * addr.c - the address and port fields of a rule header: any, !, [lists], CIDRs,
 * port ranges (lo:hi, lo:, :hi) and $VARIABLES, nested; and Suricata's integer tests.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"

#define NEST_MAX 16 /* [ ] and $VAR levels: a variable naming itself ends here */
#define SET_MAX 4096

void pl_perr(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static const char *var_get(const struct rvars *v, const char *name, size_t len)
{
	for (int i = 0; v && i < v->n; i++)
		if (strlen(v->name[i]) == len && !strncmp(v->name[i], name, len))
			return v->value[i];
	return NULL;
}

/* One element of a list: up to the ',' or ']' at this level; returns its end. */
static const char *elem_end(const char *s)
{
	int depth = 0;

	for (; *s; s++) {
		if (*s == '[')
			depth++;
		else if (*s == ']' && depth-- == 0)
			return s;
		else if (*s == ',' && depth == 0)
			return s;
	}
	return s;
}

struct gen {
	bool port;
	const struct rvars *v;
	struct perr *e;
	struct addrset *as;
	struct portset *ps;
};

static int add_addr(struct gen *g, const char *s, size_t len, bool neg)
{
	struct addr_ent a = { .neg = neg };
	char buf[64], *slash;
	long plen = -1;

	if (len >= sizeof(buf)) {
		pl_perr(g->e, "bad address '%.*s'", (int)len, s);
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = 0;
	slash = strchr(buf, '/');
	if (slash) {
		char *end;

		*slash = 0;
		errno = 0;
		plen = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || errno) {
			pl_perr(g->e, "bad prefix length in '%.*s'", (int)len, s);
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, buf, a.a) == 1) {
		a.family = 4;
		if (plen < 0)
			plen = 32;
		if (plen > 32)
			goto bad;
	} else if (inet_pton(AF_INET6, buf, a.a) == 1) {
		a.family = 6;
		if (plen < 0)
			plen = 128;
		if (plen > 128)
			goto bad;
	} else {
		pl_perr(g->e, "bad address '%.*s': an IPv4/IPv6 address or CIDR, any, [list] "
			      "or $VARIABLE", (int)len, s);
		return -EINVAL;
	}
	a.plen = (uint8_t)plen;
	if (g->as->n >= SET_MAX) {
		pl_perr(g->e, "more than %d addresses", SET_MAX);
		return -EINVAL;
	}
	{
		struct addr_ent *n = realloc(g->as->e, (g->as->n + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->as->e = n;
		n[g->as->n++] = a;
		if (!neg)
			g->as->any_pos = true;
	}
	return 0;
bad:
	pl_perr(g->e, "prefix length too long in '%.*s'", (int)len, s);
	return -EINVAL;
}

static int parse_port_num(const char *s, size_t len, long *out)
{
	char *end;

	if (!len || len > 5 || !isdigit((unsigned char)*s))
		return -EINVAL;
	*out = strtol(s, &end, 10);
	return end == s + len && *out <= 65535 ? 0 : -EINVAL;
}

static int add_port(struct gen *g, const char *s, size_t len, bool neg)
{
	struct port_ent p = { .lo = 0, .hi = 65535, .neg = neg };
	const char *colon = memchr(s, ':', len);
	long lo = 0, hi = 65535;

	if (colon) {
		size_t l1 = (size_t)(colon - s), l2 = len - l1 - 1;

		if ((l1 && parse_port_num(s, l1, &lo)) || (l2 && parse_port_num(colon + 1, l2, &hi)) ||
		    (!l1 && !l2) || lo > hi)
			goto bad;
	} else if (parse_port_num(s, len, &lo)) {
		goto bad;
	} else {
		hi = lo;
	}
	p.lo = (uint16_t)lo;
	p.hi = (uint16_t)hi;
	if (g->ps->n >= SET_MAX) {
		pl_perr(g->e, "more than %d ports", SET_MAX);
		return -EINVAL;
	}
	{
		struct port_ent *n = realloc(g->ps->e, (g->ps->n + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->ps->e = n;
		n[g->ps->n++] = p;
		if (!neg)
			g->ps->any_pos = true;
	}
	return 0;
bad:
	pl_perr(g->e, "bad port '%.*s': a number, lo:hi, lo:, :hi, any, [list] or $VARIABLE",
		(int)len, s);
	return -EINVAL;
}

static int gen_parse(struct gen *g, const char *s, size_t len, bool neg, int depth);

static int gen_elem(struct gen *g, const char *s, size_t len, bool neg, int depth)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len) {
		pl_perr(g->e, "empty %s in a list", g->port ? "port" : "address");
		return -EINVAL;
	}
	if (*s == '!')
		return gen_elem(g, s + 1, len - 1, !neg, depth);
	if (*s == '[') {
		if (s[len - 1] != ']') {
			pl_perr(g->e, "'[' without its ']' in '%.*s'", (int)len, s);
			return -EINVAL;
		}
		return gen_parse(g, s + 1, len - 2, neg, depth + 1);
	}
	if (*s == '$') {
		const char *val = var_get(g->v, s + 1, len - 1);

		if (!val) {
			pl_perr(g->e, "variable '%.*s' is not defined: set it in the [vars] section "
				      "of pktlens.conf(5)", (int)len, s);
			return -EINVAL;
		}
		return gen_parse(g, val, strlen(val), neg, depth + 1);
	}
	if (len == 3 && !strncasecmp(s, "any", 3)) {
		if (neg) {
			pl_perr(g->e, "!any matches nothing");
			return -EINVAL;
		}
		if (g->port)
			return add_port(g, "0:65535", 7, false);
		return add_addr(g, "0.0.0.0/0", 9, false) ?: add_addr(g, "::/0", 4, false);
	}
	return g->port ? add_port(g, s, len, neg) : add_addr(g, s, len, neg);
}

static int gen_parse(struct gen *g, const char *s, size_t len, bool neg, int depth)
{
	const char *end = s + len;

	if (depth > NEST_MAX) {
		pl_perr(g->e, "lists or variables nested deeper than %d (a variable that names "
			      "itself?)", NEST_MAX);
		return -EINVAL;
	}
	while (s < end) {
		const char *e = elem_end(s);
		int err;

		if (e > end)
			e = end;
		if (*e == ']' && e < end) {
			pl_perr(g->e, "']' without its '['");
			return -EINVAL;
		}
		err = gen_elem(g, s, (size_t)(e - s), neg, depth);
		if (err)
			return err;
		s = e < end ? e + 1 : e;
	}
	return 0;
}

int pl_addr_parse(const char *s, const struct rvars *v, struct addrset *out, struct perr *e)
{
	struct gen g = { .port = false, .v = v, .e = e, .as = out };

	memset(out, 0, sizeof(*out));
	if (!strcasecmp(s, "any"))
		return 0;
	return gen_parse(&g, s, strlen(s), false, 0);
}

int pl_port_parse(const char *s, const struct rvars *v, struct portset *out, struct perr *e)
{
	struct gen g = { .port = true, .v = v, .e = e, .ps = out };

	memset(out, 0, sizeof(*out));
	if (!strcasecmp(s, "any"))
		return 0;
	return gen_parse(&g, s, strlen(s), false, 0);
}

static bool in_prefix(const struct addr_ent *p, uint8_t family, const uint8_t *a)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->a, a, full))
		return false;
	return !rest || ((p->a[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool pl_addr_match(const struct addrset *s, uint8_t family, const uint8_t *a)
{
	bool pos = !s->any_pos;

	for (int i = 0; i < s->n; i++) {
		if (!in_prefix(&s->e[i], family, a))
			continue;
		if (s->e[i].neg)
			return false;
		pos = true;
	}
	return pos;
}

bool pl_port_match(const struct portset *s, uint16_t port)
{
	bool pos = !s->any_pos;

	for (int i = 0; i < s->n; i++) {
		if (port < s->e[i].lo || port > s->e[i].hi)
			continue;
		if (s->e[i].neg)
			return false;
		pos = true;
	}
	return pos;
}

/* A decimal or 0x hex number (with kb/mb/gb suffixes as Suricata takes them). */
int pl_num_parse(const char *s, int64_t *v)
{
	char *end;
	long long x;
	int neg = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-')
		neg = 1, s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0; /* decimal or 0x hex: a leading 0 is no octal here */
	x = strtoll(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || x < 0)
		return -EINVAL;
	if (!strcasecmp(end, "kb") || !strcasecmp(end, "kib"))
		x *= 1024, end += strlen(end);
	else if (!strcasecmp(end, "mb") || !strcasecmp(end, "mib"))
		x *= 1048576, end += strlen(end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*v = neg ? -x : x;
	return 0;
}

static int num_u(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char buf[40];
	int64_t v;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (pl_num_parse(buf, &v) || v < 0 || (uint64_t)v > max)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

int pl_uint_parse(const char *s, uint64_t max, struct uintm *u, struct perr *e)
{
	const char *p = s, *dash;
	size_t len;

	memset(u, 0, sizeof(*u));
	while (isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (!len)
		goto bad;
	if (*p == '&') { /* &mask=value, &mask!=value */
		const char *eq = memchr(p, '=', len);
		bool ne = eq && eq > p && eq[-1] == '!';

		if (!eq || num_u(p + 1, (size_t)(eq - p - 1 - ne), max, &u->a) ||
		    num_u(eq + 1, len - (size_t)(eq + 1 - p), max, &u->b))
			goto bad;
		u->op = ne ? U_NMASK : U_MASK;
		return 0;
	}
	if (len >= 2 && (!strncmp(p, "<=", 2) || !strncmp(p, ">=", 2) || !strncmp(p, "!=", 2))) {
		u->op = *p == '<' ? U_LE : *p == '>' ? U_GE : U_NE;
		if (num_u(p + 2, len - 2, max, &u->a))
			goto bad;
		return 0;
	}
	if (*p == '<' || *p == '>' || *p == '=' || *p == '!') {
		bool neg = *p == '!';

		u->op = *p == '<' ? U_LT : *p == '>' ? U_GT : neg ? U_NE : U_EQ;
		p++, len--;
		dash = memchr(p + 1, '-', len ? len - 1 : 0);
		if (neg && dash) {
			u->op = U_NRANGE;
			if (num_u(p, (size_t)(dash - p), max, &u->a) ||
			    num_u(dash + 1, len - (size_t)(dash + 1 - p), max, &u->b) || u->a >= u->b)
				goto bad;
			return 0;
		}
		if (num_u(p, len, max, &u->a))
			goto bad;
		return 0;
	}
	dash = len > 1 ? memchr(p + 1, '-', len - 1) : NULL;
	if (!dash) {
		const char *lg = strstr(p, "<>");

		if (lg && (size_t)(lg - p) < len) { /* the older N<>M form */
			u->op = U_RANGE;
			if (num_u(p, (size_t)(lg - p), max, &u->a) ||
			    num_u(lg + 2, len - (size_t)(lg + 2 - p), max, &u->b) || u->a >= u->b)
				goto bad;
			return 0;
		}
		u->op = U_EQ;
		if (num_u(p, len, max, &u->a))
			goto bad;
		return 0;
	}
	u->op = U_RANGE;
	if (num_u(p, (size_t)(dash - p), max, &u->a) ||
	    num_u(dash + 1, len - (size_t)(dash + 1 - p), max, &u->b) || u->a >= u->b)
		goto bad;
	return 0;
bad:
	pl_perr(e, "bad number test '%s': N, !N, <N, <=N, >N, >=N, N-M (exclusive), !N-M "
		   "or &MASK=N, with N up to %llu", s, (unsigned long long)max);
	return -EINVAL;
}

bool pl_uint_match(const struct uintm *u, uint64_t v)
{
	switch (u->op) {
	case U_EQ: return v == u->a;
	case U_NE: return v != u->a;
	case U_LT: return v < u->a;
	case U_LE: return v <= u->a;
	case U_GT: return v > u->a;
	case U_GE: return v >= u->a;
	case U_RANGE: return v > u->a && v < u->b;
	case U_NRANGE: return v <= u->a || v >= u->b;
	case U_MASK: return (v & u->a) == u->b;
	case U_NMASK: return (v & u->a) != u->b;
	default: return true;
	}
}
