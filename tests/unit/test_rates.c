// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the per-flow rates (src/analysis/rates.c) on counters the test steps
 * itself: a steady flow's rate and its 2/10/40 s averages; a step in the rate seen by
 * the short average first; a flow met between reads counts from 0; a flow evicted and
 * created again starts over; both directions apart; flows that left are forgotten;
 * no more entries than the table holds; reads at 0.5 s and 5 s intervals.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "check.h"
#include "analysis/rates.h"

#define S 1000000000ull

static struct pl_flow mk(int id)
{
	struct pl_flow f = {};

	f.key.addr_a[3] = id;
	f.key.proto = 17;
	f.key.family = 4;
	f.val.first_seen_ns = 7;
	return f;
}

static bool near(double got, double want)
{
	return fabs(got - want) <= 1e-3 * (want > 1 ? want : 1);
}

#define CHECK_NEAR(got, want) \
	CHECK(near((got), (want)), "%s = %.3f, expected %.3f", #got, (double)(got), (double)(want))

static void test_steady(void)
{
	struct pl_rates *rt = pl_rates_new(16, 0);
	struct pl_flow f = mk(1);

	TEST_BEGIN("steady 1000 B/s, 10 packets/s for 60 s, 1 s reads");
	for (int t = 1; t <= 60; t++) {
		f.val.bytes[0] = 1000ull * t;
		f.val.packets[0] = 10ull * t;
		CHECK_EQ(pl_rates_update(rt, &f, 1, t * S), 0);
	}
	CHECK_NEAR(f.rate[0].bps, 8000);
	CHECK_NEAR(f.rate[0].pps, 10);
	for (int i = 0; i < PL_RATE_AVGS; i++) {
		CHECK_NEAR(f.rate[0].bps_avg[i], 8000);
		CHECK_NEAR(f.rate[0].pps_avg[i], 10);
	}
	CHECK_NEAR(f.rate[1].bps, 0);
	TEST_END();

	TEST_BEGIN("a step from 1000 to 3000 B/s: 2 s at once, 10 s and 40 s follow");
	for (int t = 61; t <= 64; t++) {
		f.val.bytes[0] += 3000;
		pl_rates_update(rt, &f, 1, t * S);
	}
	CHECK_NEAR(f.rate[0].bps, 24000);
	CHECK_NEAR(f.rate[0].bps_avg[0], 24000);
	CHECK_NEAR(f.rate[0].bps_avg[1], (4 * 24000 + 6 * 8000) / 10.0);
	CHECK_NEAR(f.rate[0].bps_avg[2], (4 * 24000 + 36 * 8000) / 40.0);
	TEST_END();

	TEST_BEGIN("odd second: the 2 s window takes half of the older slot");
	f.val.bytes[0] += 1000; /* 65 s: 1000 B; the slot 63-65 held 3000 + 1000 */
	pl_rates_update(rt, &f, 1, 65 * S);
	CHECK_NEAR(f.rate[0].bps, 8000);
	CHECK_NEAR(f.rate[0].bps_avg[0], (1000 + 3000) * 8 / 2.0);
	TEST_END();
	pl_rates_free(rt);
}

static void test_flows(void)
{
	struct pl_rates *rt = pl_rates_new(2, 0);
	struct pl_flow f[3] = { mk(1), mk(2), mk(3) };

	TEST_BEGIN("first read: counted from the start; both directions apart");
	f[0].val.bytes[0] = 2000;
	f[0].val.bytes[1] = 500;
	f[0].val.packets[1] = 5;
	CHECK_EQ(pl_rates_update(rt, f, 1, 2 * S), 0);
	CHECK_NEAR(f[0].rate[0].bps, 8000);
	CHECK_NEAR(f[0].rate[1].bps, 2000);
	CHECK_NEAR(f[0].rate[1].pps, 2.5);
	CHECK_NEAR(f[0].rate[0].bps_avg[2], 8000); /* 2 s of history: over those 2 s */
	TEST_END();

	TEST_BEGIN("a flow met between reads counts from 0; a full history says so");
	f[1].val.bytes[0] = 1000;
	CHECK_EQ(pl_rates_update(rt, f, 2, 3 * S), 0);
	CHECK_NEAR(f[0].rate[0].bps, 0);
	CHECK_NEAR(f[1].rate[0].bps, 8000);
	CHECK_NEAR(f[1].rate[0].bps_avg[1], 8000 / 3.0); /* nothing before: 3 s of history */
	f[2].val.bytes[0] = 5;
	CHECK_EQ(pl_rates_update(rt, f, 3, 4 * S), -ENOMEM);
	CHECK_NEAR(f[2].rate[0].bps, 0);
	TEST_END();

	TEST_BEGIN("evicted and created again: starts over; a flow gone is forgotten");
	f[0].val.first_seen_ns = 99;
	f[0].val.bytes[0] = 300;
	f[0].val.bytes[1] = 0;
	CHECK_EQ(pl_rates_update(rt, f, 1, 5 * S), 0);
	CHECK_NEAR(f[0].rate[0].bps, 2400);
	CHECK_NEAR(f[0].rate[0].bps_avg[0], 1200); /* 300 B in the last 2 s */
	f[1].val.bytes[0] = 1000; /* back, same counters: a new entry counts them again */
	CHECK_EQ(pl_rates_update(rt, &f[1], 1, 6 * S), 0);
	CHECK_NEAR(f[1].rate[0].bps, 8000);
	TEST_END();
	pl_rates_free(rt);
}

static void test_intervals(void)
{
	struct pl_rates *rt = pl_rates_new(4, 0);
	struct pl_flow f = mk(1);

	TEST_BEGIN("0.5 s reads: 40 s average over 40 s; 5 s reads: over 40 of the last 45 s");
	for (int k = 1; k <= 200; k++) {
		f.val.bytes[0] = 100ull * k; /* 200 B/s */
		pl_rates_update(rt, &f, 1, k * S / 2);
	}
	CHECK_NEAR(f.rate[0].bps, 1600);
	CHECK_NEAR(f.rate[0].bps_avg[0], 1600);
	CHECK_NEAR(f.rate[0].bps_avg[2], 1600);
	pl_rates_free(rt);
	rt = pl_rates_new(4, 0);
	memset(f.val.bytes, 0, sizeof(f.val.bytes));
	for (int k = 1; k <= 20; k++) {
		f.val.bytes[0] = 5000ull * k; /* 1000 B/s */
		pl_rates_update(rt, &f, 1, k * 5 * S);
	}
	CHECK_NEAR(f.rate[0].bps, 8000);
	CHECK_NEAR(f.rate[0].bps_avg[0], 8000);
	CHECK_NEAR(f.rate[0].bps_avg[2], 8000);
	pl_rates_free(rt);
	TEST_END();
}

int main(void)
{
	test_steady();
	test_flows();
	test_intervals();
	return check_summary();
}
