// SPDX-License-Identifier: BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "pktlens.h"
#include "pktlens.skel.h"
#include "loader/dataplane.h"
#include "loader/offline_runner.h"
#include "util/log.h"

#define BATCH_FRAMES 256
#define BATCH_BYTES (1u << 20) /* > the largest frame analyze runs (PL_SNAPLEN_MAX) */
#define QUEUE_DEPTH 4          /* batches per worker: filling, queued, running */
#define MAX_WORKERS 16

struct frame_ref {
	uint32_t off, caplen, wire_len, frame_len;
	uint64_t ts_ns;
	bool unfiltered; /* user space matched it: run the pipeline, not the filter */
};

struct batch {
	uint32_t n, used;
	struct frame_ref f[BATCH_FRAMES];
	uint8_t data[BATCH_BYTES];
};

/* A blocking queue of batch pointers; NULL tells a worker to stop. */
struct queue {
	pthread_mutex_t m;
	pthread_cond_t c;
	struct batch *slot[QUEUE_DEPTH + 1];
	int head, count;
};

struct worker {
	struct pl_runner *r;
	pthread_t thread;
	int cpu;
	struct queue todo, free;
	struct batch *filling;
	int nbatches; /* batches it owns: in free, in todo, filling or running */
};

struct pl_runner {
	struct pl_dp *dp;
	int n;
	struct worker w[MAX_WORKERS];
	int err; /* first error of any worker */
	pthread_mutex_t err_m;
	cpu_set_t saved; /* inline mode: the caller's affinity, restored at the end */
};

static void q_init(struct queue *q)
{
	pthread_mutex_init(&q->m, NULL);
	pthread_cond_init(&q->c, NULL);
	q->head = q->count = 0;
}

static void q_push(struct queue *q, struct batch *b)
{
	pthread_mutex_lock(&q->m);
	q->slot[(q->head + q->count) % (QUEUE_DEPTH + 1)] = b;
	q->count++;
	pthread_cond_signal(&q->c);
	pthread_mutex_unlock(&q->m);
}

static struct batch *q_pop(struct queue *q)
{
	struct batch *b;

	pthread_mutex_lock(&q->m);
	while (!q->count)
		pthread_cond_wait(&q->c, &q->m);
	b = q->slot[q->head];
	q->head = (q->head + 1) % (QUEUE_DEPTH + 1);
	q->count--;
	pthread_mutex_unlock(&q->m);
	return b;
}

/* Wait until @q holds @n batches. */
static void q_wait_count(struct queue *q, int n)
{
	pthread_mutex_lock(&q->m);
	while (q->count < n)
		pthread_cond_wait(&q->c, &q->m);
	pthread_mutex_unlock(&q->m);
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -EINVAL : 0;
}

static void set_err(struct pl_runner *r, int err)
{
	pthread_mutex_lock(&r->err_m);
	if (!r->err)
		r->err = err;
	pthread_mutex_unlock(&r->err_m);
}

/* One test run of the entry program (declared in dataplane.h); the workers below call it. */
int pl_dp_run_frame(struct pl_dp *dp, int cpu, const void *frame, __u32 caplen, __u32 wire_len,
		    __u32 frame_len, __u64 ts_ns)
{
	struct pl_offline_frame f = { .ts_ns = ts_ns, .wire_len = wire_len, .cap_len = caplen,
				      .frame_len = frame_len };

	return pl_dp_run_frames(dp, cpu, frame, caplen, &f, 1);
}

int pl_dp_run_frames(struct pl_dp *dp, int cpu, const void *buf, __u32 size,
		     const struct pl_offline_frame *f, __u32 n)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = size, .repeat = 1);
	struct pl_offline_input *in = &dp->skel->bss->pl_offline[cpu % PL_OFFLINE_SLOTS];
	int err;

	if (n < 1 || n > PL_OFFLINE_BATCH)
		return -EINVAL;
	in->n = n;
	memcpy(in->f, f, n * sizeof(*f));
	err = bpf_prog_test_run_opts(dp->entry_fd, &opts);
	if (err < 0)
		return err;
	if (dp->after_run)
		dp->after_run(dp->after_run_arg);
	/* The pipeline passes every packet; only a malformed batch aborts. */
	return opts.retval == XDP_PASS ? 0 : -EPROTO;
}

