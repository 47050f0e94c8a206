// SPDX-License-Identifier: BSD-2-Clause
/*
 * schema.c - the history's tables and their migrations. migrations[v] takes a database
 * from version v - 1 to v; each runs in its own transaction with the new version number,
 * so a database is never left between two versions. A new version appends a step here
 * and raises PL_HIST_SCHEMA; a step once released never changes.
 */
#include <errno.h>
#include <stdio.h>
#include <sqlite3.h>
#include "history/history.h"

static const char *const migrations[PL_HIST_SCHEMA + 1] = {
	[1] =
	/* One row per interface and minute (Unix seconds at the minute's start, UTC). */
	"CREATE TABLE minutes ("
	" interface TEXT NOT NULL, minute INTEGER NOT NULL,"
	" packets INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
	" malformed INTEGER NOT NULL DEFAULT 0,"
	" flows_new INTEGER NOT NULL DEFAULT 0,"   /* entries the data plane created */
	" evictions INTEGER NOT NULL DEFAULT 0,"   /* entries that left the table (LRU) */
	" flows_unseen INTEGER NOT NULL DEFAULT 0," /* created and gone between two reads */
	" PRIMARY KEY (interface, minute)) WITHOUT ROWID;"
	"CREATE INDEX minutes_by_time ON minutes (minute);"
	/*
	 * Classes of a minute: layer 'l3', 'l4' or 'malformed' (packets only); since serve
	 * --drops also 'drop', the kernel's drop reasons (packets only), which need no new
	 * version: readers of the other layers select theirs.
	 */
	"CREATE TABLE minute_classes ("
	" interface TEXT NOT NULL, minute INTEGER NOT NULL, layer TEXT NOT NULL,"
	" class TEXT NOT NULL, packets INTEGER NOT NULL DEFAULT 0,"
	" bytes INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (interface, minute, layer, class)) WITHOUT ROWID;"
	"CREATE INDEX minute_classes_by_time ON minute_classes (minute);"
	/* Ended flows, written once: src is the side that sent first; times in ms. */
	"CREATE TABLE flows ("
	" id INTEGER PRIMARY KEY, interface TEXT NOT NULL,"
	" family INTEGER NOT NULL, proto INTEGER NOT NULL,"
	" src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,"
	" vlan INTEGER NOT NULL, packets_fwd INTEGER NOT NULL, bytes_fwd INTEGER NOT NULL,"
	" packets_rev INTEGER NOT NULL, bytes_rev INTEGER NOT NULL,"
	" first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" tcp_flags INTEGER NOT NULL," /* the sender's in bits 0-7, the reply's in 8-15 */
	" state TEXT NOT NULL,"       /* TCP state seen, as GET /api/v1/flows says it */
	" ended TEXT NOT NULL);"
	"CREATE INDEX flows_by_end ON flows (last_seen);",
	[2] =
	/* L7 of the flow (NULL: not classified, or L7 off): nDPI's "master.app", its
	 * category, and the name it was for and where that came from ('dns', 'tls', 'http'). */
	"ALTER TABLE flows ADD COLUMN application TEXT;"
	"ALTER TABLE flows ADD COLUMN category TEXT;"
	"ALTER TABLE flows ADD COLUMN l7_name TEXT;"
	"ALTER TABLE flows ADD COLUMN l7_name_kind TEXT;",
	[3] =
	/*
	 * Alerts of serve's detection: one row per attack, written when it starts and
	 * updated when it ends (state 'ended') or the daemon stops ('stopped'). run is the
	 * detector's start (Unix ns): with interface and alert_id, the row's key. Times in
	 * ms; src is the attacker (or reflector), dst the victim; evidence the EVE alert's
	 * "pktlens" object as JSON text.
	 */
	"CREATE TABLE alerts ("
	" id INTEGER PRIMARY KEY, run INTEGER NOT NULL, interface TEXT NOT NULL,"
	" alert_id INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" gid INTEGER NOT NULL, sid INTEGER NOT NULL, rev INTEGER NOT NULL,"
	" severity INTEGER NOT NULL, signature TEXT NOT NULL, category TEXT NOT NULL,"
	" family INTEGER NOT NULL, proto INTEGER NOT NULL,"
	" src TEXT NOT NULL, sport INTEGER NOT NULL, dst TEXT NOT NULL, dport INTEGER NOT NULL,"
	" updates INTEGER NOT NULL, state TEXT NOT NULL, evidence TEXT,"
	" UNIQUE (run, interface, alert_id));"
	"CREATE INDEX alerts_by_time ON alerts (last_seen);",
	[4] =
	/* TCP RTT and health of the flow (NULL: not TCP, or serve --no-tcp): the RTT
	 * samples of the remote end (min/avg/max in microseconds, NULL without samples),
	 * the handshake's (NULL: none seen to complete), and the segments each counted. */
	"ALTER TABLE flows ADD COLUMN rtt_samples INTEGER;"
	"ALTER TABLE flows ADD COLUMN rtt_min_us REAL;"
	"ALTER TABLE flows ADD COLUMN rtt_avg_us REAL;"
	"ALTER TABLE flows ADD COLUMN rtt_max_us REAL;"
	"ALTER TABLE flows ADD COLUMN handshake_rtt_us REAL;"
	"ALTER TABLE flows ADD COLUMN tcp_retransmits INTEGER;"
	"ALTER TABLE flows ADD COLUMN tcp_out_of_order INTEGER;"
	"ALTER TABLE flows ADD COLUMN tcp_duplicate_acks INTEGER;"
	"ALTER TABLE flows ADD COLUMN tcp_zero_windows INTEGER;"
	"ALTER TABLE flows ADD COLUMN tcp_resets_client INTEGER;"
	"ALTER TABLE flows ADD COLUMN tcp_resets_server INTEGER;",
};

