// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/args.h"
#include "util/log.h"

volatile sig_atomic_t pl_stop;

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
