/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_conns.h - the HTTP server's connection limits (http_conns.c), for http.c.
 */
#ifndef PL_SERVE_HTTP_CONNS_H
#define PL_SERVE_HTTP_CONNS_H

#include <microhttpd.h>
#include "serve/server.h"

/* The state (raises the open file limit; sets srv->http_limit); NULL: no memory. */
struct pl_http_conns *pl_http_conns_new(struct pl_srv *srv);
void pl_http_conns_free(struct pl_http_conns *h);
/* libmicrohttpd's accept policy and connection notification callbacks (cls: the state). */
enum MHD_Result pl_http_conns_accept(void *cls, const struct sockaddr *sa, socklen_t len);
void pl_http_conns_notify(void *cls, struct MHD_Connection *c, void **sctx,
			  enum MHD_ConnectionNotificationCode toe);

#endif
