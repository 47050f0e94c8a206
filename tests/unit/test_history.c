// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_history.c - the history's writer and schema without a daemon: minutes queued for
 * the same interface and minute add up (also across two writers, as after a restart),
 * flows are stored as given, an alert's row is made when it starts and updated (not
 * doubled) when it ends, the schema is made once and migrated from version 0, and
 * retention by age keeps exactly the newer rows (alerts too). Read back through SQLite directly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "check.h"
#include "history/history.h"

static char dir[] = "/tmp/pl-test-history.XXXXXX";
static char path[256];

static long long one(const char *sql)
{
	sqlite3 *db;
	long long v = -1;

	if (sqlite3_open(path, &db) == SQLITE_OK)
		pl_db_int(db, sql, &v);
	sqlite3_close(db);
	return v;
}

static void write_some(__u64 packets, int nflows)
{
	struct pl_hist_opts o = { .path = path };
	struct pl_hist_minute m = { .ifname = "eth9", .minute = 1796637600 };
	struct pl_hist *h;
	char why[512];

	CHECK(pl_hist_start(&h, &o, why, sizeof(why)) == 0, "start: %s", why);
	if (!h)
		return;
	m.delta.packets = packets;
	m.delta.bytes = packets * 64;
	m.delta.l4_packets[PL_L4_UDP] = packets;
	pl_hist_add_minute(h, &m);
	pl_hist_add_minute(h, &m); /* the same minute again: added */
	for (int i = 0; i < nflows; i++) {
		struct pl_hist_flow f = { .ifname = "eth9", .src = "198.18.0.1", .dst = "198.18.0.2",
					  .sport = (__u16)(1000 + i), .dport = 53, .proto = 17,
					  .family = 4, .packets_fwd = 3, .bytes_fwd = 300,
					  .first_ms = 1796637600000LL + i,
					  .last_ms = 1796637600000LL + i, .state = "ingress-only",
					  .ended = "idle" };

		pl_hist_add_flow(h, &f);
	}
	pl_hist_stop(h);
}

/* One attack: its row at the start, then the same row at its end. */
static void write_alert(void)
{
	struct pl_hist_opts o = { .path = path };
	struct pl_hist_alert a = { .run = 42, .ifname = "eth9", .alert_id = 1,
				   .first_ms = 1796637600000LL, .last_ms = 1796637600000LL,
				   .gid = 1, .sid = 9100001, .rev = 1, .severity = 1,
				   .signature = "syn flood", .category = "dos", .family = 4,
				   .proto = 6, .src = "198.18.0.41", .dst = "198.18.0.2",
				   .updates = 0, .state = "active", .evidence = "{\"pps\":5000}" };
	struct pl_hist *h;
	char why[512];

	CHECK(pl_hist_start(&h, &o, why, sizeof(why)) == 0, "start: %s", why);
	if (!h)
		return;
	pl_hist_add_alert(h, &a);
	a.last_ms += 9000;
	a.updates = 30;
	a.state = "ended";
	a.evidence[0] = 0; /* none given: the row keeps what it had */
	pl_hist_add_alert(h, &a);
	a.alert_id = 2; /* another attack of the same run */
	pl_hist_add_alert(h, &a);
	pl_hist_stop(h);
}

