/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * progress.h - a line of progress on standard error for long work (analyze of a large
 * capture, capture -w -v): only when standard error is a terminal and -q is not given,
 * redrawn a few times a second in place, so that a log file or a pipe never gets it.
 */
#ifndef PL_PROGRESS_H
#define PL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pl_progress {
	FILE *f;          /* NULL: off */
	const char *what; /* the command, first on the line */
	uint64_t total;   /* bytes of the input; 0 when unknown (a pipe) */
	double t0;        /* start, CLOCK_MONOTONIC seconds */
	double t_next;    /* next redraw */
	double every;     /* seconds between redraws */
	unsigned int calls;
	bool drawn;       /* a line is on the screen */
};

/* Whether progress belongs on standard error: a terminal, and not -q. */
bool pl_progress_wanted(void);
/* Start (@f NULL keeps it off); @total bytes of input or 0, redraw every @every s. */
void pl_progress_start(struct pl_progress *p, FILE *f, const char *what, uint64_t total,
		       double every);
/* Work done so far: @done bytes of @total, @packets; cheap enough to call per packet. */
void pl_progress_update(struct pl_progress *p, uint64_t done, uint64_t packets);
/* tcpdump's "Got N" as a running count (capture -w -v). */
void pl_progress_count(struct pl_progress *p, uint64_t packets);
/* Clear the line; with @totals, print "WHAT: N packets in S s, R packets/s". */
void pl_progress_end(struct pl_progress *p, uint64_t packets, bool totals);

#endif
