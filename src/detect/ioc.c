// SPDX-License-Identifier: BSD-2-Clause
/*
 * ioc.c - IOC lists (see ioc.h): prefixes kept sorted per family as (masked address,
 * length), looked up per length present, longest first; names sorted, looked up for
 * the name and then each parent. Matching flows and L7 names: ioc_match.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/sort.h"
#include "detect/ioc.h"
#include "util/log.h"

struct pfx {
	uint8_t a[16]; /* masked; IPv4 as IPv4-mapped IPv6 */
	uint8_t len;   /* of the 128 bits (IPv4: 96 + its length) */
};

struct pl_ioc {
	struct pfx *p;
	size_t np;
	char **names;
	size_t nn;
	uint8_t lens[129]; /* lengths present */
};

struct pl_ioc *pl_ioc_new(void)
{
	return calloc(1, sizeof(struct pl_ioc));
}

void pl_ioc_free(struct pl_ioc *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nn; i++)
		free(l->names[i]);
	free(l->names);
	free(l->p);
	free(l);
}

size_t pl_ioc_count(const struct pl_ioc *l, bool domains)
{
	return !l ? 0 : domains ? l->nn : l->np;
}

static void mask(uint8_t *a, unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = len > i * 8 ? len - i * 8 : 0;

		if (keep < 8)
			a[i] &= keep ? (uint8_t)(0xff << (8 - keep)) : 0;
	}
}

/* "a.b.c.d[/n]" or "x:y::z[/n]" into @p; false when it is neither. */
static bool parse_prefix(const char *text, struct pfx *p)
{
	char s[PL_IOC_LINE_MAX + 1], *slash, *end;
	bool v6 = strchr(text, ':') != NULL;
	unsigned long len = v6 ? 128 : 32;

	snprintf(s, sizeof(s), "%s", text); /* cut at the '/' here, not in the caller's */
	slash = strchr(s, '/');
	memset(p, 0, sizeof(*p));
	if (slash) {
		*slash = 0;
		if (!isdigit((unsigned char)slash[1]))
			return false;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (*end || errno || len > (v6 ? 128u : 32u) || end - (slash + 1) > 3)
			return false;
	}
	if (v6) {
		if (inet_pton(AF_INET6, s, p->a) != 1)
			return false;
		p->len = (uint8_t)len;
	} else {
		if (inet_pton(AF_INET, s, p->a + 12) != 1)
			return false;
		p->a[10] = p->a[11] = 0xff;
		p->len = (uint8_t)(96 + len);
	}
	mask(p->a, p->len);
	return true;
}

/* A DNS name as lists write it: letters, digits, '-', '_', dots; lower-cased in place. */
static bool parse_name(char *s)
{
	size_t n = strlen(s);

	if (s[0] == '*' && s[1] == '.') /* "*.example.com": the same as example.com here */
		memmove(s, s + 2, (n -= 2) + 1);
	if (n && s[n - 1] == '.') /* the root's dot */
		s[--n] = 0;
	if (!n || n > 253 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '-' || c == '_' || c == '.') || (c == '.' && s[i + 1] == '.'))
			return false;
		s[i] = (char)tolower(c);
	}
	return true;
}

static int cmp_pfx(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;

	if (x->len != y->len)
		return x->len - y->len;
	return memcmp(x->a, y->a, 16);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct pending {
	struct pfx *p;
	char **names;
	size_t n, cap;
};

static int grow(struct pending *t, bool domains)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	void *q;

	if (domains)
		q = realloc(t->names, cap * sizeof(*t->names));
	else
		q = realloc(t->p, cap * sizeof(*t->p));
	if (!q)
		return -ENOMEM;
	if (domains)
		t->names = q;
	else
		t->p = q;
	t->cap = cap;
	return 0;
}

static void pending_free(struct pending *t)
{
	for (size_t i = 0; t->names && i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->p);
}

/* One line (without its newline), into @t; 0 or -EINVAL after the message. */
static int parse_line(struct pending *t, const char *name, unsigned int lineno, char *line,
		      bool domains)
{
	char *s = line, *e, *hash = strchr(line, '#');
	struct pfx p;

	if (hash)
		*hash = 0;
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = 0;
	if (!*s)
		return 0;
	if (strpbrk(s, " \t")) {
		pl_warn("%s:%u: '%s': one %s a line", name, lineno, s,
			domains ? "domain name" : "address or prefix");
		return -EINVAL;
	}
	if (t->n == PL_IOC_ENTRIES_MAX) {
		pl_warn("%s:%u: more than %u entries: split the list or shorten it", name, lineno,
			PL_IOC_ENTRIES_MAX);
		return -E2BIG;
	}
	if (t->n == t->cap && grow(t, domains))
		return -ENOMEM;
	if (domains) {
		if (!parse_name(s)) {
			pl_warn("%s:%u: '%s' is not a domain name (letters, digits, '-', '_' and "
				"dots, at most 253 characters)", name, lineno, s);
			return -EINVAL;
		}
		t->names[t->n] = strdup(s);
		if (!t->names[t->n])
			return -ENOMEM;
		t->n++;
		return 0;
	}
	if (!parse_prefix(s, &p)) {
		pl_warn("%s:%u: '%s' is not an IPv4 or IPv6 address or prefix (ADDR or ADDR/LEN)",
			name, lineno, s);
		return -EINVAL;
	}
	t->p[t->n++] = p;
	return 0;
}

