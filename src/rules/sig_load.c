// SPDX-License-Identifier: BSD-2-Clause
/*
 * load.c - a rule file into a rule set: lines ('\' continues a rule on the next line,
 * '#' starts a comment line), each rule parsed, (gid, sid) checked unique, then the
 * prefilter built. Any error frees everything: nothing is half-loaded.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rules/ruleset.h"
#include "util/log.h"

static int vars_init(struct rvars *v, const struct pl_sigs_opts *o)
{
	/* Suricata's defaults, so that published rule sets load without a [vars] section. */
	static const char *const defaults[] = {
		"HOME_NET=[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]", "EXTERNAL_NET=!$HOME_NET",
		"HTTP_SERVERS=$HOME_NET", "SMTP_SERVERS=$HOME_NET", "SQL_SERVERS=$HOME_NET",
		"DNS_SERVERS=$HOME_NET", "TELNET_SERVERS=$HOME_NET", "AIM_SERVERS=$EXTERNAL_NET",
		"DC_SERVERS=$HOME_NET", "DNP3_SERVER=$HOME_NET", "DNP3_CLIENT=$HOME_NET",
		"MODBUS_CLIENT=$HOME_NET", "MODBUS_SERVER=$HOME_NET", "ENIP_CLIENT=$HOME_NET",
		"ENIP_SERVER=$HOME_NET", "HTTP_PORTS=80", "SHELLCODE_PORTS=!80",
		"ORACLE_PORTS=1521", "SSH_PORTS=22", "DNP3_PORTS=20000", "MODBUS_PORTS=502",
		"FILE_DATA_PORTS=[$HTTP_PORTS,110,143]", "FTP_PORTS=21", "GENEVE_PORTS=6081",
		"VXLAN_PORTS=4789", "TEREDO_PORTS=3544",
	};
	int nd = (int)(sizeof(defaults) / sizeof(defaults[0]));

	memset(v, 0, sizeof(*v));
	v->name = calloc((size_t)(nd + o->nvars), sizeof(char *));
	v->value = calloc((size_t)(nd + o->nvars), sizeof(char *));
	if (!v->name || !v->value)
		return -ENOMEM;
	for (int i = 0; i < nd + o->nvars; i++) {
		const char *s = i < o->nvars ? o->vars[i] : defaults[i - o->nvars];
		const char *eq = strchr(s, '=');
		int k;

		if (!eq || eq == s) {
			pl_warn("rule variable '%s': expected NAME=VALUE", s);
			return -EINVAL;
		}
		for (k = 0; k < v->n; k++) /* the configuration's first */
			if (strlen(v->name[k]) == (size_t)(eq - s) && !strncmp(v->name[k], s, eq - s))
				break;
		if (k < v->n)
			continue;
		v->name[v->n] = strndup(s[0] == '$' ? s + 1 : s, (size_t)(eq - s) - (s[0] == '$'));
		v->value[v->n] = strdup(eq + 1);
		if (!v->name[v->n] || !v->value[v->n])
			return -ENOMEM;
		v->n++;
	}
	return 0;
}

static void vars_free(struct rvars *v)
{
	for (int i = 0; i < v->n; i++) {
		free(v->name[i]);
		free(v->value[i]);
	}
	free(v->name);
	free(v->value);
}

void pl_sigs_free(struct pl_sigs *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++)
		pl_sig_rule_free(&rs->r[i]);
	free(rs->r);
	free(rs->sorted);
	for (int i = 0; i < rs->nfb; i++)
		free(rs->fbnames[i]);
	free(rs->fbnames);
	pl_datasets_free(rs->dsets);
	pl_prefilter_free(rs->pf);
	free(rs->always);
	free(rs->cand);
	free(rs->clist);
	free(rs->file);
	pl_sigs_state_free(rs);
	free(rs);
}

static int sid_cmp(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a, *y = *(struct rule *const *)b;

	if (x->gid != y->gid)
		return x->gid < y->gid ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->line - y->line;
}

