// SPDX-License-Identifier: BSD-2-Clause
/*
 * hll.c - the spread sketches of the address tables: PL_HLL_REGS 4-bit HyperLogLog
 * registers (include/pktlens.h), filled by the kernel (bpf/talkers.h) and estimated
 * here with Otmar Ertl's improved estimator ("New cardinality estimation algorithms
 * for HyperLogLog sketches", 2017), which needs no bias table and no switch to linear
 * counting: it is close to exact for small sets and has the usual 1.04 / sqrt(m)
 * relative standard error for large ones.
 */
#include <math.h>
#include "analysis/talkers.h"

/* As the kernel's pl_mix64() (MurmurHash3's fmix64). */
static __u64 mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

__u64 pl_hll_hash_addr(const __u32 a[4])
{
	__u64 hi = (__u64)a[0] << 32 | a[1], lo = (__u64)a[2] << 32 | a[3];

	return mix64(hi * 0x9e3779b97f4a7c15ULL + lo);
}

__u64 pl_hll_hash_port(__u8 proto, __u16 port)
{
	return mix64((__u64)proto << 16 | port) | PL_HLL_NONZERO;
}

void pl_hll_add(__u8 regs[PL_HLL_BYTES], __u64 h)
{
	__u32 idx = h >> (64 - PL_HLL_BITS);
	__u32 x = ((__u32)h & ((1u << PL_HLL_Q) - 1)) | 1u << PL_HLL_Q;
	__u32 rank = 1 + __builtin_ctz(x), shift = (idx & 1) * 4;
	__u8 *b = &regs[idx >> 1];

	if (rank > ((*b >> shift) & 0xfu))
		*b = (*b & ~(0xf << shift)) | rank << shift;
}

static double sigma(double x)
{
	double y = 1, z = x, prev;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

static double tau(double x)
{
	double y = 1, z = 1 - x, prev;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != prev);
	return z / 3;
}

double pl_hll_estimate(const __u8 regs[PL_HLL_BYTES])
{
	const double m = PL_HLL_REGS;
	unsigned int c[PL_HLL_RANK_MAX + 1] = { 0 };
	double z;

	for (int i = 0; i < PL_HLL_REGS; i++)
		c[(regs[i >> 1] >> ((i & 1) * 4)) & 0xf]++;
	if (c[0] == PL_HLL_REGS)
		return 0;
	z = m * tau(1 - c[PL_HLL_RANK_MAX] / m);
	for (int k = PL_HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma(c[0] / m);
	return m / (2 * log(2)) * m / z;
}
