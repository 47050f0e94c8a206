// SPDX-License-Identifier: BSD-2-Clause
/*
 * http.c - libmicrohttpd glue: route, check method, token and size, answer. One
 * internal polling thread (epoll) serves every connection, so a slow or half-open
 * client holds only its own socket; idle ones are closed after a timeout, and
 * http_conns.c bounds how many are open (in all, per address).
 * Order of the checks: path (404), method (405), token of write calls (403/401),
 * declared size (413), then the query (400/404) or the body (413/400).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "serve/http_conns.h"
#include "serve/query.h"
#include "serve/rules_api.h"
#include "serve/server.h"
#include "util/log.h"

#define CONN_TIMEOUT_S 10

struct req {
	const struct pl_route *route;
	char body[PL_SERVE_BODY_MAX];
	size_t len;
	bool too_big;
};

struct args_ctx {
	struct pl_flow_query *q;
	int kind;
	int err;
	char why[256];
};

static const char json_type[] = "application/json";

static void count(struct pl_srv *srv, unsigned int status)
{
	int c = status < 400 ? PL_HTTP_2XX : status < 500 ? PL_HTTP_4XX : PL_HTTP_5XX;

	pthread_mutex_lock(&srv->lock);
	srv->http_requests[c]++;
	pthread_mutex_unlock(&srv->lock);
}

/* Queue @text (malloc'ed, taken over; NULL: out of memory) as the answer. */
static enum MHD_Result reply(struct pl_srv *srv, struct MHD_Connection *c, unsigned int status,
			     const char *type, char *text, size_t len, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		text = pl_api_error(status, "out of memory");
		if (!text)
			return MHD_NO; /* close the connection: nothing else to say */
		len = strlen(text);
		type = json_type;
	}
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"pktlens\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	count(srv, status);
	return ret;
}

static enum MHD_Result reply_json(struct pl_srv *srv, struct MHD_Connection *c,
				  unsigned int status, char *text)
{
	return reply(srv, c, status, json_type, text, text ? strlen(text) : 0, NULL);
}

static enum MHD_Result error(struct pl_srv *srv, struct MHD_Connection *c, unsigned int status,
			     const char *allow, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	char *text;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text = pl_api_error((int)status, msg);
	return reply(srv, c, status, json_type, text, text ? strlen(text) : 0, allow);
}

static const struct pl_route *route_find(const char *url)
{
	for (size_t i = 0; i < pl_nroutes; i++)
		if (!strcmp(url, pl_routes[i].path))
			return &pl_routes[i];
	return NULL;
}

/* GET routes also answer HEAD (libmicrohttpd leaves the body out). */
static bool method_ok(const struct pl_route *r, const char *method)
{
	if (!strcmp(method, r->methods))
		return true;
	return !strcmp(r->methods, "GET") && !strcmp(method, "HEAD");
}

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			      const char *val)
{
	struct args_ctx *a = cls;

	(void)kind;
	a->err = pl_query_param(a->q, a->kind, key, val, a->why, sizeof(a->why));
	return a->err ? MHD_NO : MHD_YES;
}

static char *served_list(struct pl_srv *srv, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < srv->nifs && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", srv->ifs[i].dp.ifname);
	return buf;
}

struct hargs_ctx {
	struct pl_hq *q;
	unsigned int seen;
	__s64 now;
	int err;
	char why[256];
};

static enum MHD_Result on_harg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *val)
{
	struct hargs_ctx *a = cls;

	(void)kind;
	a->err = pl_hq_param(a->q, &a->seen, key, val, a->now, a->why, sizeof(a->why));
	return a->err ? MHD_NO : MHD_YES;
}

/* GET /api/v1/history/...: read without srv->lock (nothing of the live state is used). */
static enum MHD_Result do_history(struct pl_srv *srv, struct MHD_Connection *c, const char *url)
{
	const char *what = url + strlen("/api/v1/history/");
	struct pl_hq q;
	struct hargs_ctx a = { .q = &q, .now = (__s64)time(NULL) };
	char *text = NULL, why[640];
	int err;

	pl_hq_init(&q, !strcmp(what, "flows") ? PL_HQ_FLOWS :
		       !strcmp(what, "minutes") ? PL_HQ_MINUTES :
		       !strcmp(what, "apps") ? PL_HQ_APPS :
		       !strcmp(what, "alerts") ? PL_HQ_ALERTS : PL_HQ_TOP_TALKERS, a.now);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_harg, &a);
	if (a.err)
		return error(srv, c, MHD_HTTP_BAD_REQUEST, NULL, "%s", a.why);
	if (pl_hq_check(&q, why, sizeof(why)))
		return error(srv, c, MHD_HTTP_BAD_REQUEST, NULL, "%s", why);
	err = pl_api_history(srv, &q, &text, why, sizeof(why));
	if (err == -ENOENT)
		return error(srv, c, MHD_HTTP_NOT_FOUND, NULL, "%s", why);
	if (err)
		return error(srv, c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "%s", why);
	return reply_json(srv, c, MHD_HTTP_OK, text);
}

