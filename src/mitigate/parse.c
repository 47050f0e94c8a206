// SPDX-License-Identifier: BSD-2-Clause
/*
 * parse.c - addresses, durations, protocols, rule files and list files (see parse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include "mitigate/parse.h"

#define LIST_MAX_BYTES (256u << 20)

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *pl_prefix_str(const struct pl_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int full = p->family == 4 ? 32 : 128;

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	if (p->plen == full)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->plen);
	return buf;
}

int pl_prefix_parse(const char *s, struct pl_prefix *p, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct pl_prefix m;
	unsigned long len;
	int full;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(a))
		return fail(err, errlen, "'%.40s...' is not an address: too long", s);
	strcpy(a, s);
	slash = strchr(a, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, a, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, a, p->addr) == 1)
		p->family = 6;
	else
		return fail(err, errlen, "'%s' is not an IPv4 or IPv6 address%s", a,
			    "; write e.g. 198.51.100.7, 198.51.100.0/24 or 2001:db8::/32");
	full = p->family == 4 ? 32 : 128;
	p->plen = full;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || len > (unsigned long)full)
			return fail(err, errlen, "'%s': the prefix length must be 0 to %d for %s",
				    s, full, p->family == 4 ? "IPv4" : "IPv6");
		p->plen = len;
	}
	m = *p;
	pl_prefix_mask(&m);
	if (memcmp(m.addr, p->addr, 16)) {
		char fix[64];

		return fail(err, errlen, "'%s' has bits set past /%u: did you mean %s?", s, p->plen,
			    pl_prefix_str(&m, fix, sizeof(fix)));
	}
	return 0;
}

int pl_duration_parse(const char *s, __u64 *seconds, char *err, size_t errlen)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno)
		goto bad;
	if (*end && !end[1]) {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: goto bad;
		}
	} else if (*end) {
		goto bad;
	}
	if (!v || v > 10ULL * 366 * 86400 / mul)
		goto bad;
	*seconds = v * mul;
	return 0;
bad:
	return fail(err, errlen, "'%s' is not a duration: write a positive number with s, m, h "
			    "or d (90, 90s, 15m, 2h, 1d), at most 10 years", s);
}

static const struct {
	const char *name;
	__u8 proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "sctp", IPPROTO_SCTP },
	{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
};

int pl_proto_parse(const char *s, __u8 *proto, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	return fail(err, errlen, "unknown protocol '%s': expected tcp, udp, sctp, icmp or icmpv6", s);
}

const char *pl_mit_proto_name(__u8 proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return "any";
}

int pl_proto_check(__u8 proto, int family, char *err, size_t errlen)
{
	if ((proto == IPPROTO_ICMP && family == 6) || (proto == IPPROTO_ICMPV6 && family == 4))
		return fail(err, errlen, "%s does not go with an IPv%d address (use %s)",
			    pl_mit_proto_name(proto), family, family == 4 ? "icmp" : "icmpv6");
	return 0;
}

/* Split @line into at most @max words (in place); returns the count. */
static int words(char *line, char **w, int max)
{
	int n = 0;

	for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r")) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	struct stat st;
	char *b;

	if (!f)
		return fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
	if (!fstat(fileno(f), &st) && !S_ISREG(st.st_mode)) { /* fread would say EIO */
		fclose(f);
		return fail(err, errlen, "cannot read %s: %s, not a file of one rule or CIDR a "
			    "line", path, S_ISDIR(st.st_mode) ? "it is a directory" :
			    "it is not a regular file");
	}
	b = malloc(cap);
	while (b) {
		size_t r = fread(b + n, 1, cap - n, f);

		n += r;
		if (n < cap)
			break;
		if (cap >= LIST_MAX_BYTES) {
			free(b);
			fclose(f);
			return fail(err, errlen, "%s is larger than %u MiB", path, LIST_MAX_BYTES >> 20);
		}
		cap *= 2;
		b = realloc(b, cap);
	}
	if (!b || ferror(f)) {
		free(b);
		fclose(f);
		return fail(err, errlen, "cannot read %s: %s", path, b ? strerror(EIO) : "out of memory");
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* Next line of @buf from *pos into @line (NUL-terminated, comment cut); 0 at the end. */
static int next_line(const char *buf, size_t len, size_t *pos, char *line, size_t cap,
		     bool *too_long)
{
	size_t start = *pos, end = start, n;
	char *hash;

	if (start >= len)
		return 0;
	while (end < len && buf[end] != '\n')
		end++;
	*pos = end + 1;
	n = end - start;
	*too_long = n >= cap;
	if (*too_long)
		n = cap - 1;
	memcpy(line, buf + start, n);
	line[n] = 0;
	if (memchr(line, 0, n))
		*too_long = true; /* not text: refused as a line that cannot be read */
	hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	return 1;
}

int pl_list_parse(const char *name, const char *buf, size_t len, struct pl_prefix **out,
		  size_t *n, char *err, size_t errlen)
{
	size_t pos = 0, cap = 0, cnt = 0, lineno = 0;
	struct pl_prefix *v = NULL, p;
	char line[256], e[PL_ERR_LEN], *w[2];
	bool too_long;

	while (next_line(buf, len, &pos, line, sizeof(line), &too_long)) {
		int nw;

		lineno++;
		if (too_long) {
			free(v);
			return fail(err, errlen, "%s:%zu: not a prefix (too long, or not text)", name,
				    lineno);
		}
		nw = words(line, w, 1);
		if (!nw)
			continue;
		if (nw > 1 || pl_prefix_parse(w[0], &p, e, sizeof(e))) {
			free(v);
			return fail(err, errlen, "%s:%zu: %s", name, lineno,
				    nw > 1 ? "one prefix a line, nothing after it" : e);
		}
		if (cnt == cap) {
			struct pl_prefix *nv;

			cap = cap ? 2 * cap : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return fail(err, errlen, "%s: out of memory", name);
			}
			v = nv;
		}
		v[cnt++] = p;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* The directory of @name joined with @file (an absolute @file stays as it is). */
static void rel_path(const char *name, const char *file, char *out, size_t len)
{
	const char *slash = strrchr(name, '/');

	if (file[0] == '/' || !slash)
		snprintf(out, len, "%s", file);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - name), name, file);
}

static int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pl_port_rule_check(struct pl_rule_spec *sp, char *e, size_t el)
{
	bool sport = sp->r.flags & PL_RULE_F_SPORT;

	if (sp->r.min_len && !sport)
		return fail(e, el, "minlen goes with sport N (answers from a service's port)");
	if (sport && (sp->r.proto != IPPROTO_TCP && sp->r.proto != IPPROTO_UDP &&
		      sp->r.proto != IPPROTO_SCTP))
		return fail(e, el, "sport needs proto tcp, udp or sctp");
	if (sp->r.port && sp->r.proto && sp->r.proto != IPPROTO_TCP &&
	    sp->r.proto != IPPROTO_UDP && sp->r.proto != IPPROTO_SCTP)
		return fail(e, el, "a port needs tcp, udp or sctp, not %s", pl_mit_proto_name(sp->r.proto));
	if (sp->r.port || sp->r.proto)
		sp->r.kind = PL_RULE_PORT;
	return pl_proto_check(sp->r.proto, sp->r.family, e, el);
}

/* Options after "block CIDR": port N | sport N [minlen B], proto P, ttl D, alert. */
static int block_opts(struct pl_rule_spec *sp, char **w, int nw, int from, char *e, size_t el)
{
	bool dport = false;

	for (int i = from; i < nw; i++) {
		__u32 port;

		if (!strcmp(w[i], "alert")) {
			sp->r.flags |= PL_RULE_F_ALERT;
			continue;
		}
		if (i + 1 >= nw)
			return fail(e, el, "'%s' needs a value", w[i]);
		if (!strcmp(w[i], "port") || !strcmp(w[i], "sport")) {
			bool src = w[i][0] == 's';

			if (parse_u32(w[i + 1], 1, 65535, &port))
				return fail(e, el, "%s '%s' must be 1 to 65535", w[i], w[i + 1]);
			if (src ? dport : sp->r.port != 0)
				return fail(e, el, "a rule takes port N or sport N, not both");
			dport = !src;
			sp->r.port = htons(port);
			if (src)
				sp->r.flags |= PL_RULE_F_SPORT;
		} else if (!strcmp(w[i], "minlen")) {
			if (parse_u32(w[i + 1], 1, 65535, &sp->r.min_len))
				return fail(e, el, "minlen '%s' must be 1 to 65535 bytes", w[i + 1]);
		} else if (!strcmp(w[i], "proto")) {
			if (pl_proto_parse(w[i + 1], &sp->r.proto, e, el))
				return -EINVAL;
		} else if (!strcmp(w[i], "ttl")) {
			if (pl_duration_parse(w[i + 1], &sp->ttl_s, e, el))
				return -EINVAL;
		} else {
			return fail(e, el, "unknown word '%s': a block takes port N or sport N "
					   "[minlen B], proto P, ttl D, alert", w[i]);
		}
		i++;
	}
	return pl_port_rule_check(sp, e, el);
}

static int set_prefix(struct pl_rule_spec *sp, const char *s, char *e, size_t el)
{
	struct pl_prefix p;

	if (pl_prefix_parse(s, &p, e, el))
		return -EINVAL;
	sp->r.family = p.family;
	sp->r.plen = p.plen;
	memcpy(sp->r.addr, p.addr, 16);
	return 0;
}

static int parse_rule(const char *name, char **w, int nw, bool no_files,
		      struct pl_rule_spec *sp, char *e, size_t el)
{
	memset(sp, 0, sizeof(*sp));
	if (!strcmp(w[0], "block") || !strcmp(w[0], "allow")) {
		sp->r.kind = w[0][0] == 'b' ? PL_RULE_BLOCK : PL_RULE_ALLOW;
		if (nw < 2)
			return fail(e, el, "%s needs an address or CIDR", w[0]);
		if (set_prefix(sp, w[1], e, el))
			return -EINVAL;
		if (sp->r.kind == PL_RULE_ALLOW)
			return nw > 2 ? fail(e, el, "allow takes only a CIDR") : 0;
		return block_opts(sp, w, nw, 2, e, el);
	}
	if (!strcmp(w[0], "rate")) {
		sp->r.kind = PL_RULE_RATE;
		if (nw < 3)
			return fail(e, el, "rate needs a CIDR and packets a second: rate CIDR PPS [burst N] [aggregate]");
		if (set_prefix(sp, w[1], e, el))
			return -EINVAL;
		if (parse_u32(w[2], 1, 100000000, &sp->r.pps))
			return fail(e, el, "rate '%s' must be 1 to 100000000 packets a second", w[2]);
		sp->r.burst = sp->r.pps;
		for (int i = 3; i < nw; i++) {
			if (!strcmp(w[i], "alert")) {
				sp->r.flags |= PL_RULE_F_ALERT;
			} else if (!strcmp(w[i], "aggregate")) {
				sp->r.flags |= PL_RULE_F_AGGREGATE;
			} else if (!strcmp(w[i], "burst") && i + 1 < nw) {
				if (parse_u32(w[++i], 1, 100000000, &sp->r.burst))
					return fail(e, el, "burst '%s' must be 1 to 100000000", w[i]);
			} else {
				return fail(e, el, "unknown word '%s': rate takes burst N, aggregate, alert",
					    w[i]);
			}
		}
		return 0;
	}
	if (!strcmp(w[0], "blocklist")) {
		char path[PATH_MAX], *buf;
		size_t len;
		int err;

		if (nw != 2)
			return fail(e, el, "blocklist takes one file name");
		if (no_files)
			return fail(e, el, "blocklist files cannot be read here");
		sp->r.kind = PL_RULE_LIST;
		snprintf(sp->r.label, sizeof(sp->r.label), "%s",
			 strrchr(w[1], '/') ? strrchr(w[1], '/') + 1 : w[1]);
		rel_path(name, w[1], path, sizeof(path));
		err = read_file(path, &buf, &len, e, el);
		if (!err)
			err = pl_list_parse(path, buf, len, &sp->list, &sp->nlist, e, el);
		if (!err)
			free(buf);
		if (!err && !sp->nlist)
			err = fail(e, el, "%s holds no prefix", path);
		sp->r.entries = sp->nlist;
		return err;
	}
	return fail(e, el, "unknown rule '%s': expected block, allow, rate or blocklist", w[0]);
}

void pl_rules_free(struct pl_rule_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].list);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

