// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>
#include <strings.h>
#include "l7/http.h"

#define METHOD_MAX 20

/* Copy @n bytes to @dst (size @dstsz), cut to fit; returns 1 when cut. */
static int copy_str(char *dst, size_t dstsz, const uint8_t *src, size_t n)
{
	int cut = n >= dstsz;

	if (cut)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return cut;
}

/* The end of the line starting at @p (the LF's index), or -1 when it has none yet. */
static long line_end(const uint8_t *data, size_t len, size_t p)
{
	const uint8_t *lf = memchr(data + p, '\n', len - p);

	return lf ? (long)(lf - data) : -1;
}

static size_t method_len(const uint8_t *data, size_t len)
{
	size_t i = 0;

	while (i < len && i <= METHOD_MAX &&
	       ((data[i] >= 'A' && data[i] <= 'Z') || data[i] == '-' || data[i] == '_'))
		i++;
	return i < len && i <= METHOD_MAX && data[i] == ' ' ? i : 0;
}

int pl_l7_http_looks_like(const uint8_t *data, size_t len)
{
	if (len >= 5 && !memcmp(data, "HTTP/", 5))
		return 1;
	return method_len(data, len) > 0;
}

/* Trim a header value: leading and trailing spaces, tabs and the CR before the LF. */
static void trim(const uint8_t **v, size_t *n)
{
	while (*n && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\r'))
		(*n)--;
}

/* Headers from @p on, one complete line at a time, up to the empty line. */
static void read_headers(const uint8_t *data, size_t len, size_t p, struct pl_l7_http *h,
			 int request)
{
	for (;;) {
		long e = line_end(data, len, p);
		const uint8_t *line = data + p, *colon, *v;
		size_t n, vn;

		if (e < 0)
			return;
		n = (size_t)e - p;
		if (n == 0 || (n == 1 && line[0] == '\r'))
			return; /* end of the head */
		p = (size_t)e + 1;
		colon = memchr(line, ':', n);
		if (!colon)
			continue;
		v = colon + 1;
		vn = n - (size_t)(v - line);
		trim(&v, &vn);
		if (request && colon - line == 4 && !strncasecmp((const char *)line, "Host", 4)) {
			if (!h->host[0])
				copy_str(h->host, sizeof(h->host), v, vn);
		} else if (request && colon - line == 10 &&
			   !strncasecmp((const char *)line, "User-Agent", 10)) {
			if (!h->user_agent[0])
				copy_str(h->user_agent, sizeof(h->user_agent), v, vn);
		} else if (!request && colon - line == 12 &&
			   !strncasecmp((const char *)line, "Content-Type", 12)) {
			if (!h->content_type[0])
				copy_str(h->content_type, sizeof(h->content_type), v, vn);
		}
	}
}

static int parse_response(const uint8_t *data, size_t len, size_t eol, uint64_t ts_ns,
			  struct pl_l7_http *h)
{
	const uint8_t *sp = memchr(data, ' ', eol);
	size_t i;
	unsigned int status = 0;

	if (!sp)
		return 0;
	i = (size_t)(sp - data) + 1;
	if (i + 3 > eol)
		return 0;
	for (size_t k = 0; k < 3; k++) {
		if (data[i + k] < '0' || data[i + k] > '9')
			return 0;
		status = status * 10 + (unsigned int)(data[i + k] - '0');
	}
	if (h->have_response)
		return 1;
	h->have_response = 1;
	h->response_ts_ns = ts_ns;
	h->status = (uint16_t)status;
	read_headers(data, len, eol + 1, h, 0);
	return 1;
}

static int parse_request(const uint8_t *data, size_t len, size_t eol, uint64_t ts_ns,
			 struct pl_l7_http *h)
{
	size_t m = method_len(data, eol), t0, t1, n = eol;
	const uint8_t *ver;

	if (!m)
		return 0;
	if (n && data[n - 1] == '\r')
		n--;
	/* The version is the last word of the line: the target may hold anything else. */
	ver = data + n;
	while (ver > data + m + 1 && ver[-1] != ' ')
		ver--;
	if (ver <= data + m + 1 || (size_t)(data + n - ver) < 5 || memcmp(ver, "HTTP/", 5))
		return 0;
	t0 = m + 1;
	t1 = (size_t)(ver - data) - 1;
	while (t0 < t1 && data[t0] == ' ')
		t0++;
	while (t1 > t0 && data[t1 - 1] == ' ')
		t1--;
	if (t0 >= t1)
		return 0;
	if (!h->have_request) {
		h->request_ts_ns = ts_ns;
		copy_str(h->method, sizeof(h->method), data, m);
		h->url_truncated = (uint8_t)copy_str(h->url, sizeof(h->url), data + t0, t1 - t0);
		copy_str(h->protocol, sizeof(h->protocol), ver, (size_t)(data + n - ver));
	}
	h->have_request = 1;
	read_headers(data, len, eol + 1, h, 1);
	return 1;
}

int pl_l7_http_parse(const uint8_t *data, size_t len, uint64_t ts_ns, struct pl_l7_http *h)
{
	long eol;

	if (!pl_l7_http_looks_like(data, len))
		return 0;
	eol = line_end(data, len, 0);
	if (eol < 0)
		return 0;
	if (len >= 5 && !memcmp(data, "HTTP/", 5))
		return parse_response(data, len, (size_t)eol, ts_ns, h);
	return parse_request(data, len, (size_t)eol, ts_ns, h);
}
