// SPDX-License-Identifier: BSD-2-Clause
/* config.c - pktlens.conf(5) through inih: see config.h. */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "util/log.h"

/* The sections a file may have: the commands that take --config. */
static const char *const sections[] = { "monitor", "analyze", "capture", "serve", "protect",
					"detect", "vars", NULL };

struct cfg_parse {
	const char *name; /* the file, for messages */
	const char *cmd;
	const struct option *longopts;
	/* the input: a FILE, or a string */
	FILE *f;
	const char *text;
	size_t pos;
	char *buf; /* the line as read, whole */
	size_t buflen;
	int line; /* lines read so far: the line the handler is called for */
	/* the first error */
	int err_line;
	char err[256];
	bool nomem;
	/* the entries of section @cmd, and their lines */
	char **opts;
	int *lines;
	int n;
	bool raw; /* [vars]: entries are NAME=VALUE as written, not options */
	bool not_cmd; /* a section of no command ([detect]): its keys are in pktlens.conf(5) */
};

static void cfg_error(struct cfg_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cfg_error(struct cfg_parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return; /* the first one is said */
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/* The next line of the input into p->buf (with its newline); its length, or -1. */
static ssize_t cfg_next_line(struct cfg_parse *p)
{
	const char *s, *nl;
	size_t len;

	if (p->f)
		return getline(&p->buf, &p->buflen, p->f);
	s = p->text + p->pos;
	if (!*s)
		return -1;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) + 1 : strlen(s);
	if (len + 1 > p->buflen) {
		char *b = realloc(p->buf, len + 1);

		if (!b)
			return -1;
		p->buf = b;
		p->buflen = len + 1;
	}
	memcpy(p->buf, s, len);
	p->buf[len] = 0;
	p->pos += len;
	return len;
}

/* inih's reader: one line, counted; a line longer than inih's buffer is an error. */
static char *cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_parse *p = stream;
	ssize_t r = cfg_next_line(p);
	size_t len;

	if (r < 0)
		return NULL;
	p->line++;
	len = r;
	if (memchr(p->buf, 0, len))
		cfg_error(p, "a NUL byte: this is not a text file");
	if (len && p->buf[len - 1] == '\n')
		len--;
	if (len > (size_t)num - 2) {
		cfg_error(p, "line longer than %d characters", num - 2);
		len = 0; /* parsed as an empty line: the error is already said */
	}
	memcpy(str, p->buf, len);
	str[len] = '\n';
	str[len + 1] = 0;
	return str;
}

static bool known_section(const char *s)
{
	for (int i = 0; sections[i]; i++)
		if (!strcmp(s, sections[i]))
			return true;
	return false;
}

/* The long option a key names: its exact name; never help or config itself. */
static const struct option *key_option(const struct option *lo, const char *key)
{
	if (!strcmp(key, "help") || !strcmp(key, "config"))
		return NULL;
	for (; lo->name; lo++)
		if (!strcmp(lo->name, key))
			return lo;
	return NULL;
}

/* yes/no as people write it in configuration files: 1 true, 0 false, -1 neither. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };

	for (int i = 0; yes[i]; i++)
		if (!strcasecmp(v, yes[i]))
			return 1;
	for (int i = 0; no[i]; i++)
		if (!strcasecmp(v, no[i]))
			return 0;
	return -1;
}

static int add_opt(struct cfg_parse *p, const char *name, const char *value)
{
	char **o;
	int *l;
	char *s;

	if (p->n >= PL_CONFIG_ENTRIES_MAX) {
		cfg_error(p, "more than %d entries in [%s]", PL_CONFIG_ENTRIES_MAX, p->cmd);
		return 0;
	}
	if (p->raw ? asprintf(&s, "%s=%s", name, value) < 0 :
	    (value ? asprintf(&s, "--%s=%s", name, value) : asprintf(&s, "--%s", name)) < 0)
		goto nomem;
	o = realloc(p->opts, (p->n + 1) * sizeof(*o));
	if (o)
		p->opts = o;
	l = realloc(p->lines, (p->n + 1) * sizeof(*l));
	if (l)
		p->lines = l;
	if (!o || !l) {
		free(s);
		goto nomem;
	}
	p->opts[p->n] = s;
	p->lines[p->n++] = p->line;
	return 1;
nomem:
	p->nomem = true;
	return 0;
}

static int cfg_handler(void *user, const char *section, const char *key, const char *value)
{
	struct cfg_parse *p = user;
	const struct option *o;
	int b;

	if (!*section) {
		cfg_error(p, "'%s' outside a section: start with [%s]", key, p->cmd);
		return 0;
	}
	if (!known_section(section)) {
		char list[160] = "";

		for (int i = 0; sections[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s[%s]",
				 !i ? "" : sections[i + 1] ? ", " : " and ", sections[i]);
		cfg_error(p, "unknown section [%s]: the sections are %s", section, list);
		return 0;
	}
	if (strcmp(section, p->cmd))
		return 1; /* another command's: its own run checks it */
	if (p->raw) {
		if (!value || !*value || strpbrk(key, " \t$=")) {
			cfg_error(p, "[%s] %s: expected NAME = VALUE", section, key);
			return 0;
		}
		return add_opt(p, key, value);
	}
	o = key_option(p->longopts, key);
	if (!o && p->not_cmd) {
		cfg_error(p, "[%s] has no key '%s': pktlens.conf(5) lists its keys", section, key);
		return 0;
	}
	if (!o) {
		cfg_error(p, "[%s] has no key '%s': the keys are %s's long options "
			     "(pktlens %s --help)", section, key, p->cmd, p->cmd);
		return 0;
	}
	if (o->has_arg != no_argument)
		return add_opt(p, key, value);
	b = parse_bool(value);
	if (b < 0) {
		cfg_error(p, "[%s] %s = '%s': expected yes or no", section, key, value);
		return 0;
	}
	return b ? add_opt(p, key, NULL) : 1;
}