/*
 * GET /: the dashboard. Its policy lets it load nothing from elsewhere and talk to
 * this daemon only; query strings are ignored (a browser's page, not an API call).
 */
static enum MHD_Result do_page(struct pl_srv *srv, struct MHD_Connection *c)
{
	static const char csp[] = "default-src 'none'; script-src 'unsafe-inline'; "
				  "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
				  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	const char *page = pl_dashboard(&len);

	r = MHD_create_response_from_buffer(len, (void *)page, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	count(srv, MHD_HTTP_OK);
	return ret;
}

struct aargs_ctx {
	struct pl_alerts_query *q;
	__s64 now;
	int err;
	char why[256];
};

static enum MHD_Result on_aarg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *val)
{
	struct aargs_ctx *a = cls;

	(void)kind;
	a->err = pl_alerts_param(a->q, key, val, a->now, PL_SRV_ALERTS_RING, a->why,
				 sizeof(a->why));
	return a->err ? MHD_NO : MHD_YES;
}

/* GET /api/v1/alerts: the ring of the newest alerts (alerts_api.c). */
static enum MHD_Result do_alerts(struct pl_srv *srv, struct MHD_Connection *c)
{
	struct pl_alerts_query q;
	struct aargs_ctx a = { .q = &q, .now = (__s64)time(NULL) };
	char *text = NULL, list[256];
	int err;

	pl_alerts_query_init(&q);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_aarg, &a);
	if (a.err)
		return error(srv, c, MHD_HTTP_BAD_REQUEST, NULL, "%s", a.why);
	pthread_mutex_lock(&srv->lock);
	err = pl_api_alerts(srv, &q, &text);
	if (err == -ENOENT) {
		served_list(srv, list, sizeof(list));
		pthread_mutex_unlock(&srv->lock);
		return error(srv, c, MHD_HTTP_NOT_FOUND, NULL,
			     "interface '%s' is not served here; served: %s", q.ifname, list);
	}
	pthread_mutex_unlock(&srv->lock);
	if (err)
		return error(srv, c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "%s", strerror(-err));
	return reply_json(srv, c, MHD_HTTP_OK, text);
}

/* An answer of rules_api.c: its status and JSON text, or its reason as an error. */
static enum MHD_Result rules_reply(struct pl_srv *srv, struct MHD_Connection *c, int status,
				   char *text, const char *why)
{
	if (status < 300)
		return reply_json(srv, c, (unsigned int)status, text);
	return error(srv, c, (unsigned int)status, NULL, "%s", why);
}

static enum MHD_Result do_get(struct pl_srv *srv, struct MHD_Connection *c, const char *url)
{
	struct pl_flow_query q;
	struct args_ctx a = { .q = &q };
	char *text = NULL;
	size_t len = 0;
	int err = 0;

