// SPDX-License-Identifier: BSD-2-Clause
/*
 * dataset.c - the sets of `dataset:isset|isnotset,NAME,type T,load FILE`: one entry a
 * line, as Suricata writes them (string: base64 of the bytes; md5, sha256: hex; ipv4,
 * ip: an address). Blank lines and lines starting with '#' are skipped. A set is a
 * hash of byte strings; rules naming the same set share it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rules/rules_int.h"

struct dataset {
	char *name;
	int type;
	uint8_t **keys; /* each: 1 length byte, then the bytes */
	size_t n, cap;  /* cap: a power of two, at most half full */
};

struct dsets {
	struct dataset **d;
	int n;
};

static const char *const type_names[] = { "string", "md5", "sha256", "ipv4", "ip" };

static uint64_t hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static uint8_t **slot(const struct dataset *d, const uint8_t *p, size_t n)
{
	size_t i = hash(p, n) & (d->cap - 1);

	while (d->keys[i] && (d->keys[i][0] != n || memcmp(d->keys[i] + 1, p, n)))
		i = (i + 1) & (d->cap - 1);
	return &d->keys[i];
}

static int grow(struct dataset *d)
{
	size_t cap = d->cap ? d->cap * 2 : 64;
	uint8_t **k = calloc(cap, sizeof(*k)), **old = d->keys;
	size_t ocap = d->cap;

	if (!k)
		return -ENOMEM;
	d->keys = k;
	d->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i])
			*slot(d, old[i] + 1, old[i][0]) = old[i];
	free(old);
	return 0;
}

static int add(struct dataset *d, const uint8_t *p, size_t n)
{
	uint8_t **s, *k;

	if ((d->n + 1) * 2 > d->cap && grow(d))
		return -ENOMEM;
	s = slot(d, p, n);
	if (*s)
		return 0;
	k = malloc(n + 1);
	if (!k)
		return -ENOMEM;
	k[0] = (uint8_t)n;
	memcpy(k + 1, p, n);
	*s = k;
	d->n++;
	return 0;
}