void pl_config_free(char **opts, int n)
{
	for (int i = 0; i < n; i++)
		free(opts[i]);
	free(opts);
}

/* Parse p's input; 0, or -EINVAL/-ENOMEM after a message. */
static int cfg_run(struct cfg_parse *p)
{
	int r = ini_parse_stream(cfg_read_line, p, cfg_handler, p);

	free(p->buf);
	p->buf = NULL;
	if (p->nomem || r == -2) {
		pl_warn("out of memory reading the configuration '%s'", p->name);
		return -ENOMEM;
	}
	if (r > 0 && (!p->err_line || r < p->err_line)) {
		/* a line inih could not read, before any error of ours */
		p->err_line = r;
		snprintf(p->err, sizeof(p->err),
			 "not 'key = value', '[section]' or a comment (# or ;)");
	}
	if (p->err_line) {
		pl_warn("%s:%d: %s", p->name, p->err_line, p->err);
		return -EINVAL;
	}
	return 0;
}

int pl_config_parse(const char *name, const char *text, const char *cmd,
		    const struct option *longopts, char ***out, int *n)
{
	struct cfg_parse p = { .name = name, .cmd = cmd, .longopts = longopts, .text = text };
	int err = cfg_run(&p);

	free(p.lines);
	if (err) {
		pl_config_free(p.opts, p.n);
		return err;
	}
	*out = p.opts;
	*n = p.n;
	return 0;
}

/* The options made from the file, and where each came from (for messages). */
static struct {
	char *file; /* --config FILE */
	char **opts;
	int n;
	char **where; /* "FILE:LINE" */
	char **argv;  /* the command's new argv: kept reachable until exit */
} made;

const char *pl_config_origin(const char *arg)
{
	for (int i = 0; arg && i < made.n; i++)
		if (made.opts[i] == arg)
			return made.where[i];
	return NULL;
}

/* The option of @lo that "--name[=v]" names (a unique prefix, as getopt takes it). */
static const struct option *long_given(const struct option *lo, const char *arg)
{
	const struct option *hit = NULL;
	size_t len = strcspn(arg + 2, "=");
	int n = 0;

	for (; lo->name; lo++) {
		if (strncmp(lo->name, arg + 2, len))
			continue;
		if (strlen(lo->name) == len)
			return lo;
		hit = lo;
		n++;
	}
	return n == 1 ? hit : NULL;
}

/* Whether the letter @c takes a value in @shortopts. */
static bool short_takes_value(const char *shortopts, int c)
{
	const char *s = strchr(shortopts, c);

	return c != ':' && s && s[1] == ':';
}

/*
 * Mark in @given (indexed like @lo) the options the command line @argv[1..argc) sets,
 * up to "--"; also where --config is: *cfg_at (its index, or 0) and *cfg_file.
 */
static int scan_args(const char *cmd, int argc, char **argv, const char *shortopts,
		     const struct option *lo, bool *given, int *cfg_at, const char **cfg_file)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;

		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "--config") || !strncmp(a, "--config=", 9)) {
			if (*cfg_at) {
				pl_warn("%s: --config given twice: one file holds the configuration", cmd);
				return -EINVAL;
			}
			*cfg_at = i;
			if (a[8] == '=') {
				*cfg_file = a + 9;
			} else if (i + 1 < argc) {
				*cfg_file = argv[++i];
			} else {
				pl_warn("%s: option '--config' needs a value: --config FILE", cmd);
				return -EINVAL;
			}
			continue;
		}
		if (!strncmp(a, "--", 2)) {
			o = long_given(lo, a);
			if (o) {
				given[o - lo] = true;
				if (o->has_arg == required_argument && !strchr(a, '='))
					i++; /* its value */
			}
			continue;
		}
		if (a[0] != '-' || !a[1])
			continue; /* an expression word: options may follow it */
		/* A cluster of letters: -nvi IF, -iIF, -c5. */
		for (const char *c = a + 1; *c; c++) {
			for (o = lo; o->name; o++)
				if (o->val == *c)
					given[o - lo] = true;
			if (short_takes_value(shortopts, *c)) {
				if (!c[1])
					i++;
				break;
			}
		}
	}
	return 0;
}