	if (!strcmp(url, "/"))
		return do_page(srv, c);
	if (!strncmp(url, "/api/v1/history/", strlen("/api/v1/history/")))
		return do_history(srv, c, url);
	if (!strcmp(url, "/api/v1/alerts"))
		return do_alerts(srv, c);
	pl_query_init(&q);
	a.kind = !strcmp(url, "/api/v1/flows") ? PL_Q_FLOWS : PL_Q_IFACE_ONLY;
	if (!strcmp(url, "/api/v1") || !strcmp(url, "/metrics"))
		a.kind = PL_Q_NONE;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, &a);
	if (a.err)
		return error(srv, c, MHD_HTTP_BAD_REQUEST, NULL, "%s", a.why);
	if (!strcmp(url, "/api/v1/rules")) { /* protect's pins, not the live state */
		char why[512];
		int st = pl_api_rules(q.ifname, &text, why, sizeof(why));

		return rules_reply(srv, c, st, text, why);
	}

	/* RTT reads a large map first, without srv->lock; it takes the lock to answer. */
	if (!strcmp(url, "/api/v1/rtt"))
		err = pl_api_rtt(srv, &q, &text);
	pthread_mutex_lock(&srv->lock);
	if (!strcmp(url, "/metrics")) {
		err = pl_metrics_render(srv, &text, &len);
	} else if (!strcmp(url, "/api/v1")) {
		err = pl_api_index(&text);
	} else if (!strcmp(url, "/api/v1/stats")) {
		err = pl_api_stats(srv, &q, &text);
	} else if (!strcmp(url, "/api/v1/rates")) {
		err = pl_api_rates(srv, &q, &text);
	} else if (!strcmp(url, "/api/v1/drops")) {
		err = pl_api_drops(srv, &q, &text);
		if (err == -ENOENT) {
			pthread_mutex_unlock(&srv->lock);
			return error(srv, c, MHD_HTTP_NOT_FOUND, NULL, "drops are off: start "
				     "pktlens serve with --drops");
		}
	} else if (!strcmp(url, "/api/v1/rtt") || !strcmp(url, "/api/v1/latency")) {
		bool rtt = !strcmp(url, "/api/v1/rtt");

		if (!rtt)
			err = pl_api_latency(srv, &q, &text);
		if (err == -ENODATA) {
			pthread_mutex_unlock(&srv->lock);
			return error(srv, c, MHD_HTTP_NOT_FOUND, NULL, rtt ?
				     "TCP tracking is off: start pktlens serve without --no-tcp" :
				     "service latency needs L7, which is off: start pktlens serve "
				     "without --l7-packets 0");
		}
	} else if (!strcmp(url, "/api/v1/protocols")) {
		err = pl_api_protocols(srv, &q, &text);
	} else if (!strcmp(url, "/api/v1/applications")) {
		err = pl_api_applications(srv, &q, &text);
		if (err == -ENODATA) {
			pthread_mutex_unlock(&srv->lock);
			return error(srv, c, MHD_HTTP_NOT_FOUND, NULL, "L7 is off: start pktlens "
				     "serve without --l7-packets 0");
		}
	} else {
		err = pl_api_flows(srv, &q, &text);
	}
	if (err == -ENOENT) {
		char list[256];

		served_list(srv, list, sizeof(list));
		pthread_mutex_unlock(&srv->lock);
		return error(srv, c, MHD_HTTP_NOT_FOUND, NULL,
			     "interface '%s' is not served here; served: %s", q.ifname, list);
	}
	pthread_mutex_unlock(&srv->lock);
	if (err)
		return error(srv, c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
			     "reading the data plane failed: %s", strerror(-err));
	if (!strcmp(url, "/metrics"))
		return reply(srv, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			     text, len, NULL);
	return reply_json(srv, c, MHD_HTTP_OK, text);
}

/* A write call may go on: the token matches. Else the answer is queued: returns false. */
static bool authorized(struct pl_srv *srv, struct MHD_Connection *c, enum MHD_Result *ret)
{
	const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_AUTHORIZATION);
	const char *tok;
	size_t len;
	bool ok;

	pthread_mutex_lock(&srv->lock);
	if (!srv->token) {
		pthread_mutex_unlock(&srv->lock);
		*ret = error(srv, c, MHD_HTTP_FORBIDDEN, NULL,
			     "write calls are off: start pktlens serve with --token-file FILE");
		return false;
	}
	if (pl_token_from_header(hdr, &tok, &len)) {
		pthread_mutex_unlock(&srv->lock);
		*ret = error(srv, c, MHD_HTTP_UNAUTHORIZED, NULL,
			     hdr ? "the Authorization header must be 'Bearer TOKEN'" :
				   "write calls need 'Authorization: Bearer TOKEN' (the token file's text)");
		return false;
	}
	ok = pl_token_equal(tok, len, srv->token, strlen(srv->token));
	pthread_mutex_unlock(&srv->lock);
	if (!ok)
		*ret = error(srv, c, MHD_HTTP_UNAUTHORIZED, NULL, "wrong token");
	return ok;
}

/* How long POST /api/v1/reload waits for the main thread to have reloaded. */
#define RELOAD_WAIT_S 30

/*
 * Ask the main thread for the reload SIGHUP makes (reload.c: the command line and
 * --config FILE again, applied whole or not at all) and wait for its outcome.
 * 0, -ETIMEDOUT, or the reload's error with @why set. Takes srv->lock.
 */
static int full_reload(struct pl_srv *srv, char *why, size_t whylen)
{
	struct timespec until;
	__u64 mine;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RELOAD_WAIT_S;
	pthread_mutex_lock(&srv->lock);
	mine = ++srv->reload_asked;
	/* SIGHUP is blocked in every thread: it waits for the main thread's sigtimedwait. */
	pthread_kill(srv->main_thread, SIGHUP);
	while (srv->reload_done < mine && !srv->stopping && !err)
		err = pthread_cond_timedwait(&srv->reload_cond, &srv->lock, &until);
	if (srv->reload_done >= mine) {
		err = srv->reload_err;
		snprintf(why, whylen, "%s", err ? srv->reload_why : "");
	} else {
		err = -ETIMEDOUT;
		snprintf(why, whylen, srv->stopping ? "the daemon is stopping" :
			 "the daemon did not reload within %d s", RELOAD_WAIT_S);
	}
	pthread_mutex_unlock(&srv->lock);
	return err;
}