int main(void)
{
	struct pl_hist_opts o = { .retention_days = 1 };
	sqlite3 *db;
	char why[512];
	long n;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/sub/h.db", dir);

	TEST_BEGIN("writer: minutes add up, flows stored, across a restart");
	write_some(10, 5);
	write_some(7, 2);
	CHECK_EQ(one("SELECT packets FROM minutes"), 34);
	CHECK_EQ(one("SELECT bytes FROM minutes"), 34 * 64);
	CHECK_EQ(one("SELECT count(*) FROM minutes"), 1);
	CHECK_EQ(one("SELECT packets FROM minute_classes WHERE layer='l4' AND class='udp'"), 34);
	CHECK_EQ(one("SELECT count(*) FROM flows"), 7);
	CHECK_EQ(one("SELECT sum(bytes_fwd) FROM flows WHERE dport = 53"), 2100);
	CHECK_EQ(one("SELECT version FROM schema_version"), PL_HIST_SCHEMA);
	CHECK_EQ(one("SELECT count(*) FROM schema_version"), 1);
	TEST_END();

	TEST_BEGIN("alerts: one row per attack, updated at its end");
	write_alert();
	CHECK_EQ(one("SELECT count(*) FROM alerts"), 2);
	CHECK_EQ(one("SELECT updates FROM alerts WHERE alert_id = 1"), 30);
	CHECK_EQ(one("SELECT last_seen - first_seen FROM alerts WHERE alert_id = 1"), 9000);
	CHECK_EQ(one("SELECT count(*) FROM alerts WHERE alert_id = 1 AND state = 'ended' AND "
		     "evidence = '{\"pps\":5000}' AND src = '198.18.0.41' AND sid = 9100001"), 1);
	CHECK_EQ(one("SELECT count(*) FROM alerts WHERE alert_id = 2 AND evidence IS NULL"), 1);
	TEST_END();

	TEST_BEGIN("migration from version 0");
	snprintf(path, sizeof(path), "%s/v0.db", dir);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TABLE schema_version (version INTEGER NOT NULL);"
		     "INSERT INTO schema_version VALUES (0)", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(pl_db_open(path, false, &db, why, sizeof(why)) == 0, "open: %s", why);
	pl_db_close(db);
	CHECK_EQ(one("SELECT version FROM schema_version"), PL_HIST_SCHEMA);
	CHECK_EQ(one("SELECT count(*) FROM sqlite_master WHERE name IN ('minutes', 'flows', "
		     "'minute_classes', 'alerts')"), 4);
	CHECK(pl_db_open(path, true, &db, why, sizeof(why)) == 0, "read-only: %s", why);
	pl_db_close(db);
	TEST_END();

	TEST_BEGIN("retention by age");
	CHECK(pl_db_open(path, false, &db, why, sizeof(why)) == 0, "open: %s", why);
	sqlite3_exec(db, "INSERT INTO minutes (interface, minute) VALUES ('a', 1000), "
		     "('a', 100000), ('a', 200000);"
		     "INSERT INTO flows (interface, family, proto, src, sport, dst, dport, vlan, "
		     "packets_fwd, bytes_fwd, packets_rev, bytes_rev, first_seen, last_seen, "
		     "tcp_flags, state, ended) VALUES ('a', 4, 6, 'x', 1, 'y', 2, 0, 1, 1, 0, 0, "
		     "0, 100000000, 0, 's', 'idle'), ('a', 4, 6, 'x', 1, 'y', 2, 0, 1, 1, 0, 0, "
		     "0, 150000000, 0, 's', 'idle');"
		     "INSERT INTO alerts (run, interface, alert_id, first_seen, last_seen, gid, sid, "
		     "rev, severity, signature, category, family, proto, src, sport, dst, dport, "
		     "updates, state) VALUES (1, 'a', 1, 0, 100000000, 1, 1, 1, 1, 's', 'c', 4, 6, "
		     "'x', 0, 'y', 0, 0, 'ended'), (1, 'a', 2, 0, 150000000, 1, 1, 1, 1, 's', 'c', "
		     "4, 6, 'x', 0, 'y', 0, 0, 'ended')", NULL, NULL, NULL);
	/* now = 200000 s, one day: rows before 113600 go. */
	n = pl_hist_trim(db, &o, 200000, why, sizeof(why));
	pl_db_close(db);
	CHECK_EQ(n, 4);
	CHECK_EQ(one("SELECT alert_id FROM alerts"), 2);
	CHECK_EQ(one("SELECT group_concat(minute) FROM minutes"), 200000);
	CHECK_EQ(one("SELECT last_seen FROM flows"), 150000000);
	TEST_END();

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		return 1;
	return check_summary();
}
