// SPDX-License-Identifier: BSD-2-Clause
/* rules_api.c - /api/v1/rules through the pins of running protect instances (rules_api.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands/block_view.h"
#include "mitigate/host.h"
#include "mitigate/rules.h"
#include "serve/rules_api.h"
#include "sinks/json.h"

#define STATUS_OK 200
#define STATUS_CREATED 201
#define STATUS_BAD 400
#define STATUS_NOT_FOUND 404
#define STATUS_CONFLICT 409
#define STATUS_ERROR 500

static bool has_maps(const char *ifname)
{
	char path[300];

	snprintf(path, sizeof(path), PL_PIN_ROOT_DIR "/%.255s/pl_mit_cfg", ifname);
	return !access(path, F_OK);
}

/* The interfaces with a protect's maps (at most @max), or only @ifname's. */
static int instances(const char *ifname, char (*names)[IFNAMSIZ], int max)
{
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (ifname[0]) {
		if (!has_maps(ifname))
			return 0;
		snprintf(names[0], IFNAMSIZ, "%s", ifname);
		return 1;
	}
	d = opendir(PL_PIN_ROOT_DIR);
	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] != '.' && strlen(e->d_name) < IFNAMSIZ && has_maps(e->d_name))
			snprintf(names[n++], IFNAMSIZ, "%s", e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static int none_running(const char *ifname, char *why, size_t n)
{
	if (ifname[0])
		snprintf(why, n, "no pktlens protect runs on '%s' (no mitigation maps pinned "
			 "under " PL_PIN_ROOT_DIR "/%s)", ifname, ifname);
	else
		snprintf(why, n, "no pktlens protect runs on this host: start one with "
			 "'pktlens protect -i IF'");
	return STATUS_NOT_FOUND;
}

/* One instance's "mitigation" object, as pktlens blocked --json writes it. */
static int list_one(struct pl_json *j, const char *ifname)
{
	char dir[160];
	struct pl_rule_row *rows = NULL;
	struct pl_mit_stats st;
	struct pl_mit m;
	size_t nrows = 0;
	int err;

	snprintf(dir, sizeof(dir), PL_PIN_ROOT_DIR "/%.15s", ifname);
	err = pl_mit_open_pinned(&m, dir);
	if (err)
		return err;
	err = pl_rule_list(&m, &rows, &nrows);
	if (!err)
		err = pl_mit_stats_read(&m, &st);
	if (!err) {
		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "interface", ifname);
		pl_blocked_json(j, rows, nrows, &st);
		pl_json_end_obj(j);
	}
	free(rows);
	pl_mit_close(&m);
	return err;
}

int pl_api_rules(const char *ifname, char **out, char *why, size_t n)
{
	char names[16][IFNAMSIZ];
	struct pl_json j;
	size_t len = 0;
	int cnt, err = 0;
	FILE *f;

	cnt = instances(ifname, names, 16);
	if (!cnt && ifname[0])
		return none_running(ifname, why, n);
	f = open_memstream(out, &len);
	if (!f) {
		snprintf(why, n, "out of memory");
		return STATUS_ERROR;
	}
	pl_json_init(&j, f, false);
	pl_json_begin_obj(&j, NULL);
	pl_json_begin_arr(&j, "protect");
	for (int i = 0; i < cnt && !err; i++)
		err = list_one(&j, names[i]);
	pl_json_end_arr(&j);
	pl_json_end_obj(&j);
	if (pl_json_finish(&j) && !err) /* prints the value and a newline */
		err = -ENOMEM;
	fclose(f);
	if (err) {
		free(*out);
		*out = NULL;
		snprintf(why, n, "reading the rules of protect failed: %s", strerror(-err));
		return STATUS_ERROR;
	}
	return STATUS_OK;
}

/* The one protect a write goes to: the named one, or the only one running. */
static int target(const char *ifname, char *dir, size_t dlen, char *why, size_t n)
{
	char names[2][IFNAMSIZ];
	int cnt = instances(ifname, names, 2);

	if (!cnt)
		return none_running(ifname, why, n);
	if (cnt > 1) {
		snprintf(why, n, "more than one pktlens protect runs here: name one with "
			 "\"interface\"");
		return STATUS_BAD;
	}
	snprintf(dir, dlen, PL_PIN_ROOT_DIR "/%.15s", names[0]);
	return 0;
}

/* {"KEY":ID,"interface":IF} for the protect in @dir; @status, or 500 without memory. */
static int answer(char **out, const char *key, __u32 id, const char *dir, int status,
		  char *why, size_t n)
{
	char buf[160];

	/* An interface name is letters, digits and a few marks: nothing to escape. */
	snprintf(buf, sizeof(buf), "{\"%s\":%u,\"interface\":\"%.15s\"}\n", key, id,
		 dir + strlen(PL_PIN_ROOT_DIR "/"));
	*out = strdup(buf);
	if (*out)
		return status;
	snprintf(why, n, "out of memory");
	return STATUS_ERROR;
}

static int add_rule(struct pl_mit *m, struct pl_rules_req *r, const char *dir, char **out,
		    char *why, size_t n)
{
	struct pl_prefix *prot = NULL;
	char err[PL_ERR_LEN];
	size_t nprot = 0;
	__u32 id;
	int e;

	pl_host_protected(m, &prot, &nprot);
	e = pl_rule_add(m, &r->sp, prot, nprot, &id, err, sizeof(err));
	free(prot);
	if (e) {
		snprintf(why, n, "%s", err);
		return e == -EINVAL || e == -EPERM || e == -EEXIST || e == -ENOSPC ||
				       e == -E2BIG ? STATUS_CONFLICT : STATUS_ERROR;
	}
	return answer(out, "id", id, dir, STATUS_CREATED, why, n);
}

static int del_rule(struct pl_mit *m, struct pl_rules_req *r, const char *dir, char **out,
		    char *why, size_t n)
{
	__u32 id = r->id;

	r->sp.r.kind = r->sp.r.port || r->sp.r.proto ? PL_RULE_PORT : PL_RULE_BLOCK;
	if ((!id && pl_rule_find(m, &r->sp.r, &id)) || pl_rule_del(m, id)) {
		snprintf(why, n, "no such rule (GET /api/v1/rules lists them)");
		return STATUS_NOT_FOUND;
	}
	return answer(out, "removed", id, dir, STATUS_OK, why, n);
}

int pl_api_rules_write(bool add, const char *body, size_t len, char **out, char *why,
		       size_t n)
{
	struct pl_rules_req r;
	char dir[160];
	struct pl_mit m;
	int st;

	*out = NULL;
	if (pl_rules_req_parse(body, len, add, &r, why, n))
		return STATUS_BAD;
	st = target(r.ifname, dir, sizeof(dir), why, n);
	if (st)
		return st;
	if (pl_mit_open_pinned(&m, dir)) {
		snprintf(why, n, "cannot open the maps in %s", dir);
		return STATUS_ERROR;
	}
	if (pl_mit_lock(&m)) {
		snprintf(why, n, "cannot lock %s: %s", dir, strerror(errno));
		pl_mit_close(&m);
		return STATUS_ERROR;
	}
	pl_rule_expire(&m);
	st = add ? add_rule(&m, &r, dir, out, why, n) : del_rule(&m, &r, dir, out, why, n);
	pl_mit_close(&m);
	return st;
}
