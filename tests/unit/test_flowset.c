// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_flowset.c - the key index record.c compares two flow-table reads with: every key
 * found at its own index, absent keys (one word changed) not found, keys that differ
 * only in the VLAN or the family told apart, an empty read, and a smaller rebuild on
 * the same slots.
 */
#include <stdlib.h>
#include "check.h"
#include "serve/flowset.h"

static void fill(struct pl_flow *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f[i].key.family = 4;
		f[i].key.proto = 17;
		f[i].key.addr_a[3] = (__u32)(i / 7);
		f[i].key.port_a = (__u16)(i % 7);
	}
}

int main(void)
{
	size_t n = 100000;
	struct pl_flow *f = calloc(n, sizeof(*f)), k;
	struct pl_flowset s = { 0 };
	size_t bad = 0;

	TEST_BEGIN("every key at its index, absent keys not found");
	fill(f, n);
	CHECK(pl_flowset_build(&s, f, n) == 0, "build");
	for (size_t i = 0; i < n; i++)
		bad += pl_flowset_find(&s, &f[i].key) != (long)i;
	CHECK_EQ(bad, 0);
	k = f[5];
	k.key.addr_b[0] = 1;
	CHECK_EQ(pl_flowset_find(&s, &k.key), -1);
	k = f[5];
	k.key.vlan = 100;
	CHECK_EQ(pl_flowset_find(&s, &k.key), -1);
	k = f[5];
	k.key.family = 6;
	CHECK_EQ(pl_flowset_find(&s, &k.key), -1);
	TEST_END();

	TEST_BEGIN("empty read, smaller rebuild on the same slots");
	CHECK(pl_flowset_build(&s, f, 0) == 0, "empty");
	CHECK_EQ(pl_flowset_find(&s, &f[0].key), -1);
	CHECK(pl_flowset_build(&s, f + 10, 3) == 0, "three");
	CHECK_EQ(pl_flowset_find(&s, &f[11].key), 1);
	CHECK_EQ(pl_flowset_find(&s, &f[9].key), -1);
	CHECK_EQ(pl_flowset_find(&s, &f[13].key), -1);
	TEST_END();

	pl_flowset_free(&s);
	free(f);
	return check_summary();
}