bool pl_dataset_has(const struct dataset *d, const uint8_t *buf, size_t len)
{
	uint8_t key[32];
	size_t n = 0;

	if (!d->cap)
		return false;
	switch (d->type) {
	case DS_STRING:
		if (len > 255)
			return false;
		return *slot(d, buf, len) != NULL;
	case DS_MD5:
	case DS_SHA256:
		n = d->type == DS_MD5 ? 16 : 32;
		if (len != n * 2)
			return false;
		for (size_t i = 0; i < n; i++) {
			unsigned int x;
			char h[3] = { (char)buf[2 * i], (char)buf[2 * i + 1], 0 };

			if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
				return false;
			sscanf(h, "%x", &x);
			key[i] = (uint8_t)x;
		}
		return *slot(d, key, n) != NULL;
	default: /* ipv4, ip: the raw address of ip.src/ip.dst */
		if (len != 4 && len != 16)
			return false;
		return *slot(d, buf, len) != NULL;
	}
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 (RFC 4648, '=' padding optional) into @out; its length, or -1. */
static long b64dec(const char *s, size_t n, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t k = 0;

	while (n && s[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (k >= max)
				return -1;
			out[k++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)k;
}

static int parse_entry(struct dataset *d, const char *s, size_t n, struct perr *e)
{
	uint8_t buf[256];
	char tmp[64];
	long len;

	switch (d->type) {
	case DS_STRING:
		len = b64dec(s, n, buf, sizeof(buf) - 1);
		if (len < 0) {
			pl_perr(e, "not base64 (string sets hold one base64-encoded value a line, "
				   "up to 255 bytes)");
			return -EINVAL;
		}
		return add(d, buf, (size_t)len);
	case DS_MD5:
	case DS_SHA256: {
		size_t want = d->type == DS_MD5 ? 32 : 64;

		if (n != want) {
			pl_perr(e, "not a %s (%zu hex digits)", type_names[d->type], want);
			return -EINVAL;
		}
		for (size_t i = 0; i < want / 2; i++) {
			int hi = isxdigit((unsigned char)s[2 * i]), lo = isxdigit((unsigned char)s[2 * i + 1]);
			unsigned int x;
			char h[3] = { s[2 * i], s[2 * i + 1], 0 };

			if (!hi || !lo) {
				pl_perr(e, "not a %s (%zu hex digits)", type_names[d->type], want);
				return -EINVAL;
			}
			sscanf(h, "%x", &x);
			buf[i] = (uint8_t)x;
		}
		return add(d, buf, want / 2);
	}
	default:
		if (n >= sizeof(tmp))
			goto bad_ip;
		memcpy(tmp, s, n);
		tmp[n] = 0;
		if (inet_pton(AF_INET, tmp, buf) == 1)
			return add(d, buf, 4);
		if (d->type == DS_IP && inet_pton(AF_INET6, tmp, buf) == 1)
			return add(d, buf, 16);
bad_ip:
		pl_perr(e, "not an %s address", d->type == DS_IPV4 ? "IPv4" : "IPv4 or IPv6");
		return -EINVAL;
	}
}

void pl_dataset_free(struct dataset *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->cap; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->name);
	free(d);
}

struct dataset *pl_dataset_parse(const char *name, int type, const char *text, size_t len,
				 struct perr *e)
{
	struct dataset *d = calloc(1, sizeof(*d));
	size_t pos = 0;
	int line = 0;

	if (!d || !(d->name = strdup(name))) {
		free(d);
		pl_perr(e, "out of memory");
		return NULL;
	}
	d->type = type;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct perr le = {};

		pos += n + (nl != NULL);
		line++;
		if (memchr(s, 0, n)) {
			pl_perr(e, "%s:%d: a NUL byte: not a text file", name, line);
			goto fail;
		}
		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (!n || *s == '#')
			continue;
		if (parse_entry(d, s, n, &le)) {
			pl_perr(e, "%s:%d: %s", name, line, le.msg[0] ? le.msg : "out of memory");
			goto fail;
		}
	}
	return d;
fail:
	pl_dataset_free(d);
	return NULL;
}

static char *read_file(const char *path, size_t *len, struct perr *e)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f) {
		pl_perr(e, "cannot read the dataset file '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > PL_SIGS_DATASET_MAX) {
		pl_perr(e, "dataset file '%s': not a regular file of at most %u MiB", path,
			PL_SIGS_DATASET_MAX >> 20);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		pl_perr(e, "cannot read the dataset file '%s'", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[st.st_size] = 0;
	*len = (size_t)st.st_size;
	return buf;
}

struct dataset *pl_dataset_get(struct dsets **sets, const char *name, int type,
			       const char *load, const char *dir, bool no_files, struct perr *e)
{
	struct dsets *s = *sets;
	struct dataset *d, **nd;
	char *path = NULL, *text;
	size_t len = 0;

	for (int i = 0; s && i < s->n; i++) {
		if (strcmp(s->d[i]->name, name))
			continue;
		if (type >= 0 && s->d[i]->type != type) {
			pl_perr(e, "dataset '%s' is type %s elsewhere", name, type_names[s->d[i]->type]);
			return NULL;
		}
		return s->d[i];
	}
	if (type < 0 || !load) {
		pl_perr(e, "dataset '%s' is new here: give its type and file (type string, load "
			   "FILE)", name);
		return NULL;
	}
	if (!s && !(s = *sets = calloc(1, sizeof(*s)))) {
		pl_perr(e, "out of memory");
		return NULL;
	}
	if (load[0] != '/' && dir && asprintf(&path, "%s/%s", dir, load) < 0)
		path = NULL;
	text = no_files ? strdup("") : read_file(path ? path : load, &len, e);
	if (!text) {
		free(path);
		return NULL;
	}
	d = pl_dataset_parse(path ? path : load, type, text, len, e);
	free(text);
	free(path);
	if (!d)
		return NULL;
	free(d->name);
	d->name = strdup(name);
	nd = realloc(s->d, (s->n + 1) * sizeof(*nd));
	if (!d->name || !nd) {
		pl_dataset_free(d);
		pl_perr(e, "out of memory");
		return NULL;
	}
	s->d = nd;
	s->d[s->n++] = d;
	return d;
}

void pl_datasets_free(struct dsets *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		pl_dataset_free(s->d[i]);
	free(s->d);
	free(s);
}

int pl_datasets_count(const struct dsets *s)
{
	return s ? s->n : 0;
}
