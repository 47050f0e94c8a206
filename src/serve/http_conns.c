// SPDX-License-Identifier: BSD-2-Clause
/*
 * http_conns.c - the HTTP server's connection limits, so that slow or half-open clients
 * do not block the others: a total within the process's file descriptor limit (raised
 * to its hard limit first), and a per-address one for clients that are not on the
 * loopback (a local Prometheus or curl shares 127.0.0.1 with every other local client).
 * A connection over a limit is closed at once, said once per episode, and counted
 * (pktlens_http_connections_refused_total). libmicrohttpd's polling thread alone calls
 * these callbacks; the counters are read by /metrics.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include "serve/http_conns.h"
#include "util/log.h"

#define LIMIT_MAX 4096        /* total connections, at most */
#define FD_RESERVE 512        /* descriptors left for maps, the history, the EVE file */
#define NOFILE_WANT 65536     /* the soft limit asked for (up to the hard one) */
#define ADDR_BUCKETS 1024

struct addr_ent {
	struct addr_ent *next;
	unsigned char a[16];      /* IPv4 as v4-mapped IPv6 */
	unsigned int n;           /* connections open */
	bool warned;
};

struct pl_http_conns {
	struct pl_srv *srv;
	unsigned int limit, per_addr;
	unsigned int open;
	bool warned;              /* the total limit was said (again once below half) */
	struct addr_ent *b[ADDR_BUCKETS];
};

/* @sa as 16 bytes (v4-mapped for IPv4); false: not an IP address. */
static bool addr16(const struct sockaddr *sa, unsigned char a[16])
{
	if (sa->sa_family == AF_INET) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

static bool loopback(const unsigned char a[16])
{
	static const unsigned char v6lo[16] = { [15] = 1 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, v6lo, 16) || (!memcmp(a, mapped, 12) && a[12] == 127);
}

static struct addr_ent **slot(struct pl_http_conns *h, const unsigned char a[16])
{
	unsigned int x = 2166136261u;
	struct addr_ent **p;

	for (int i = 0; i < 16; i++)
		x = (x ^ a[i]) * 16777619u;
	for (p = &h->b[x % ADDR_BUCKETS]; *p && memcmp((*p)->a, a, 16); p = &(*p)->next)
		;
	return p;
}

static void refused(struct pl_http_conns *h, int why)
{
	__atomic_fetch_add(&h->srv->http_refused[why], 1, __ATOMIC_RELAXED);
}

enum MHD_Result pl_http_conns_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct pl_http_conns *h = cls;
	struct addr_ent *e;
	unsigned char a[16];
	char txt[INET6_ADDRSTRLEN];

	(void)len;
	if (h->open >= h->limit) {
		if (!h->warned)
			pl_warn("http: %u connections open, the limit (from the open file limit): "
				"new ones are closed at once until some end "
				"(pktlens_http_connections_refused_total)", h->open);
		h->warned = true;
		refused(h, PL_HTTP_REFUSED_LIMIT);
		return MHD_NO;
	}
	if (!addr16(sa, a) || loopback(a))
		return MHD_YES;
	e = *slot(h, a);
	if (!e || e->n < h->per_addr)
		return MHD_YES;
	if (!e->warned) {
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, a + 12, txt, sizeof(txt));
		else
			inet_ntop(AF_INET6, a, txt, sizeof(txt));
		pl_warn("http: %s has %u connections open, the limit of one address: its new "
			"ones are closed at once until some end", txt, e->n);
	}
	e->warned = true;
	refused(h, PL_HTTP_REFUSED_ADDRESS);
	return MHD_NO;
}

void pl_http_conns_notify(void *cls, struct MHD_Connection *c, void **sctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct pl_http_conns *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct addr_ent *e, **p;
	unsigned char a[16];

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		h->open--;
		if (h->open < h->limit / 2)
			h->warned = false;
		__atomic_store_n(&h->srv->http_open, h->open, __ATOMIC_RELAXED);
		e = *sctx;
		if (e && !--e->n) {
			p = slot(h, e->a);
			*p = e->next;
			free(e);
		} else if (e && e->n < h->per_addr / 2) {
			e->warned = false;
		}
		*sctx = NULL;
		return;
	}
	h->open++;
	__atomic_store_n(&h->srv->http_open, h->open, __ATOMIC_RELAXED);
	*sctx = NULL;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr || !addr16(ci->client_addr, a) || loopback(a))
		return;
	p = slot(h, a);
	if (!*p) {
		*p = calloc(1, sizeof(**p));
		if (!*p)
			return; /* not counted: no memory for the entry */
		memcpy((*p)->a, a, 16);
	}
	(*p)->n++;
	*sctx = *p;
}

/* The soft limit of open files raised to the hard one (bounded); the total from it. */
static unsigned int total_limit(void)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 64;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > NOFILE_WANT ? NOFILE_WANT :
	       rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= FD_RESERVE + LIMIT_MAX)
		return LIMIT_MAX;
	if (rl.rlim_cur >= FD_RESERVE + 64)
		return (unsigned int)(rl.rlim_cur - FD_RESERVE);
	return rl.rlim_cur >= 256 ? (unsigned int)rl.rlim_cur / 4 : 16;
}

struct pl_http_conns *pl_http_conns_new(struct pl_srv *srv)
{
	struct pl_http_conns *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->srv = srv;
	h->limit = total_limit();
	h->per_addr = PL_HTTP_PER_ADDR;
	srv->http_limit = h->limit;
	return h;
}

void pl_http_conns_free(struct pl_http_conns *h)
{
	if (!h)
		return;
	for (int i = 0; i < ADDR_BUCKETS; i++)
		while (h->b[i]) {
			struct addr_ent *e = h->b[i];

			h->b[i] = e->next;
			free(e);
		}
	free(h);
}
