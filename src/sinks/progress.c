// SPDX-License-Identifier: BSD-2-Clause
/* progress.c - see progress.h. */
#include <time.h>
#include <unistd.h>
#include "sinks/progress.h"
#include "util/log.h"

/* Clock reads per update call: one in this many (a call per packet stays cheap). */
#define PL_PROGRESS_STRIDE 1024

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool pl_progress_wanted(void)
{
	return pl_log_get_level() > PL_LOG_QUIET && isatty(STDERR_FILENO);
}

void pl_progress_start(struct pl_progress *p, FILE *f, const char *what, uint64_t total,
		       double every)
{
	*p = (struct pl_progress){ .f = f, .what = what, .total = total, .every = every };
	p->t0 = mono_s();
	p->t_next = p->t0 + every;
}

/* A count as people read it: 999, 12.3k, 4.56M, 1.23G. */
static void fmt_count(char *buf, size_t len, double v)
{
	static const char units[] = " kMG";
	int u = 0;

	while (v >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.*f%c", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
}

static bool due(struct pl_progress *p, double *now)
{
	if (!p->f || ++p->calls % PL_PROGRESS_STRIDE)
		return false;
	*now = mono_s();
	if (*now < p->t_next)
		return false;
	p->t_next = *now + p->every;
	return true;
}

void pl_progress_update(struct pl_progress *p, uint64_t done, uint64_t packets)
{
	char n[16], rate[16];
	double now, el;

	if (!due(p, &now))
		return;
	el = now - p->t0;
	fmt_count(n, sizeof(n), packets);
	fmt_count(rate, sizeof(rate), el > 0 ? packets / el : 0);
	/* \r and erase to the end of the line: one line, redrawn in place. */
	fprintf(p->f, "\r%s: ", p->what);
	if (p->total && done <= p->total) {
		double left = done ? el * (p->total - done) / done : 0;

		fprintf(p->f, "%.1f%% read, ", 100.0 * done / p->total);
		fprintf(p->f, "%s packets, %s packets/s, ", n, rate);
		if (done)
			fprintf(p->f, "%d:%02d left", (int)left / 60, (int)left % 60);
		else
			fputs("time left unknown", p->f);
	} else {
		fprintf(p->f, "%s packets, %s packets/s", n, rate);
	}
	fputs("\033[K", p->f);
	fflush(p->f);
	p->drawn = true;
	pl_log_line_drawn(1);
}

void pl_progress_count(struct pl_progress *p, uint64_t packets)
{
	double now;

	p->calls = PL_PROGRESS_STRIDE - 1; /* called once per loop: read the clock each time */
	if (!due(p, &now))
		return;
	fprintf(p->f, "\rGot %llu\033[K", (unsigned long long)packets);
	fflush(p->f);
	p->drawn = true;
	pl_log_line_drawn(1);
}

void pl_progress_end(struct pl_progress *p, uint64_t packets, bool totals)
{
	double el;

	if (!p->f)
		return;
	if (p->drawn)
		fputs("\r\033[K", p->f);
	pl_log_line_drawn(0);
	if (totals) {
		el = mono_s() - p->t0;
		fprintf(p->f, "%s: %llu packets in %.2f s, %.0f packets/s\n", p->what,
			(unsigned long long)packets, el, el > 0 ? packets / el : 0.0);
	}
	fflush(p->f);
	p->f = NULL;
}
