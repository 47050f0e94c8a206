/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * serve.h - `pktlens serve`: a daemon that attaches the pipeline to one or more
 * interfaces and serves what it counts over HTTP (REST/JSON under /api/v1/, Prometheus
 * text at /metrics).
 *
 * Where each part lives: daemon.c runs the interfaces, the sampler and the signals;
 * http.c is the libmicrohttpd glue (routing, limits, errors, the bearer token);
 * api.c builds the JSON answers; metrics.c the Prometheus exposition; query.c parses
 * and applies the flow query; listen.c, token.c and body.c parse outside input.
 */
#ifndef PL_SERVE_H
#define PL_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "pktlens.h"

#define PL_SERVE_MAX_IFS 16
#define PL_SERVE_DEFAULT_LISTEN "127.0.0.1:9739"
#define PL_SERVE_DEFAULT_PORT 9739
#define PL_SERVE_DEFAULT_IDLE 60
#define PL_SERVE_DEFAULT_IPFIX_ACTIVE 60
/* Largest request body taken (write calls); more is answered 413. */
#define PL_SERVE_BODY_MAX 4096
/* A bearer token: printable ASCII, no spaces, this long. */
#define PL_TOKEN_MIN 16
#define PL_TOKEN_MAX 256

struct pl_serve_cfg {
	const char *ifnames[PL_SERVE_MAX_IFS];
	int nifs;
	const char *listen;     /* ADDR:PORT, [ADDR6]:PORT */
	const char *token_file; /* NULL: write calls are refused (403) */
	__u32 flow_entries;
	const char *db;         /* history database, NULL: none (--no-db) */
	unsigned int retention_days, max_db_mb; /* 0: unbounded */
	unsigned int idle_timeout_s; /* flows idle this long are written and removed; 0: never */
	const char *eve;        /* EVE JSON flow events of ended flows; NULL: none */
	const char *ipfix;      /* IPFIX collector ADDR:PORT; NULL: no export */
	unsigned int ipfix_active_s; /* live flows exported this often; 0: at their end only */
	unsigned int ipfix_template_refresh_s; /* 0: the exporter's default */
	bool drops;             /* count the kernel's drops (skb:kfree_skb) */
	unsigned int l7_pkts;   /* packets per flow and direction sampled for L7; 0: off */
	bool detect;            /* threat detection ([detect] of --config); --no-detect: off */
	bool tcp;               /* passive TCP RTT and health (bpf/rtt.h); --no-tcp: off */
	int mode;               /* enum pl_mode */
	bool force;
	/*
	 * SIGHUP: the command's parse of its command line and --config FILE again, into
	 * @out; 0, or a negative errno after saying why. NULL: SIGHUP reads only the
	 * token file again.
	 */
	int (*reparse)(struct pl_serve_cfg *out);
	bool owns_strings;      /* the strings above are malloc'ed copies (pl_serve_cfg_own) */
};

/*
 * Make @cfg's strings its own copies (a later --config parse frees the ones it made).
 * 0 or -ENOMEM. pl_serve_cfg_release() frees them.
 */
int pl_serve_cfg_own(struct pl_serve_cfg *cfg);
void pl_serve_cfg_release(struct pl_serve_cfg *cfg);

/* Run the daemon until SIGTERM/SIGINT. Returns an exit code (0, 1). */
int pl_serve_run(const struct pl_serve_cfg *cfg);

/*
 * "ADDR:PORT" or "[ADDR6]:PORT" (numeric addresses only, port 1-65535) into @ss.
 * 0, or -EINVAL with the reason in @why (a static string).
 */
int pl_listen_parse(const char *s, struct sockaddr_storage *ss, const char **why);

/*
 * The token in @path: the file must be a regular file of this user, mode 0600 or
 * stricter (nothing for group and others), holding one line of PL_TOKEN_MIN to
 * PL_TOKEN_MAX printable characters without spaces. Into *out (caller frees).
 * 0, or a negative errno with the reason written to @why (@whylen bytes).
 */
int pl_token_load(const char *path, char **out, char *why, size_t whylen);
/* The token from "Authorization: Bearer TOKEN" text: 0 if it parses, -EINVAL if not. */
int pl_token_from_header(const char *hdr, const char **tok, size_t *len);
/* Equal, in a time that does not depend on where they differ. */
bool pl_token_equal(const char *a, size_t alen, const char *b, size_t blen);

struct json_object;
/*
 * A request body (@len bytes, not NUL-terminated) as one JSON object, nesting bounded;
 * 0 with *out (the caller puts it), or -EINVAL with the reason in @why naming @example.
 */
int pl_body_json(const char *body, size_t len, const char *example, struct json_object **out,
		 char *why, size_t whylen);

/* What POST /api/v1/reload may carry. */
struct pl_reload_req {
	int log_level; /* enum pl_log_level, -1: unchanged */
};
/*
 * Parse a reload body (@len bytes, not NUL-terminated; 0 bytes: no change). 0, or
 * -EINVAL with the reason in @why (@whylen bytes).
 */
int pl_reload_parse(const char *body, size_t len, struct pl_reload_req *r, char *why,
		    size_t whylen);

#endif
