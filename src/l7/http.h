/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http.h - a bounded HTTP/1.x message head parser: request line (method, target,
 * version) with Host and User-Agent, or status line with Content-Type. It reads only
 * complete lines (ended by LF) inside the bytes it is given, so a head cut by the end
 * of the data is read as far as it goes and again when more arrives.
 */
#ifndef PL_L7_HTTP_H
#define PL_L7_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "l7/meta.h"

/*
 * Read the start of a stream direction, @data[0..@len), into @h: a request head
 * fills the request fields (until the first request is complete), a response head
 * the status (first response only). Returns 1 when a request or status line was
 * read, 0 when the data does not start with an HTTP message or its first line is not
 * complete yet.
 */
int pl_l7_http_parse(const uint8_t *data, size_t len, uint64_t ts_ns, struct pl_l7_http *h);

/* Whether @data starts like an HTTP/1.x request or response (for resynchronising). */
int pl_l7_http_looks_like(const uint8_t *data, size_t len);

#endif
