// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_flows_read.c - pl_flows_read() on real LRU hash maps: every entry once, with its
 * value, in tables from empty to larger than one batch; and on a table that a second
 * thread keeps churning (inserting new flows, so the LRU evicts) while it is read: no
 * flow read twice. Needs root (creates maps).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "analysis/stats.h"
#include "check.h"

static struct pl_flow_key key_of(__u32 i)
{
	struct pl_flow_key k = { .family = 4, .proto = 17 };

	k.addr_a[0] = i;
	k.addr_b[0] = ~i;
	k.port_a = (__u16)i;
	return k;
}

static int make_map(__u32 entries)
{
	return bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "pl_flows", sizeof(struct pl_flow_key),
			      sizeof(struct pl_flow_value), entries, NULL);
}

static int fill(int fd, __u32 from, __u32 n)
{
	for (__u32 i = from; i < from + n; i++) {
		struct pl_flow_key k = key_of(i);
		struct pl_flow_value v = { .packets = { i, 1 }, .bytes = { 64ull * i, 0 } };

		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(&((const struct pl_flow *)a)->key, &((const struct pl_flow *)b)->key,
		      sizeof(struct pl_flow_key));
}

/* Flows in @f that share a key with another one. */
static size_t duplicates(struct pl_flow *f, size_t n)
{
	size_t d = 0;

	if (n < 2) /* also no qsort of a NULL array */
		return 0;
	qsort(f, n, sizeof(*f), cmp_key);
	for (size_t i = 1; i < n; i++)
		d += !cmp_key(&f[i - 1], &f[i]);
	return d;
}

static void test_sizes(void)
{
	static const __u32 sizes[] = { 0, 1, 1000, 1024, 1025, 5000 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char name[64];
		struct pl_flow *f = NULL;
		size_t n = 0, good = 0;
		int fd = make_map(8192);

		snprintf(name, sizeof(name), "a table of %u flows reads whole", sizes[s]);
		TEST_BEGIN(name);
		CHECK(fd >= 0, "map create: %s", strerror(errno));
		if (fd >= 0) {
			CHECK_EQ(fill(fd, 0, sizes[s]), 0);
			CHECK_EQ(pl_flows_read(fd, &f, &n), 0);
			CHECK_EQ(n, sizes[s]);
			for (size_t i = 0; i < n; i++) {
				__u32 id = f[i].key.addr_a[0];

				good += f[i].val.packets[0] == id && f[i].val.bytes[0] == 64ull * id &&
					f[i].key.addr_b[0] == ~id;
			}
			CHECK_EQ(good, n);
			CHECK_EQ(duplicates(f, n), 0);
			free(f);
			close(fd);
		}
		TEST_END();
	}
}

struct churn {
	int fd;
	volatile int stop;
};

static void *churn_run(void *arg)
{
	struct churn *c = arg;
	__u32 next = 1u << 20;

	while (!c->stop)
		fill(c->fd, next += 64, 64);
	return NULL;
}

static void test_churn(void)
{
	struct churn c = { .fd = make_map(2048) };
	size_t dups = 0, reads = 0, most = 0;
	pthread_t t;

	TEST_BEGIN("a table churned while read: no flow twice");
	CHECK(c.fd >= 0, "map create: %s", strerror(errno));
	if (c.fd >= 0 && !fill(c.fd, 0, 4096) && !pthread_create(&t, NULL, churn_run, &c)) {
		for (int r = 0; r < 200; r++) {
			struct pl_flow *f = NULL;
			size_t n = 0;

			if (pl_flows_read(c.fd, &f, &n))
				break;
			reads++;
			most = n > most ? n : most;
			dups += duplicates(f, n);
			free(f);
		}
		c.stop = 1;
		pthread_join(t, NULL);
		CHECK_EQ(reads, 200);
		CHECK(most > 0 && most <= 2048 + 64, "read %zu flows at most", most);
		CHECK_EQ(dups, 0);
	}
	if (c.fd >= 0)
		close(c.fd);
	TEST_END();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_sizes();
	test_churn();
	return check_summary();
}
