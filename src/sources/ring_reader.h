/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ring_reader.h - records from a BPF ring buffer map, read straight from its mmapped
 * pages. Unlike libbpf's ring_buffer__poll, which publishes its position after every
 * record, the reader publishes it once per stretch of records (at most an eighth of
 * the ring): every publication is a cache line that the producing CPU must fetch back
 * before its next reservation, so per-record publication costs the kernel side too.
 */
#ifndef PL_RING_READER_H
#define PL_RING_READER_H

#include <stddef.h>

struct pl_ring;

/*
 * Called for each record, in order: 0 to go on, > 0 to stop after this record, < 0
 * to stop with that error. Discarded records are skipped.
 */
typedef int (*pl_ring_cb)(void *ctx, const void *data, size_t size);

/* Map the ring buffer map @map_fd. 0 or a negative errno (and a message). */
int pl_ring_open(struct pl_ring **out, int map_fd);
/* Wait up to @timeout_ms for data: 1 there is some, 0 timed out or interrupted, < 0 error. */
int pl_ring_wait(struct pl_ring *r, int timeout_ms);
/*
 * Hand the complete records to @cb, at most one ring's worth. Returns how many it
 * handed over (>= 0), or the callback's negative error. Records still being written
 * stay for the next call.
 */
long pl_ring_drain(struct pl_ring *r, pl_ring_cb cb, void *ctx);
/*
 * Bytes the producers have reserved that the reader has not consumed yet (records
 * still being written included), and the producer position in *prod if not NULL.
 */
size_t pl_ring_backlog(const struct pl_ring *r, unsigned long *prod);
/* The ring's data size in bytes. */
size_t pl_ring_size(const struct pl_ring *r);
/* Unmap and free; safe on NULL. */
void pl_ring_close(struct pl_ring *r);

#endif
