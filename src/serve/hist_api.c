// SPDX-License-Identifier: BSD-2-Clause
/*
 * hist_api.c - GET /api/v1/history/{minutes,flows,top-talkers,apps}: the answers of
 * `pktlens query --json`, from a read-only connection of the HTTP thread's own. In WAL
 * mode a reader never waits for the writer thread, nor the writer for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "serve/server.h"

int pl_api_history(struct pl_srv *srv, const struct pl_hq *q, char **out, char *why,
		   size_t whylen)
{
	struct sqlite3 *db;
	size_t len = 0;
	char *buf = NULL;
	FILE *f;
	int err;

	*out = NULL;
	if (!srv->cfg->db) {
		snprintf(why, whylen, "this daemon keeps no history (started with --no-db)");
		return -ENOENT;
	}
	err = pl_db_open(srv->cfg->db, true, &db, why, whylen);
	if (err)
		return err == -ENOENT ? -EIO : err;
	f = open_memstream(&buf, &len);
	if (!f) {
		pl_db_close(db);
		return -ENOMEM;
	}
	err = pl_hq_run(db, q, f, why, whylen);
	fclose(f);
	pl_db_close(db);
	if (err) {
		free(buf);
		return err == -ENOENT ? -EIO : err;
	}
	*out = buf;
	return 0;
}
