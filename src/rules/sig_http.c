// SPDX-License-Identifier: BSD-2-Clause
/*
 * sig_http.c - HTTP/1 buffers from the packet that carries a start line: the request
 * line (method, URI as sent, protocol) or the status line, then the header lines up to
 * the empty one (http.header: "Name: value\r\n" each) and the values of the headers
 * rules name (http.cookie is Cookie in a request, Set-Cookie in a response); a
 * request's method, URI, Host and User-Agent too, so that every request of a flow
 * fills those buffers, not only its first (the metadata's).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include "rules/rules_int.h"

static const struct {
	const char *name;
	int buf, side; /* 1: request, 0: response, -1: both */
} hdrs[] = {
	{ "Cookie", RB_HTTP_COOKIE, 1 }, { "Set-Cookie", RB_HTTP_COOKIE, 0 },
	{ "Referer", RB_HTTP_REFERER, 1 }, { "Accept", RB_HTTP_ACCEPT, 1 },
	{ "Accept-Language", RB_HTTP_ACCEPT_LANG, 1 }, { "Accept-Encoding", RB_HTTP_ACCEPT_ENC, 1 },
	{ "Connection", RB_HTTP_CONNECTION, -1 }, { "Content-Type", RB_HTTP_CONTENT_TYPE, -1 },
	{ "Content-Length", RB_HTTP_CONTENT_LEN, -1 }, { "Server", RB_HTTP_SERVER, 0 },
	{ "Location", RB_HTTP_LOCATION, 0 }, { "Host", RB_HTTP_HOST_RAW, 1 },
	{ "User-Agent", RB_HTTP_UA, 1 },
};

static void set(const uint8_t **buf, size_t *len, int i, const uint8_t *s, const uint8_t *e)
{
	if (e > s) {
		buf[i] = s;
		len[i] = (size_t)(e - s);
	}
}

/* "METHOD SP target SP HTTP/x.y": where the target and the protocol are. */
static bool request_line(const uint8_t *d, const uint8_t *eol, const uint8_t **t,
			 const uint8_t **te, const uint8_t **proto)
{
	const uint8_t *p = d;

	while (p < eol && p - d < 24 && isupper(*p))
		p++;
	if (p == d || p >= eol || *p != ' ')
		return false;
	*t = p + 1;
	*te = memchr(*t, ' ', (size_t)(eol - *t));
	if (!*te || eol - *te < 9 || memcmp(*te + 1, "HTTP/", 5))
		return false;
	*proto = *te + 1;
	return true;
}

static void headers(const uint8_t *h, const uint8_t *end, int req, const uint8_t **buf,
		    size_t *len)
{
	while (h < end) {
		const uint8_t *eol = memmem(h, (size_t)(end - h), "\r\n", 2), *colon, *v;

		if (!eol)
			eol = end;
		colon = memchr(h, ':', (size_t)(eol - h));
		for (size_t i = 0; colon && i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
			size_t nl = strlen(hdrs[i].name);

			if ((hdrs[i].side >= 0 && hdrs[i].side != req) || (size_t)(colon - h) != nl ||
			    strncasecmp((const char *)h, hdrs[i].name, nl))
				continue;
			for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			if (!buf[hdrs[i].buf])
				set(buf, len, hdrs[i].buf, v, eol);
		}
		h = eol + 2;
	}
}

void pl_sig_http_bufs(const uint8_t *d, size_t n, int to_server, const uint8_t **buf,
		      size_t *len)
{
	const uint8_t *eol, *hend, *t, *te, *proto;
	bool req;

	if (!d || n < 12 || to_server < 0)
		return;
	eol = memmem(d, n, "\r\n", 2);
	if (!eol)
		return;
	if (to_server) {
		if (!request_line(d, eol, &t, &te, &proto))
			return;
		set(buf, len, RB_HTTP_REQUEST_LINE, d, eol);
		set(buf, len, RB_HTTP_METHOD, d, t - 1);
		set(buf, len, RB_HTTP_URI_RAW, t, te);
		set(buf, len, RB_HTTP_URI, t, te); /* not normalized: as sent */
		set(buf, len, RB_HTTP_PROTOCOL, proto, eol);
		req = true;
	} else {
		const uint8_t *sp, *sp2;

		if (memcmp(d, "HTTP/", 5))
			return;
		sp = memchr(d, ' ', (size_t)(eol - d));
		sp2 = sp ? memchr(sp + 1, ' ', (size_t)(eol - sp - 1)) : NULL;
		set(buf, len, RB_HTTP_RESPONSE_LINE, d, eol);
		set(buf, len, RB_HTTP_PROTOCOL, d, sp ? sp : eol);
		if (sp && sp2 - sp == 4)
			set(buf, len, RB_HTTP_STAT_CODE, sp + 1, sp2);
		if (sp2)
			set(buf, len, RB_HTTP_STAT_MSG, sp2 + 1, eol);
		req = false;
	}
	hend = memmem(eol, (size_t)(d + n - eol), "\r\n\r\n", 4);
	hend = hend ? hend + 2 : d + n; /* the last line's CR LF belongs to http.header */
	set(buf, len, RB_HTTP_HEADER, eol + 2, hend);
	headers(eol + 2, hend, req, buf, len);
}
