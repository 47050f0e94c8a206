// SPDX-License-Identifier: BSD-2-Clause
/*
 * db.c - open a history database: the directory made when missing, checks that the
 * file is SQLite and ours and writable, WAL, then the migrations (schema.c). Every
 * failure is said in one line that names the file and what to do.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "history/history.h"

/* The directories of @path that are missing, made with mode 0750 (mkdir -p). */
static int make_dirs(const char *path, char *why, size_t whylen)
{
	char d[PATH_MAX];
	size_t n = strlen(path);
	struct stat st;

	if (n >= sizeof(d)) {
		snprintf(why, whylen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(d, path, n + 1);
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (stat(d, &st) && mkdir(d, 0750) && errno != EEXIST) {
			int err = -errno;

			snprintf(why, whylen, "%s: cannot make the directory %s (%s)", path, d,
				 strerror(errno));
			return err;
		}
		*p = '/';
	}
	return 0;
}

/* What SQLite's error @rc means for a history file, as an errno. */
static int rc_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_NOTADB: case SQLITE_CORRUPT: return -EINVAL;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	default: return -EIO;
	}
}

int pl_db_err(struct sqlite3 *db, int rc, const char *path, char *why, size_t whylen)
{
	const char *m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		snprintf(why, whylen, "%s is not an SQLite database (%s): move it away or name "
			 "another file with --db", path, m);
		break;
	case SQLITE_CORRUPT:
		snprintf(why, whylen, "%s is damaged (%s): move it away (sqlite3 %s .recover can "
			 "save its rows) or name another file with --db", path, m, path);
		break;
	case SQLITE_READONLY:
		snprintf(why, whylen, "%s cannot be written (%s): is the file or its file system "
			 "read-only? name a writable file with --db", path, m);
		break;
	case SQLITE_FULL:
		snprintf(why, whylen, "%s: the disk is full (%s): free space, or bound the "
			 "history with --max-db-mb or --retention-days", path, m);
		break;
	case SQLITE_CANTOPEN:
		snprintf(why, whylen, "cannot open %s (%s; %s)", path, m, strerror(errno));
		break;
	default:
		snprintf(why, whylen, "%s: %s", path, m);
	}
	return rc_errno(rc);
}

/* One statement's single integer answer into *out. SQLite's code. */
int pl_db_int(struct sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int set_wal(struct sqlite3 *db, const char *path, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	const unsigned char *mode;
	int rc;

	/* Before any table exists: the file can shrink after retention deletes rows. */
	rc = sqlite3_exec(db, "PRAGMA auto_vacuum=INCREMENTAL", NULL, NULL, NULL);
	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (!rc && sqlite3_step(st) != SQLITE_ROW)
		rc = sqlite3_errcode(db);
	if (rc) {
		sqlite3_finalize(st);
		return pl_db_err(db, rc, path, why, whylen);
	}
	mode = sqlite3_column_text(st, 0);
	if (!mode || strcmp((const char *)mode, "wal")) {
		snprintf(why, whylen, "%s: cannot turn on WAL mode (journal mode stays %s): is "
			 "it on a network file system? name a local file with --db", path,
			 mode ? (const char *)mode : "unknown");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	/* WAL + NORMAL: a killed daemon loses no committed transaction. */
	rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	return rc ? pl_db_err(db, rc, path, why, whylen) : 0;
}

/* Read-only: the schema must be ours, not newer. */
static int check_schema(struct sqlite3 *db, const char *path, char *why, size_t whylen)
{
	long long v = 0, t = 0;
	int rc = pl_db_int(db, "SELECT count(*) FROM sqlite_master WHERE name='schema_version'",
			   &t);

	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	if (!t) {
		snprintf(why, whylen, "%s holds no pktlens history (no schema_version table): "
			 "name the file pktlens serve --db writes", path);
		return -EINVAL;
	}
	rc = pl_db_int(db, "SELECT max(version) FROM schema_version", &v);
	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	if (v > PL_HIST_SCHEMA) {
		snprintf(why, whylen, "%s has schema %lld, newer than this pktlens reads (%d): "
			 "use the pktlens that wrote it", path, v, PL_HIST_SCHEMA);
		return -EPROTO;
	}
	if (v < PL_HIST_SCHEMA) {
		snprintf(why, whylen, "%s has the old schema %lld: pktlens serve --db %s "
			 "migrates it to %d", path, v, path, PL_HIST_SCHEMA);
		return -EPROTO;
	}
	return 0;
}

/*
 * A WAL database on read-only media: SQLite cannot make the -shm file beside it, so it is
 * opened as immutable (what the main file holds; the daemon leaves no -wal after a stop).
 */
static int open_immutable(const char *path, struct sqlite3 **db)
{
	char uri[PATH_MAX * 3 + 32], *o = uri;

	o += sprintf(o, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((size_t)(o - uri) > sizeof(uri) - 32)
			return SQLITE_CANTOPEN;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-", *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	strcpy(o, "?immutable=1");
	return sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
}

int pl_db_open(const char *path, bool readonly, struct sqlite3 **out, char *why, size_t whylen)
{
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	struct sqlite3 *db = NULL;
	struct stat st;
	int rc, err;

	*out = NULL;
	if (!readonly && (err = make_dirs(path, why, whylen)))
		return err;
	if (stat(path, &st)) {
		if (readonly || errno != ENOENT) {
			err = -errno;
			snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
			return err;
		}
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file: name a database file with --db",
			 path);
		return -EINVAL;
	}
	rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc) {
		err = pl_db_err(db, rc, path, why, whylen);
		sqlite3_close(db);
		return err;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	if (!readonly && sqlite3_db_readonly(db, "main") == 1) {
		err = pl_db_err(db, SQLITE_READONLY, path, why, whylen);
		goto fail;
	}
	err = readonly ? check_schema(db, path, why, whylen) : set_wal(db, path, why, whylen);
	if (readonly && err == -ENOENT && access(path, R_OK) == 0) {
		sqlite3_close(db);
		db = NULL;
		rc = open_immutable(path, &db);
		err = rc ? pl_db_err(db, rc, path, why, whylen) : check_schema(db, path, why, whylen);
	}
	if (!err && !readonly)
		err = pl_db_migrate(db, why, whylen);
	if (err)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return err;
}

void pl_db_close(struct sqlite3 *db)
{
	sqlite3_close(db);
}
