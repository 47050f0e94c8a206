// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include "l7/tls.h"

#define REC_HDR       5
#define CT_HANDSHAKE  22
#define HS_CLIENT     1
#define HS_SERVER     2
#define EXT_SNI       0
#define EXT_ALPN      16
#define EXT_VERSIONS  43

/* A bounded reader: every get fails (and stays failed) past the end. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static unsigned int get8(struct rd *r)
{
	if (r->bad || r->off + 1 > r->len) {
		r->bad = 1;
		return 0;
	}
	return r->p[r->off++];
}

static unsigned int get16(struct rd *r)
{
	unsigned int hi = get8(r);

	return hi << 8 | get8(r);
}

static void skip(struct rd *r, size_t n)
{
	if (r->bad || r->off + n > r->len)
		r->bad = 1;
	else
		r->off += n;
}

/* A sub-reader over the next @n bytes of @r (cut to what @r holds: hellos may be cut). */
static struct rd sub(struct rd *r, size_t n)
{
	struct rd s = { .p = r->p + r->off, .len = n, .bad = r->bad };

	if (r->bad)
		s.len = 0;
	else if (r->off + n > r->len)
		s.len = r->len - r->off;
	skip(r, n);
	return s;
}

static int grease(unsigned int v)
{
	return (v & 0x0f0f) == 0x0a0a;
}

static void copy_bytes(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void read_sni(struct rd e, struct pl_l7_tls *t)
{
	struct rd list = sub(&e, get16(&e));

	while (!list.bad && list.off < list.len) {
		unsigned int type = get8(&list);
		size_t n = get16(&list);

		if (list.bad || list.off + n > list.len)
			return;
		if (type == 0) {
			copy_bytes(t->sni, sizeof(t->sni), list.p + list.off, n);
			return;
		}
		skip(&list, n);
	}
}

/* ALPN protocol names joined by ','. */
static void read_alpn(struct rd e, char *out, size_t outsz)
{
	struct rd list = sub(&e, get16(&e));
	size_t o = 0;

	out[0] = '\0';
	while (!list.bad && list.off < list.len) {
		size_t n = get8(&list);

		if (list.bad || list.off + n > list.len || o + n + 2 > outsz)
			return;
		if (o)
			out[o++] = ',';
		memcpy(out + o, list.p + list.off, n);
		o += n;
		out[o] = '\0';
		skip(&list, n);
	}
}

static unsigned int read_versions(struct rd e, int client)
{
	unsigned int best = 0;

	if (!client)
		return get16(&e);
	for (struct rd list = sub(&e, get8(&e)); !list.bad && list.off + 2 <= list.len;) {
		unsigned int v = get16(&list);

		if (!grease(v) && v > best)
			best = v;
	}
	return best;
}

static void read_extensions(struct rd *r, struct pl_l7_tls *t, int client)
{
	struct rd exts = sub(r, get16(r));

	while (!exts.bad && exts.off + 4 <= exts.len) {
		unsigned int type = get16(&exts);
		struct rd e = sub(&exts, get16(&exts));
		unsigned int v;

		if (type == EXT_SNI && client)
			read_sni(e, t);
		else if (type == EXT_ALPN)
			read_alpn(e, client ? t->alpn_client : t->alpn_server,
				  client ? sizeof(t->alpn_client) : sizeof(t->alpn_server));
		else if (type == EXT_VERSIONS && (v = read_versions(e, client)) != 0) {
			if (client)
				t->client_version = (uint16_t)v;
			else
				t->server_version = (uint16_t)v;
		}
	}
}

static void read_hello(struct rd r, int client, uint64_t ts_ns, struct pl_l7_tls *t)
{
	unsigned int version = get16(&r);

	if (r.bad)
		return;
	if (client) {
		t->have_client_hello = 1;
		t->client_version = (uint16_t)version;
		t->ts_ns = ts_ns;
	} else {
		t->have_server_hello = 1;
		t->server_version = (uint16_t)version;
		if (!t->have_client_hello)
			t->ts_ns = ts_ns;
	}
	skip(&r, 32);        /* random */
	skip(&r, get8(&r));  /* session id */
	if (client) {
		skip(&r, get16(&r)); /* cipher suites */
		skip(&r, get8(&r));  /* compression methods */
	} else {
		t->cipher = (uint16_t)get16(&r);
		skip(&r, 1);
	}
	if (!r.bad)
		read_extensions(&r, t, client);
}

int pl_l7_tls_looks_like(const uint8_t *data, size_t len)
{
	return len >= 3 && data[0] == CT_HANDSHAKE && data[1] == 3 && data[2] <= 4;
}

int pl_l7_tls_parse(const uint8_t *data, size_t len, int final, uint64_t ts_ns,
		    struct pl_l7_tls *t)
{
	uint8_t hs[PL_L7_TLS_MAX];
	size_t n = 0, off = 0;

	/* Gather the handshake bytes of the leading handshake records. */
	while (off + REC_HDR <= len && pl_l7_tls_looks_like(data + off, len - off) &&
	       n < sizeof(hs)) {
		size_t rl = (size_t)data[off + 3] << 8 | data[off + 4], avail;

		off += REC_HDR;
		avail = len - off < rl ? len - off : rl;
		if (avail > sizeof(hs) - n)
			avail = sizeof(hs) - n;
		memcpy(hs + n, data + off, avail);
		n += avail;
		off += rl;
	}
	return pl_l7_tls_handshake(hs, n, final, ts_ns, t);
}

int pl_l7_tls_handshake(const uint8_t *hs, size_t n, int final, uint64_t ts_ns,
			struct pl_l7_tls *t)
{
	int got = 0;

	for (struct rd r = { .p = hs, .len = n }; !r.bad && r.off + 4 <= r.len;) {
		unsigned int type = get8(&r);
		size_t ml = (size_t)get8(&r) << 16;
		struct rd body;

		ml |= get16(&r);
		body = sub(&r, ml);
		if (body.len < ml && !final)
			break; /* the rest of the message may come */
		if (type == HS_CLIENT && !t->have_client_hello) {
			read_hello(body, 1, ts_ns, t);
			got = 1;
		} else if (type == HS_SERVER && !t->have_server_hello) {
			read_hello(body, 0, ts_ns, t);
			got = 1;
		}
	}
	return got;
}

const char *pl_l7_tls_version_name(unsigned int version)
{
	switch (version) {
	case 0x0200: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return NULL;
	}
}
