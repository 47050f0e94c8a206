// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "util/args.h"
#include "util/log.h"

volatile sig_atomic_t pl_stop;
bool pl_global_json, pl_global_pretty;
int pl_verbosity = PL_LOG_WARN;

#define PL_LONGOPTS_MAX 64

/*
 * @longopts with --verbose and --quiet added, built once per table (a command calls
 * pl_getopt() in a loop with the same one).
 */
static const struct option *with_log_opts(const struct option *longopts)
{
	static struct option merged[PL_LONGOPTS_MAX + 3];
	static const struct option *from;
	size_t n = 0;

	if (from == longopts)
		return merged;
	while (longopts && longopts[n].name && n < PL_LONGOPTS_MAX) {
		merged[n] = longopts[n];
		n++;
	}
	merged[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	merged[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	merged[n] = (struct option){ NULL, 0, NULL, 0 };
	from = longopts;
	return merged;
}

/* The long option of @longopts whose value is @val, or NULL. */
static const char *long_name(const struct option *longopts, int val)
{
	for (; longopts->name; longopts++)
		if (longopts->val == val)
			return longopts->name;
	return NULL;
}

/* An unknown --name: ambiguous (a prefix of several) or none at all. */
static void bad_long(const char *cmd, const struct option *longopts, const char *arg)
{
	size_t len;
	int n = 0;

	if (strncmp(arg, "--", 2)) {
		fprintf(stderr, "pktlens: %s: unknown option '%s'\n", cmd, arg);
		return;
	}
	len = strcspn(arg + 2, "=");
	for (const struct option *o = longopts; o->name; o++)
		n += !strncmp(o->name, arg + 2, len);
	if (n > 1) {
		fprintf(stderr, "pktlens: %s: option '%.*s' is ambiguous: it could be", cmd,
			(int)len + 2, arg);
		for (const struct option *o = longopts; o->name; o++)
			if (!strncmp(o->name, arg + 2, len))
				fprintf(stderr, " --%s", o->name);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "pktlens: %s: unknown option '%.*s'\n", cmd, (int)len + 2, arg);
	}
}

/* The synopsis of a command's usage: its first lines, up to the description. */
static void synopsis(const char *usage)
{
	const char *l = usage, *end;

	while (*l && (!strncmp(l, "Usage:", 6) || *l == ' ')) {
		end = strchr(l, '\n');
		if (!end)
			end = l + strlen(l);
		fprintf(stderr, "%.*s\n", (int)(end - l), l);
		l = *end ? end + 1 : end;
	}
}

int pl_getopt(int argc, char **argv, const char *cmd, const char *usage,
	      const char *shortopts, const struct option *longopts,
	      const struct pl_opt_hint *hints)
{
	const struct option *lo = with_log_opts(longopts);
	const char *arg, *name;
	char so[128];
	bool plus = shortopts[0] == '+';
	int c;

	/* ':' first: a missing value is told apart from an unknown option. */
	snprintf(so, sizeof(so), "%s:%svq", plus ? "+" : "", shortopts + plus);
	opterr = 0;
	pl_log_set_origin(NULL);
	for (;;) {
		c = getopt_long(argc, argv, so, lo, NULL);
		if (c == 'v') {
			pl_verbosity = pl_verbosity < PL_LOG_DEBUG ? pl_verbosity + 1 : PL_LOG_DEBUG;
			pl_log_set_level(pl_verbosity);
			continue;
		}
		if (c == 'q') {
			pl_verbosity = PL_LOG_QUIET;
			pl_log_set_level(pl_verbosity);
			continue;
		}
		if (c != '?' && c != ':') {
			/* an option from --config: what the command says of it names the line */
			if (c != -1 && optind > 0 && optind <= argc)
				pl_log_set_origin(pl_config_origin(argv[optind - 1]));
			return c;
		}
		break;
	}
	/* What was given: getopt has moved past a long option, not always past a letter. */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':') {
		if (!strncmp(arg, "--", 2))
			fprintf(stderr, "pktlens: %s: option '%.*s' needs a value\n", cmd,
				(int)strcspn(arg, "="), arg);
		else if ((name = long_name(lo, optopt)))
			fprintf(stderr, "pktlens: %s: option -%c (--%s) needs a value\n", cmd,
				optopt, name);
		else
			fprintf(stderr, "pktlens: %s: option -%c needs a value\n", cmd, optopt);
	} else if (optopt && (optopt > 255 || strchr(shortopts, optopt)) &&
		   !strncmp(arg, "--", 2)) {
		/* a known option: a long one given a value it does not take */
		fprintf(stderr, "pktlens: %s: option '%.*s' takes no value\n", cmd,
			(int)strcspn(arg, "="), arg);
	} else if (optopt) {
		const char *hint = NULL;

		for (; hints && hints->opt; hints++)
			if (hints->opt == optopt)
				hint = hints->hint;
		if (hint)
			fprintf(stderr, "pktlens: %s: %s\n", cmd, hint);
		else
			fprintf(stderr, "pktlens: %s: unknown option -%c\n", cmd, optopt);
	} else {
		bad_long(cmd, lo, arg);
	}
	synopsis(usage);
	fprintf(stderr, "Try 'pktlens %s --help' for the options.\n", cmd);
	return '?';
}