static int version(struct sqlite3 *db, long long *v, char *why, size_t whylen)
{
	const char *path = sqlite3_db_filename(db, "main");
	long long t = 0, others = 0;
	int rc;

	rc = pl_db_int(db, "SELECT count(*) FROM sqlite_master WHERE name='schema_version'", &t);
	if (!rc && !t)
		rc = pl_db_int(db, "SELECT count(*) FROM sqlite_master", &others);
	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	if (!t && others) {
		snprintf(why, whylen, "%s is an SQLite database but not a pktlens history (no "
			 "schema_version table): name another file with --db", path);
		return -EINVAL;
	}
	*v = 0;
	if (t && (rc = pl_db_int(db, "SELECT max(version) FROM schema_version", v)))
		return pl_db_err(db, rc, path, why, whylen);
	return 0;
}

static int step(struct sqlite3 *db, int to)
{
	char sql[96];
	int rc;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc)
		return rc;
	rc = sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS schema_version "
			  "(version INTEGER NOT NULL)", NULL, NULL, NULL);
	if (!rc)
		rc = sqlite3_exec(db, migrations[to], NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "DELETE FROM schema_version; "
		 "INSERT INTO schema_version VALUES (%d)", to);
	if (!rc)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (!rc)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int pl_db_migrate(struct sqlite3 *db, char *why, size_t whylen)
{
	const char *path = sqlite3_db_filename(db, "main");
	long long v;
	int rc, err = version(db, &v, why, whylen);

	if (err)
		return err;
	if (v > PL_HIST_SCHEMA) {
		snprintf(why, whylen, "%s has schema %lld, newer than this pktlens writes (%d): "
			 "use the pktlens that wrote it, or name another file with --db", path, v,
			 PL_HIST_SCHEMA);
		return -EPROTO;
	}
	for (int to = (int)v + 1; to <= PL_HIST_SCHEMA; to++) {
		rc = step(db, to);
		if (rc)
			return pl_db_err(db, rc, path, why, whylen);
	}
	return 0;
}