/*
 * Run @n frames from @b, starting at frame @i, in one test run: pack them last-first
 * into @pack (see struct pl_offline_input).
 */
static int run_packed(struct pl_runner *r, int cpu, struct batch *b, uint32_t i, uint32_t n,
		      uint32_t size, uint8_t *pack)
{
	struct pl_offline_frame f[PL_OFFLINE_BATCH];
	uint32_t end = size;

	for (uint32_t k = 0; k < n; k++) {
		const struct frame_ref *fr = &b->f[i + k];

		end -= fr->caplen;
		memcpy(pack + end, b->data + fr->off, fr->caplen);
		f[k] = (struct pl_offline_frame){ .ts_ns = fr->ts_ns, .wire_len = fr->wire_len,
						  .cap_len = fr->caplen,
						  .frame_len = fr->frame_len };
	}
	return pl_dp_run_frames(r->dp, cpu, pack, size, f, n);
}

/*
 * Frames in order; consecutive small ones share a test run (PL_OFFLINE_BATCH frames,
 * PL_OFFLINE_BATCH_BYTES at most) unless a filter program is in front, which sees one
 * frame per run.
 */
static int run_batch(struct pl_runner *r, int cpu, struct batch *b)
{
	uint8_t pack[PL_OFFLINE_BATCH_BYTES];
	uint32_t max = r->dp->filter_fd >= 0 ? 1 : PL_OFFLINE_BATCH;

	for (uint32_t i = 0, n; i < b->n && !r->err; i += n) {
		uint32_t size = 0;
		int err;

		for (n = 0; n < max && i + n < b->n; n++) {
			uint32_t c = b->f[i + n].caplen;

			if (c < 14 || size + c > sizeof(pack))
				break;
			size += c;
		}
		if (n <= 1) {
			const struct frame_ref *f = &b->f[i];
			int entry = r->dp->entry_fd;

			n = 1;
			/* With a filter there is one worker (see pl_runner_submit), so this is safe. */
			if (f->unfiltered)
				r->dp->entry_fd = r->dp->pipeline_fd;
			err = pl_dp_run_frame(r->dp, cpu, b->data + f->off, f->caplen, f->wire_len,
					      f->frame_len, f->ts_ns);
			r->dp->entry_fd = entry;
		} else {
			err = run_packed(r, cpu, b, i, n, size, pack);
		}
		if (err) {
			if (n == 1)
				pl_warn("running a %u-byte frame through the program failed: %s",
					b->f[i].caplen, strerror(-err));
			else
				pl_warn("running a batch of %u frames through the program failed: %s",
					n, strerror(-err));
			set_err(r, err);
		}
	}
	b->n = b->used = 0;
	return r->err;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct batch *b;

	if (pin(w->cpu))
		set_err(w->r, -EINVAL);
	while ((b = q_pop(&w->todo))) {
		run_batch(w->r, w->cpu, b);
		q_push(&w->free, b);
	}
	return NULL;
}

int pl_runner_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int c = 0; c < PL_OFFLINE_SLOTS && c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

int pl_runner_start(struct pl_runner **out, struct pl_dp *dp, const int *cpus, int nworkers)
{
	struct pl_runner *r = calloc(1, sizeof(*r));
	int err = 0;

	if (!r)
		return -ENOMEM;
	if (nworkers < 1 || nworkers > MAX_WORKERS)
		nworkers = 1;
	r->dp = dp;
	pthread_mutex_init(&r->err_m, NULL);
	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &r->w[i];

		w->r = r;
		w->cpu = cpus[i];
		q_init(&w->todo);
		q_init(&w->free);
		for (int k = 0; k < (nworkers == 1 ? 1 : QUEUE_DEPTH); k++) {
			struct batch *b = malloc(sizeof(*b));

			if (!b) {
				err = -ENOMEM;
				break;
			}
			b->n = b->used = 0;
			q_push(&w->free, b);
			w->nbatches++;
		}
		if (!err)
			w->filling = q_pop(&w->free);
		r->n = i + 1;
		if (err)
			break;
		if (nworkers == 1) {
			/* Inline: the calling thread runs the frames on cpus[0]. */
			sched_getaffinity(0, sizeof(r->saved), &r->saved);
			err = pin(w->cpu);
		} else if (pthread_create(&w->thread, NULL, worker_main, w)) {
			err = -EAGAIN;
			r->n = i; /* this one has no thread */
			free(w->filling);
			w->filling = NULL;
		}
		if (err)
			break;
	}
	if (err) {
		pl_warn("cannot start the offline workers: %s", strerror(-err));
		pl_runner_finish(r);
		return err;
	}
	*out = r;
	return 0;
}