static int check_sids(struct pl_sigs *rs)
{
	struct rule **p = malloc(((size_t)rs->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (int i = 0; i < rs->n; i++)
		p[i] = &rs->r[i];
	qsort(p, (size_t)rs->n, sizeof(*p), sid_cmp);
	for (int i = 1; i < rs->n; i++) {
		if (p[i]->gid == p[i - 1]->gid && p[i]->sid == p[i - 1]->sid) {
			pl_warn("%s:%d: duplicate sid %u (gid %u): line %d has it too", rs->file,
				p[i]->line, p[i]->sid, p[i]->gid, p[i - 1]->line);
			free(p);
			return -EINVAL;
		}
	}
	free(p);
	return 0;
}

static int add_rule(struct pl_sigs *rs, struct rparse *ctx, const char *text, int line,
		    bool lenient)
{
	struct perr e = {};
	struct rule r;
	int err;

	if (rs->n >= PL_SIGS_MAX) {
		pl_warn("%s:%d: more than %d rules", rs->file, line, PL_SIGS_MAX);
		return -EINVAL;
	}
	err = pl_sig_parse(ctx, text, &r, &e);
	r.file = rs->file;
	r.line = line;
	if (err == -ENOTSUP || (err && e.unsupported)) {
		pl_sig_rule_free(&r);
		if (lenient) {
			pl_warn("%s:%d: skipped: unsupported keyword '%s'", rs->file, line, e.msg);
			rs->skipped++;
			return 0;
		}
		pl_warn("%s:%d: unsupported keyword '%s' (pktlens-rules(5) lists what is "
			"supported; --rules-lenient skips such rules)", rs->file, line, e.msg);
		return -EINVAL;
	}
	if (err) {
		pl_sig_rule_free(&r);
		if (err == -ENOMEM)
			pl_warn("%s:%d: out of memory", rs->file, line);
		else
			pl_warn("%s:%d: %s", rs->file, line, e.msg[0] ? e.msg : "bad rule");
		return -EINVAL;
	}
	if (rs->n == rs->cap) {
		int cap = rs->cap ? rs->cap * 2 : 256;
		struct rule *n = realloc(rs->r, (size_t)cap * sizeof(*n));

		if (!n) {
			pl_sig_rule_free(&r);
			return -ENOMEM;
		}
		rs->r = n;
		rs->cap = cap;
	}
	r.idx = (uint32_t)rs->n;
	rs->r[rs->n++] = r;
	return 0;
}

/* Rules in evaluation order: those that only set flowbits first (Suricata's order). */
static int order_cmp(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a, *y = *(struct rule *const *)b;

	if (x->order != y->order)
		return x->order - y->order;
	return (int)x->idx - (int)y->idx;
}

static int finish_set(struct pl_sigs *rs)
{
	struct perr e = {};
	int err;

	rs->sorted = malloc(((size_t)rs->n + 1) * sizeof(*rs->sorted));
	rs->cand = calloc((size_t)rs->n + 1, 1);
	rs->clist = malloc(((size_t)rs->n + 1) * sizeof(*rs->clist));
	rs->always = malloc(((size_t)rs->n + 1) * sizeof(*rs->always));
	if (!rs->sorted || !rs->cand || !rs->clist || !rs->always)
		return -ENOMEM;
	for (int i = 0; i < rs->n; i++) {
		rs->sorted[i] = &rs->r[i];
		if (rs->r[i].pf < 0)
			rs->always[rs->nalways++] = (int)i;
	}
	if (rs->n > 1)
		qsort(rs->sorted, (size_t)rs->n, sizeof(*rs->sorted), order_cmp);
	err = pl_prefilter_build(rs->sorted, rs->n, &rs->pf, &e);
	if (err) {
		pl_warn("%s: %s", rs->file, e.msg[0] ? e.msg : "cannot build the prefilter");
		return err;
	}
	return pl_sigs_state_init(rs);
}

#define ERRORS_SHOWN 20

static int parse_text(struct pl_sigs *rs, const char *text, size_t len, bool lenient,
		      struct rparse *ctx)
{
	char *buf = malloc(PL_SIGS_LINE_MAX + 1);
	size_t pos = 0, k = 0;
	int line = 0, start = 0, err = 0, nbad = 0;

	if (!buf)
		return -ENOMEM;
	while (pos < len && !err) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		bool cont;

		pos += n + (nl != NULL);
		line++;
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch < 0x20 && ch != '\t' && ch != '\r') {
				pl_warn("%s:%d: binary data (byte 0x%02x): this is not a rule file "
					"(write bytes in a content as |hex|)", rs->file, line, ch);
				err = -EINVAL;
				break;
			}
		}
		if (err)
			break;
		if (n && s[n - 1] == '\r')
			n--;
		if (!k) {
			start = line;
			while (n && isspace((unsigned char)*s))
				s++, n--;
			if (!n || *s == '#')
				continue;
		}
		cont = n && s[n - 1] == '\\';
		if (cont)
			n--;
		if (k + n > PL_SIGS_LINE_MAX) {
			pl_warn("%s:%d: a rule longer than %u bytes", rs->file, start,
				PL_SIGS_LINE_MAX);
			err = -EINVAL;
			break;
		}
		memcpy(buf + k, s, n);
		k += n;
		if (cont)
			continue;
		buf[k] = 0;
		k = 0;
		/* A bad rule: say so and go on, so one run names every bad rule (as suricata
		 * -T does), up to ERRORS_SHOWN; nothing is loaded in the end all the same. */
		err = add_rule(rs, ctx, buf, start, lenient);
		if (err == -EINVAL && rs->n < PL_SIGS_MAX && ++nbad < ERRORS_SHOWN)
			err = 0;
		else if (err == -EINVAL && rs->n < PL_SIGS_MAX)
			pl_warn("%s: more errors after line %d are not shown", rs->file, start);
	}
	if (!err && nbad)
		err = -EINVAL;
	if (!err && k) {
		pl_warn("%s:%d: the file ends inside a rule (a '\\' at the end of its last line)",
			rs->file, start);
		err = -EINVAL;
	}
	free(buf);
	return err;
}