/* Merge the pending entries into @l (sorted, duplicates dropped). */
static int commit(struct pl_ioc *l, struct pending *t, bool domains)
{
	size_t have = domains ? l->nn : l->np, k = 0;
	void *q;

	if (!t->n)
		return 0;
	if (domains) {
		q = realloc(l->names, (have + t->n) * sizeof(*l->names));
		if (!q)
			return -ENOMEM;
		l->names = q;
		if (t->n) /* t->names is NULL when the list had none */
			memcpy(l->names + have, t->names, t->n * sizeof(*t->names));
		free(t->names);
		t->names = NULL;
		pl_qsort(l->names, have + t->n, sizeof(*l->names), cmp_str);
		for (size_t i = 0; i < have + t->n; i++) {
			if (k && !strcmp(l->names[k - 1], l->names[i]))
				free(l->names[i]);
			else
				l->names[k++] = l->names[i];
		}
		l->nn = k;
		return 0;
	}
	q = realloc(l->p, (have + t->n) * sizeof(*l->p));
	if (!q)
		return -ENOMEM;
	l->p = q;
	if (t->n)
		memcpy(l->p + have, t->p, t->n * sizeof(*t->p));
	pl_qsort(l->p, have + t->n, sizeof(*l->p), cmp_pfx);
	for (size_t i = 0; i < have + t->n; i++)
		if (!k || cmp_pfx(&l->p[k - 1], &l->p[i]))
			l->p[k++] = l->p[i];
	l->np = k;
	memset(l->lens, 0, sizeof(l->lens));
	for (size_t i = 0; i < k; i++)
		l->lens[l->p[i].len] = 1;
	return 0;
}

int pl_ioc_parse(struct pl_ioc *l, const char *name, const char *buf, size_t len, bool domains)
{
	struct pending t = {};
	char line[PL_IOC_LINE_MAX + 1];
	unsigned int lineno = 0;
	size_t pos = 0;
	int err = 0;

	if (len > PL_IOC_FILE_MAX) {
		pl_warn("%s: larger than %u MiB: not an IOC list", name, PL_IOC_FILE_MAX >> 20);
		return -E2BIG;
	}
	while (!err && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (n > PL_IOC_LINE_MAX) {
			pl_warn("%s:%u: line longer than %u characters", name, lineno, PL_IOC_LINE_MAX);
			err = -EINVAL;
			break;
		}
		memcpy(line, buf + pos, n);
		line[n] = 0;
		pos += n + 1;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)line[i];

			if (c < 0x20 && c != '\t' && c != '\r') {
				pl_warn("%s:%u: a control byte (0x%02x): this is not a text list",
					name, lineno, c);
				err = -EINVAL;
				break;
			}
		}
		if (!err)
			err = parse_line(&t, name, lineno, line, domains);
	}
	if (!err)
		err = commit(l, &t, domains);
	if (err == -ENOMEM)
		pl_warn("%s: out of memory for the list", name);
	pending_free(&t);
	return err;
}

int pl_ioc_load(struct pl_ioc *l, const char *path, bool domains)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf;
	size_t n;
	int err;

	if (!f) {
		err = -errno;
		pl_warn("cannot read the list '%s': %s", path, strerror(-err));
		return err;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		pl_warn("'%s' is not a regular file", path);
		fclose(f);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > PL_IOC_FILE_MAX) {
		pl_warn("%s: larger than %u MiB: not an IOC list", path, PL_IOC_FILE_MAX >> 20);
		fclose(f);
		return -E2BIG;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, st.st_size, f);
	fclose(f);
	err = pl_ioc_parse(l, path, buf, n, domains);
	free(buf);
	return err;
}

bool pl_ioc_addr(const struct pl_ioc *l, const uint32_t *addr, int family)
{
	struct pfx k;

	if (!l || !l->np)
		return false;
	for (int len = 128; len >= (family == 4 ? 96 : 0); len--) {
		if (!l->lens[len])
			continue;
		memcpy(k.a, addr, 16);
		k.len = (uint8_t)len;
		mask(k.a, len);
		if (pl_bsearch(&k, l->p, l->np, sizeof(*l->p), cmp_pfx))
			return true;
	}
	return false;
}

bool pl_ioc_domain(const struct pl_ioc *l, const char *name, const char **hit)
{
	char buf[256];
	const char *s = buf;
	size_t n;

	if (!l || !l->nn || !name || !*name)
		return false;
	n = strlen(name);
	if (n >= sizeof(buf))
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	if (n && buf[n - 1] == '.')
		buf[n - 1] = 0;
	while (s && *s) {
		char *const *f = pl_bsearch(&s, l->names, l->nn, sizeof(*l->names), cmp_str);

		if (f) {
			*hit = *f;
			return true;
		}
		s = strchr(s, '.');
		if (s)
			s++;
	}
	return false;
}