/* Conversation hash: the address pair, symmetric, so both directions share a worker. */
static uint32_t frame_hash(const uint8_t *d, uint32_t n)
{
	uint32_t off = 12, h = 0, t;

	if (n < 14)
		return 0;
	t = d[12] << 8 | d[13];
	for (int i = 0; i < 2 && (t == 0x8100 || t == 0x88a8 || t == 0x9100) && off + 6 <= n; i++) {
		off += 4;
		t = d[off] << 8 | d[off + 1];
	}
	off += 2;
	if (t == 0x0800 && off + 20 <= n) {
		for (int i = 12; i < 20; i++)
			h ^= (uint32_t)d[off + i] << (8 * (i % 4));
	} else if (t == 0x86dd && off + 40 <= n) {
		for (int i = 8; i < 40; i++)
			h ^= (uint32_t)d[off + i] << (8 * (i % 4));
	}
	return (h * 2654435761u) >> 16;
}

int pl_runner_submit(struct pl_runner *r, const uint8_t *data, uint32_t caplen, uint32_t wire_len,
		     uint32_t frame_len, uint64_t ts_ns, bool unfiltered)
{
	struct worker *w = &r->w[r->n > 1 ? frame_hash(data, caplen) % r->n : 0];
	struct batch *b = w->filling;

	if (r->err)
		return r->err;
	if (caplen > BATCH_BYTES)
		return -E2BIG;
	if (unfiltered && r->dp->filter_fd >= 0 && r->n > 1)
		return -EINVAL; /* the filter is bypassed per frame, on one thread only */
	if (b->n == BATCH_FRAMES || b->used + caplen > BATCH_BYTES) {
		if (r->n == 1) {
			run_batch(r, w->cpu, b);
		} else {
			q_push(&w->todo, b);
			b = w->filling = q_pop(&w->free);
		}
		if (r->err)
			return r->err;
	}
	memcpy(b->data + b->used, data, caplen);
	b->f[b->n++] = (struct frame_ref){ b->used, caplen, wire_len, frame_len, ts_ns, unfiltered };
	b->used += caplen;
	return 0;
}

int pl_runner_drain(struct pl_runner *r)
{
	if (!r)
		return 0;
	for (int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		if (r->n == 1) {
			if (w->filling->n)
				run_batch(r, w->cpu, w->filling);
			continue;
		}
		if (w->filling->n) {
			q_push(&w->todo, w->filling);
			w->filling = NULL;
		}
	}
	/* Each worker hands a batch back to free once it ran it: all back, all run. */
	for (int i = 0; r->n > 1 && i < r->n; i++) {
		struct worker *w = &r->w[i];

		q_wait_count(&w->free, w->nbatches - (w->filling ? 1 : 0));
		if (!w->filling)
			w->filling = q_pop(&w->free);
	}
	return r->err;
}

int pl_runner_finish(struct pl_runner *r)
{
	int err;

	if (!r)
		return 0;
	for (int i = 0; i < r->n; i++) {
		struct worker *w = &r->w[i];

		if (r->n == 1 && w->filling) {
			run_batch(r, w->cpu, w->filling);
			continue;
		}
		if (w->filling)
			q_push(&w->todo, w->filling);
		w->filling = NULL;
		q_push(&w->todo, NULL);
		pthread_join(w->thread, NULL);
	}
	for (int i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &r->w[i];

		if (!w->r)
			continue;
		free(w->filling);
		while (w->free.count)
			free(q_pop(&w->free));
		while (w->todo.count) {
			struct batch *b = q_pop(&w->todo);

			free(b);
		}
	}
	if (r->n == 1)
		sched_setaffinity(0, sizeof(r->saved), &r->saved);
	err = r->err;
	free(r);
	return err;
}