static int load(const char *name, const char *text, size_t len, const char *dir,
		const struct pl_sigs_opts *o, struct pl_sigs **out)
{
	struct pl_sigs *rs = calloc(1, sizeof(*rs));
	struct rvars vars = {};
	struct rparse ctx = {};
	int err;

	*out = NULL;
	if (!rs)
		return -ENOMEM;
	rs->file = strdup(name);
	rs->flows_max = o->flows_max ? o->flows_max : 65536;
	err = rs->file ? vars_init(&vars, o) : -ENOMEM;
	if (!err) {
		ctx.vars = &vars;
		ctx.dsets = &rs->dsets;
		ctx.dir = o->dataset_dir ? o->dataset_dir : dir;
		ctx.no_files = o->no_files;
		ctx.fbnames = &rs->fbnames;
		ctx.nfb = &rs->nfb;
		err = parse_text(rs, text, len, o->lenient, &ctx);
	}
	vars_free(&vars);
	if (err != -ENOMEM && rs->n) { /* duplicates are named even after other errors */
		int sid_err = check_sids(rs);

		err = err ? err : sid_err;
	}
	if (!err)
		err = finish_set(rs);
	if (err) {
		if (err == -ENOMEM)
			pl_warn("%s: out of memory loading the rules", name);
		pl_sigs_free(rs);
		return err;
	}
	*out = rs;
	return 0;
}

int pl_sigs_load_text(const char *name, const char *text, size_t len,
		       const struct pl_sigs_opts *o, struct pl_sigs **out)
{
	return load(name, text, len, NULL, o, out);
}

int pl_sigs_load(const char *path, const struct pl_sigs_opts *o, struct pl_sigs **out)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	char *buf, *dcopy;
	int err;

	*out = NULL;
	if (!f) {
		err = -errno;
		pl_warn("cannot read the rule file '%s': %s", path, strerror(-err));
		return err;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > PL_SIGS_FILE_MAX) {
		pl_warn("%s: not a regular file of at most %u MiB", path, PL_SIGS_FILE_MAX >> 20);
		fclose(f);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		pl_warn("cannot read the rule file '%s'", path);
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[st.st_size] = 0;
	dcopy = strdup(path);
	err = dcopy ? load(path, buf, (size_t)st.st_size, dirname(dcopy), o, out) : -ENOMEM;
	free(dcopy);
	free(buf);
	return err;
}