int pl_get_expr(const char *expr_file, int argc, char **argv, int first, char **expr)
{
	if (!expr_file)
		return pl_join_args(argc, argv, first, expr);
	if (first < argc)
		pl_warn("-F %s gives the filter expression: the one on the command line "
			"('%s'...) is ignored",
			expr_file, argv[first]);
	return pl_read_expr_file(expr_file, expr);
}

int pl_parse_u32(const char *opt, const char *s, unsigned int min, unsigned int max,
		 unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		pl_warn("invalid value '%s' for %s: expected a number from %u to %u", s, opt, min,
			max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int pl_parse_pow2(const char *opt, const char *s, unsigned int min, unsigned int max,
		  unsigned int *out)
{
	unsigned int v;

	if (pl_parse_u32(opt, s, min, max, &v))
		return -EINVAL;
	if (v & (v - 1)) {
		pl_warn("invalid value '%s' for %s: expected a power of two from %u to %u "
			"(e.g. %u)", s, opt, min, max, 1u << (31 - __builtin_clz(v)));
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A year: longer is a typo, and keeps nanosecond arithmetic far from overflow. */
#define PL_SECONDS_MAX 31536000

int pl_parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > PL_SECONDS_MAX) {
		pl_warn("invalid value '%s' for %s: expected seconds, more than 0 and at most "
			"%d (a year), e.g. 1 or 0.5",
			s, opt, PL_SECONDS_MAX);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int pl_join_args(int argc, char **argv, int from, char **out)
{
	size_t len = 0;
	char *s;

	*out = NULL;
	if (from >= argc)
		return 0;
	for (int i = from; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s) {
		/* never fall back to no filter: that would capture every packet */
		pl_warn("out of memory for the filter expression (%zu bytes)", len);
		return -ENOMEM;
	}
	s[0] = 0;
	for (int i = from; i < argc; i++) {
		strcat(s, argv[i]);
		if (i + 1 < argc)
			strcat(s, " ");
	}
	*out = s;
	return 0;
}

#define PL_EXPR_FILE_MAX (1 << 20)

int pl_read_expr_file(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	char *s;
	int err;

	*out = NULL;
	if (!f) {
		err = -errno;
		pl_warn("cannot read the filter file '%s': %s", path, strerror(-err));
		return err;
	}
	s = malloc(PL_EXPR_FILE_MAX + 1);
	if (!s) {
		fclose(f);
		pl_warn("out of memory for the filter file '%s'", path);
		return -ENOMEM;
	}
	n = fread(s, 1, PL_EXPR_FILE_MAX + 1, f);
	err = ferror(f) ? -EIO : n > PL_EXPR_FILE_MAX ? -EFBIG : memchr(s, 0, n) ? -EINVAL : 0;
	fclose(f);
	if (err) {
		pl_warn("cannot use the filter file '%s': %s", path,
			err == -EIO ? "read error" : err == -EFBIG ? "larger than 1 MiB" :
								   "it holds a NUL byte (not text)");
		free(s);
		return err;
	}
	s[n] = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#')
			while (i < n && s[i] != '\n')
				s[i++] = ' ';
		if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
			s[i] = ' ';
	}
	if (!s[strspn(s, " \f\v")]) { /* only comments and blanks: no expression */
		free(s);
		return 0;
	}
	*out = s;
	return 0;
}

void pl_expr_file_hint(const char *path)
{
	if (path && path[0] && !path[strspn(path, "0123456789")])
		pl_warn("-F reads the filter expression from a file, as tcpdump's -F; the flow "
			"table size is --flows %s",
			path);
}

static void on_signal(int sig)
{
	(void)sig;
	pl_stop = 1;
}

void pl_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Effective capability set from /proc (no libcap needed). */
static unsigned long long cap_eff(void)
{
	unsigned long long v = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

int pl_require_root(const char *what)
{
	unsigned long long c = cap_eff();
	unsigned long long net_admin = 1ull << 12, sys_admin = 1ull << 21;
	unsigned long long bpf_perfmon = (1ull << 39) | (1ull << 38);

	/* Loading XDP and tc programs and attaching them need CAP_NET_ADMIN in any case;
	 * CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON. */
	if (geteuid() == 0 ||
	    ((c & net_admin) && ((c & sys_admin) || (c & bpf_perfmon) == bpf_perfmon)))
		return 0;
	if (!(c & net_admin) && ((c & sys_admin) || (c & bpf_perfmon) == bpf_perfmon))
		pl_warn("%s lacks CAP_NET_ADMIN, which loading and attaching XDP and tc programs "
			"need (it has the others): add it, or run it with sudo",
			what);
	else
		pl_warn("%s needs root (or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON): run it with "
			"sudo",
			what);
	return -EPERM;
}