int pl_config_args(const char *cmd, const char *shortopts, const struct option *longopts,
		   int *argc, char ***argv)
{
	const char *file = NULL;
	int cfg_at = 0, n = 0, nlo = 0, k = 0, err;
	char **opts = NULL, **nargv;
	bool *given;
	FILE *f;

	/* Once per process; a second call (tests) starts again. */
	for (int i = 0; i < made.n; i++) {
		free(made.opts[i]);
		free(made.where[i]);
	}
	free(made.opts);
	free(made.where);
	free(made.argv);
	free(made.file);
	memset(&made, 0, sizeof(made));
	while (longopts[nlo].name)
		nlo++;
	given = calloc(nlo + 1, sizeof(*given));
	if (!given)
		return -ENOMEM;
	err = scan_args(cmd, *argc, *argv, shortopts, longopts, given, &cfg_at, &file);
	if (err || !cfg_at)
		goto out;
	f = fopen(file, "r");
	if (!f) {
		err = -errno;
		pl_warn("cannot read the configuration '%s': %s", file, strerror(-err));
		goto out;
	}
	made.file = strdup(file);
	{
		struct cfg_parse p = { .name = file, .cmd = cmd, .longopts = longopts, .f = f };

		err = cfg_run(&p);
		fclose(f);
		opts = p.opts;
		n = p.n;
		if (!err) {
			made.where = calloc(n + 1, sizeof(*made.where));
			if (!made.where)
				err = -ENOMEM;
			for (int i = 0; !err && i < n; i++)
				if (asprintf(&made.where[i], "%s:%d", file, p.lines[i]) < 0)
					err = -ENOMEM;
		}
		free(p.lines);
	}
	if (err)
		goto out;
	/* argv[0], the file's options the command line does not set, the command line. */
	nargv = calloc(*argc + n + 1, sizeof(*nargv));
	made.opts = calloc(n + 1, sizeof(*made.opts));
	if (!nargv || !made.opts) {
		free(nargv);
		err = -ENOMEM;
		goto out;
	}
	nargv[k++] = (*argv)[0];
	for (int i = 0; i < n; i++) {
		const struct option *o = long_given(longopts, opts[i]);

		if (o && given[o - longopts]) { /* the command line says otherwise */
			free(opts[i]);
			free(made.where[i]);
			continue;
		}
		made.where[made.n] = made.where[i];
		made.opts[made.n++] = opts[i];
		nargv[k++] = opts[i];
	}
	for (int i = 1; i < *argc; i++)
		if (i != cfg_at && !(i == cfg_at + 1 && !strchr((*argv)[cfg_at], '=')))
			nargv[k++] = (*argv)[i];
	nargv[k] = NULL;
	made.argv = nargv;
	*argc = k;
	*argv = nargv;
	free(opts); /* the strings live on in made.opts */
	opts = NULL;
	n = 0;
out:
	if (err == -ENOMEM)
		pl_warn("out of memory reading the configuration");
	pl_config_free(opts, n);
	free(given);
	return err;
}

const char *pl_config_file(void)
{
	return made.file;
}

int pl_config_vars(const char *file, char ***out, int *n)
{
	struct cfg_parse p = { .name = file, .cmd = "vars", .raw = true };
	int err;

	*out = NULL;
	*n = 0;
	if (!file)
		return 0;
	p.f = fopen(file, "r");
	if (!p.f) {
		err = -errno;
		pl_warn("cannot read the configuration '%s': %s", file, strerror(-err));
		return err;
	}
	err = cfg_run(&p);
	fclose(p.f);
	free(p.lines);
	if (err) {
		pl_config_free(p.opts, p.n);
		return err;
	}
	*out = p.opts;
	*n = p.n;
	return 0;
}

int pl_config_section(const char *file, const char *section, const struct option *keys,
		      char ***opts, char ***where, int *n)
{
	struct cfg_parse p = { .name = file, .cmd = section, .longopts = keys, .not_cmd = true };
	char **w = NULL;
	int err;

	*opts = *where = NULL;
	*n = 0;
	p.f = fopen(file, "r");
	if (!p.f) {
		err = -errno;
		pl_warn("cannot read the configuration '%s': %s", file, strerror(-err));
		return err;
	}
	err = cfg_run(&p);
	fclose(p.f);
	if (!err) {
		w = calloc(p.n + 1, sizeof(*w));
		err = w ? 0 : -ENOMEM;
		for (int i = 0; !err && i < p.n; i++)
			if (asprintf(&w[i], "%s:%d", file, p.lines[i]) < 0)
				err = -ENOMEM;
	}
	free(p.lines);
	if (err) {
		pl_config_free(p.opts, p.n);
		if (w)
			pl_config_free(w, p.n);
		return err;
	}
	*opts = p.opts;
	*where = w;
	*n = p.n;
	return 0;
}
