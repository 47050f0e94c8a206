/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * history.h - the SQLite history of `pktlens serve` and what `pktlens query` reads.
 *
 * Where each part lives: db.c opens a database (checks, WAL, migrations: schema.c),
 * writer.c is the one writer thread and its queue (the daemon's threads only append to
 * the queue, never wait on SQLite), retention.c trims by age and size, timearg.c parses
 * the --since/--until times, hquery.c answers `pktlens query`.
 */
#ifndef PL_HISTORY_H
#define PL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pktlens.h"
#include "analysis/stats.h"

#define PL_HIST_DEFAULT_DB "/var/lib/pktlens/pktlens.db"
/* The schema this build writes; older databases are migrated at open. */
#define PL_HIST_SCHEMA 4

struct sqlite3;

/*
 * Open @path. Read-write: the directory is made (mode 0750) when missing, the file
 * created, WAL turned on and the schema migrated to PL_HIST_SCHEMA. Read-only: the
 * schema must be there and not newer than ours. 0, or a negative errno with the
 * reason, naming the file, in @why (@whylen bytes).
 */
int pl_db_open(const char *path, bool readonly, struct sqlite3 **db, char *why, size_t whylen);
void pl_db_close(struct sqlite3 *db);
/* SQLite error @rc on @path said in @why (what it means, what to do); a negative errno. */
int pl_db_err(struct sqlite3 *db, int rc, const char *path, char *why, size_t whylen);
/* One statement's single integer answer into *out (0 when no row). SQLite's code. */
int pl_db_int(struct sqlite3 *db, const char *sql, long long *out);
/* Run the migrations from the version in the file up to PL_HIST_SCHEMA (schema.c). */
int pl_db_migrate(struct sqlite3 *db, char *why, size_t whylen);

/* One flow as stored: oriented from the side that sent first. */
struct pl_hist_flow {
	char ifname[16];
	char src[48], dst[48];
	__u16 sport, dport, vlan;
	__u8 proto, family;
	__u64 packets_fwd, bytes_fwd, packets_rev, bytes_rev;
	__s64 first_ms, last_ms; /* Unix time, milliseconds */
	__u32 tcp_flags;        /* the sender's in bits 0-7, the reply's in 8-15 */
	const char *state;      /* pl_flow_state_seen() (static) */
	const char *ended;      /* why it was written (static): evicted, idle, stopped */
	/* L7 (serve with --l7-packets): "" when not classified or L7 off. */
	char application[64];   /* nDPI's "master.app" */
	char category[32];
	char l7_name[256];      /* the name it was for: DNS query, TLS SNI or HTTP host */
	const char *l7_name_kind; /* "dns", "tls", "http" (static); NULL: no name */
	/* TCP RTT and health (serve without --no-tcp): has_tcp false, NULL columns. */
	bool has_tcp;
	__u32 rtt_samples;      /* 0: no RTT sample (min/avg/max NULL) */
	double rtt_min_us, rtt_avg_us, rtt_max_us;
	double handshake_rtt_us; /* 0: no completed handshake seen (NULL) */
	__u64 tcp_retrans, tcp_ooo, tcp_dupack, tcp_zero_win, tcp_rst_client, tcp_rst_server;
};

/*
 * One alert (serve's detection): a row when the attack starts, the same row updated
 * when it ends or the daemon stops. (run, ifname, alert_id) is the row's key.
 */
struct pl_hist_alert {
	__s64 run;              /* the detector's start, Unix ns (a reload starts another) */
	char ifname[16];
	__u64 alert_id;         /* the detector's record id: 1, 2, ... */
	__s64 first_ms, last_ms; /* Unix time, milliseconds */
	__u32 gid, sid, rev;
	unsigned int severity;  /* 1 (high) .. 3 */
	char signature[128], category[64];
	__u8 family, proto;
	char src[48], dst[48];  /* src: the attacker (or reflector), dst: the victim */
	__u16 sport, dport;
	__u64 updates;
	const char *state;      /* "active", "ended", "stopped" (static) */
	char evidence[1024];    /* the EVE "pktlens" object as JSON text; "": none */
};

/* Kernel drop reasons one minute row holds at most (serve --drops); more are lost. */
#define PL_HIST_DROPS_MAX 16

/* What a sampler adds to one minute of one interface (the minute: Unix seconds). */
struct pl_hist_minute {
	char ifname[16];
	__s64 minute;
	struct pl_stats delta;
	__u64 evictions;   /* entries that left the table (created - live) */
	__u64 unseen;      /* flows created and gone between two reads: never written */
	__u64 flows_new;
	/* The kernel's drops of received packets by reason (minute_classes, layer 'drop'). */
	struct {
		char reason[40];
		__u64 packets;
	} drops[PL_HIST_DROPS_MAX];
	unsigned int ndrops;
};