int pl_rules_parse(const char *name, const char *buf, size_t len, bool no_files,
		   struct pl_rule_set *set, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0, cap = 0;
	char line[1024], e[PL_ERR_LEN], *w[16];
	bool too_long;

	memset(set, 0, sizeof(*set));
	while (next_line(buf, len, &pos, line, sizeof(line), &too_long)) {
		struct pl_rule_spec sp = {};
		int nw;

		lineno++;
		if (too_long) {
			pl_rules_free(set);
			return fail(err, errlen, "%s:%zu: not a rule (longer than %zu bytes, or not "
					    "text)", name, lineno, sizeof(line) - 1);
		}
		nw = words(line, w, 15);
		if (!nw)
			continue;
		if (nw > 15 || parse_rule(name, w, nw, no_files, &sp, e, sizeof(e))) {
			free(sp.list);
			pl_rules_free(set);
			return fail(err, errlen, "%s:%zu: %s", name, lineno,
				    nw > 15 ? "too many words" : e);
		}
		sp.r.origin = PL_ORIGIN_FILE;
		sp.r.line = lineno;
		if (set->n == cap) {
			struct pl_rule_spec *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(set->v, cap * sizeof(*nv));
			if (!nv) {
				free(sp.list);
				pl_rules_free(set);
				return fail(err, errlen, "%s: out of memory", name);
			}
			set->v = nv;
		}
		set->v[set->n++] = sp;
	}
	return 0;
}

int pl_rules_load(const char *path, struct pl_rule_set *set, char *err, size_t errlen)
{
	size_t len;
	char *buf;
	int e;

	memset(set, 0, sizeof(*set));
	e = read_file(path, &buf, &len, err, errlen);
	if (e)
		return e;
	e = pl_rules_parse(path, buf, len, false, set, err, errlen);
	free(buf);
	return e;
}
