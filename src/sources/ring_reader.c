// SPDX-License-Identifier: BSD-2-Clause
/*
 * ring_reader.c - see ring_reader.h. The layout is the kernel's BPF ring buffer ABI:
 * the first page (read-write) holds the consumer position; from the second page on
 * (read-only) come the producer position's page and then the data, mapped twice in a
 * row so that a record that wraps around the end reads as one piece. Each record
 * starts with an 8-byte header whose first word is its length plus two flags (still
 * being written, discarded); records are 8-byte aligned.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "sources/ring_reader.h"
#include "util/log.h"

#define RING_BUSY (1u << 31)    /* BPF_RINGBUF_BUSY_BIT */
#define RING_DISCARD (1u << 30) /* BPF_RINGBUF_DISCARD_BIT */
#define RING_HDR 8u             /* BPF_RINGBUF_HDR_SZ */

struct pl_ring {
	int fd;
	size_t page;
	size_t size;            /* data bytes, a power of two */
	unsigned long *cons;    /* consumer position (ours to advance) */
	const unsigned long *prod; /* producer position */
	const uint8_t *data;
};

int pl_ring_open(struct pl_ring **out, int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct pl_ring *r;
	void *p;
	int err;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len)) {
		err = -errno;
		pl_warn("cannot read the ring buffer map: %s", strerror(-err));
		return err;
	}
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		pl_warn("map %d is not a BPF ring buffer", map_fd);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = map_fd;
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->cons = p;
	p = mmap(NULL, r->page + 2 * r->size, PROT_READ, MAP_SHARED, map_fd, (off_t)r->page);
	if (p == MAP_FAILED)
		goto fail;
	r->prod = p;
	r->data = (const uint8_t *)p + r->page;
	*out = r;
	return 0;
fail:
	err = -errno;
	pl_warn("cannot map the ring buffer: %s", strerror(-err));
	pl_ring_close(r);
	return err;
}

int pl_ring_wait(struct pl_ring *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n > 0;
}

long pl_ring_drain(struct pl_ring *r, pl_ring_cb cb, void *ctx)
{
	unsigned long cons = *r->cons, start = cons, prod, published = cons;
	size_t stretch = r->size / 8;
	long n = 0;
	int rc = 0;

	prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	/* At most one ring's worth, so that a producer never keeps the caller here. */
	while (cons < prod && !rc && cons - start < r->size) {
		const uint8_t *rec = r->data + (cons & (r->size - 1));
		uint32_t hdr = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);
		uint32_t len = hdr & ~(RING_BUSY | RING_DISCARD);

		if (hdr & RING_BUSY)
			break; /* reserved, not yet submitted: records after it wait too */
		cons += (len + RING_HDR + 7) & ~7ul;
		if (!(hdr & RING_DISCARD)) {
			rc = cb(ctx, rec + RING_HDR, len);
			n++;
		}
		if (cons - published >= stretch) {
			__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
			published = cons;
		}
		if (cons >= prod)
			prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	}
	if (cons != published)
		__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
	return rc < 0 ? rc : n;
}

size_t pl_ring_backlog(const struct pl_ring *r, unsigned long *prod)
{
	unsigned long p = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);

	if (prod)
		*prod = p;
	return p - *r->cons;
}

size_t pl_ring_size(const struct pl_ring *r)
{
	return r->size;
}

void pl_ring_close(struct pl_ring *r)
{
	if (!r)
		return;
	if (r->cons)
		munmap(r->cons, r->page);
	if (r->prod)
		munmap((void *)r->prod, r->page + 2 * r->size);
	free(r);
}