static enum MHD_Result do_reload(struct pl_srv *srv, struct MHD_Connection *c, struct req *r)
{
	struct pl_reload_req rr;
	char why[720];
	int err;

	if (r->too_big)
		return error(srv, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
			     "the body is over %d bytes", PL_SERVE_BODY_MAX);
	if (pl_reload_parse(r->body, r->len, &rr, why, sizeof(why)))
		return error(srv, c, MHD_HTTP_BAD_REQUEST, NULL, "%s", why);
	err = full_reload(srv, why, sizeof(why));
	if (err == -ETIMEDOUT)
		return error(srv, c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "%s", why);
	if (err)
		return error(srv, c, MHD_HTTP_CONFLICT, NULL,
			     "reload failed, the old configuration stays: %s", why);
	if (rr.log_level >= 0)
		pl_log_set_level(rr.log_level);
	return reply_json(srv, c, MHD_HTTP_OK, strdup("{\"reloaded\":true}\n"));
}

/* First call of a request: headers only. Queues an early answer or makes the context. */
static enum MHD_Result begin(struct pl_srv *srv, struct MHD_Connection *c, const char *url,
			     const char *method, void **con_cls)
{
	const struct pl_route *rt = route_find(url);
	const char *cl;
	enum MHD_Result ret;
	struct req *r;

	if (!rt)
		return error(srv, c, MHD_HTTP_NOT_FOUND, NULL,
			     "no such path: %.200s (GET /api/v1 lists the endpoints)", url);
	if (!method_ok(rt, method))
		return error(srv, c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     !strcmp(rt->methods, "GET") ? "GET, HEAD" : rt->methods,
			     "%.200s takes %s, not %.20s", url, rt->methods, method);
	if (!strcmp(rt->methods, "GET"))
		return do_get(srv, c, url);
	if (!authorized(srv, c, &ret))
		return ret;
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > PL_SERVE_BODY_MAX)
		return error(srv, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
			     "the body is over %d bytes", PL_SERVE_BODY_MAX);
	r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	r->route = rt;
	*con_cls = r;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct pl_srv *srv = cls;
	struct req *r = *con_cls;

	(void)version;
	if (!r)
		return begin(srv, c, url, method, con_cls);
	if (*upload_size) {
		/* Chunked bodies have no length up front: keep reading, answer 413 at the end. */
		if (r->too_big || *upload_size > sizeof(r->body) - r->len)
			r->too_big = true;
		else
			memcpy(r->body + r->len, upload, *upload_size), r->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strncmp(r->route->path, "/api/v1/rules/", strlen("/api/v1/rules/"))) {
		char why[720], *text = NULL;
		int st;

		if (r->too_big)
			return error(srv, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				     "the body is over %d bytes", PL_SERVE_BODY_MAX);
		st = pl_api_rules_write(!strcmp(r->route->path, "/api/v1/rules/block"), r->body,
					r->len, &text, why, sizeof(why));
		return rules_reply(srv, c, st, text, why);
	}
	return do_reload(srv, c, r);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	pl_info("http: %s", msg);
}

struct MHD_Daemon *pl_http_start(struct pl_srv *srv, const struct sockaddr_storage *ss)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const struct sockaddr_in *a4 = (const void *)ss;

	struct MHD_Daemon *d;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->http_conns = pl_http_conns_new(srv);
	if (!srv->http_conns)
		return NULL;
	/* The accept policy refuses over the limit first (and says so): libmicrohttpd's
	 * own limit, one above, would stop accepting and leave clients in the backlog. */
	d = MHD_start_daemon(flags, ntohs(a4->sin_port), pl_http_conns_accept, srv->http_conns,
			     on_request, srv,
			     MHD_OPTION_SOCK_ADDR, ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_LIMIT, srv->http_limit + 1,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, srv,
			     MHD_OPTION_NOTIFY_CONNECTION, pl_http_conns_notify, srv->http_conns,
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
			     MHD_OPTION_END);
	if (!d) {
		pl_http_conns_free(srv->http_conns);
		srv->http_conns = NULL;
	}
	return d;
}

void pl_http_stop(struct pl_srv *srv, struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
	pl_http_conns_free(srv->http_conns);
	srv->http_conns = NULL;
}