/* Add @packets drops of @reason to @m (merged by reason). */
void pl_hist_minute_drop(struct pl_hist_minute *m, const char *reason, __u64 packets);

/* The flow's TCP record (bpf/rtt.h) into @h: the remote end's RTT (offline: the
 * responder's echoes, the client's view), the handshake's, the segments counted. */
void pl_hist_flow_tcp(struct pl_hist_flow *h, const struct pl_tcp_val *t);

/* A flow-table entry into its stored form (@to_unix: the monotonic to Unix offset). */
void pl_hist_flow_from(struct pl_hist_flow *h, const char *ifname, const struct pl_flow *f,
		       __s64 to_unix, const char *ended);

struct pl_hist_opts {
	const char *path;
	unsigned int retention_days; /* 0: keep by age forever */
	unsigned int max_db_mb;      /* 0: no size limit */
};

struct pl_hist_counts {
	__u64 minutes_written, flows_written; /* rows committed */
	__u64 flows_dropped;    /* the queue was full: not written */
	__u64 alerts_written;   /* alert rows committed (new or updated) */
	__u64 alerts_dropped;   /* the alert queue was full: not written */
	__u64 write_errors;     /* transactions that failed (kept and tried again) */
	__u64 rows_trimmed;     /* rows removed by retention */
	size_t queued;
};

struct pl_hist;

/*
 * Open the database (as pl_db_open) and start the writer thread. 0, or a negative
 * errno with the reason in @why.
 */
int pl_hist_start(struct pl_hist **h, const struct pl_hist_opts *o, char *why, size_t whylen);
/* Write what is queued, stop the thread, close. Safe on NULL. */
void pl_hist_stop(struct pl_hist *h);
/* Queue (never waits on SQLite). A full queue drops flows (counted); minutes merge. */
void pl_hist_add_minute(struct pl_hist *h, const struct pl_hist_minute *m);
void pl_hist_add_flow(struct pl_hist *h, const struct pl_hist_flow *f);
/* An alert's row (new, or an update of the same key); a full queue drops it (counted). */
void pl_hist_add_alert(struct pl_hist *h, const struct pl_hist_alert *a);
/* Ask the writer to commit now (the daemon does this once a second). */
void pl_hist_kick(struct pl_hist *h);
void pl_hist_counts(struct pl_hist *h, struct pl_hist_counts *c);
/* New retention limits (a reload); the next trim, soon, applies them. */
void pl_hist_set_limits(struct pl_hist *h, unsigned int retention_days, unsigned int max_db_mb);
const char *pl_hist_path(const struct pl_hist *h);

/* Retention (retention.c), in the writer's thread: rows removed, or < 0. */
long pl_hist_trim(struct sqlite3 *db, const struct pl_hist_opts *o, __s64 now_s, char *why,
		  size_t whylen);

/*
 * A time argument into Unix seconds: ISO 8601 ("2026-12-07", "2026-12-07T10:00",
 * "...:05Z", "...+01:00"; no zone: local time), "-1h"/"-30m"/"-2d"/"-90s"/"-1w"
 * before @now, "now", or "@SECONDS". 0, or -EINVAL with the reason in *why.
 */
int pl_time_arg(const char *s, __s64 now, __s64 *out, const char **why);

enum pl_hq_kind { PL_HQ_TOP_TALKERS, PL_HQ_FLOWS, PL_HQ_MINUTES, PL_HQ_APPS, PL_HQ_ALERTS };
struct pl_hq {
	enum pl_hq_kind kind;
	__s64 since, until; /* Unix seconds, inclusive range */
	unsigned int top;   /* 0: all */
	bool json;
	const char *ifname; /* NULL: every interface */
	char ifbuf[16];     /* where pl_hq_param keeps it */
};

/* The API's defaults and bounds for top (pktlens query: 20, 0 for all). */
#define PL_HQ_API_TOP_DEFAULT 100
#define PL_HQ_API_TOP_MAX 10000
/* JSON, until = @now, top = PL_HQ_API_TOP_DEFAULT. */
void pl_hq_init(struct pl_hq *q, enum pl_hq_kind kind, __s64 now);
/*
 * One parameter of GET /api/v1/history/... (@seen: bits of those given so far). 0, or
 * -EINVAL with the reason in @why: unknown, repeated, a bad value.
 */
int pl_hq_param(struct pl_hq *q, unsigned int *seen, const char *key, const char *val,
		__s64 now, char *why, size_t whylen);
/* The range makes sense: 0, or -EINVAL with the reason. */
int pl_hq_check(const struct pl_hq *q, char *why, size_t whylen);
/* Answer @q from @db on @out. 0, or a negative errno with the reason in @why. */
int pl_hq_run(struct sqlite3 *db, const struct pl_hq *q, FILE *out, char *why, size_t whylen);

#endif
