/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * offline_runner.h - run capture frames through a data plane loaded in offline mode
 * (BPF_PROG_TEST_RUN), on one worker thread per CPU. One syscall per frame is the
 * cost of analyze; spreading frames over CPUs is how it scales. Frames of one
 * conversation (same address pair) always go to the same worker, in file order, so
 * per-flow first/last seen and the initiator come out as with a single thread.
 */
#ifndef PL_OFFLINE_RUNNER_H
#define PL_OFFLINE_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

struct pl_dp;
struct pl_runner;

/* CPUs this process may run on that have an offline input slot; returns how many. */
int pl_runner_cpus(int *cpus, int max);

/*
 * Start @nworkers workers on @cpus (1: frames run in the calling thread, pinned to
 * cpus[0]). *r is owned by the caller until pl_runner_finish().
 */
int pl_runner_start(struct pl_runner **r, struct pl_dp *dp, const int *cpus, int nworkers);
/*
 * Queue one frame (copied): @wire_len its length in Ethernet framing (what the parsers
 * check IP lengths against), @frame_len the capture's own (what is counted). @unfiltered: run it through the pipeline even when a
 * filter program is in front (user space already matched it; one worker only).
 * Returns the first error a worker hit, if any.
 */
int pl_runner_submit(struct pl_runner *r, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		     uint32_t frame_len, uint64_t ts_ns, bool unfiltered);
/*
 * Wait until every frame queued so far has run (a barrier: detection then reads the
 * maps at a tick of capture time); the workers go on. Returns the first error.
 */
int pl_runner_drain(struct pl_runner *r);
/* Run what is queued, stop the workers, free @r; returns the first error (negative errno). */
int pl_runner_finish(struct pl_runner *r);

#endif
