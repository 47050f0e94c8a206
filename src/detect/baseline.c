// SPDX-License-Identifier: BSD-2-Clause
/*
 * baseline.c - learned baselines of pps, bps, new flows per second, the SYN share of
 * TCP packets and the entropy of the source addresses (of the packets pl_det_srcs
 * counts): an exponentially weighted mean and variance per metric. A value above
 * mean + k * deviation and above factor * mean for base_sustain ticks in a row is an
 * alert; while a value is above, it is learned at a tenth of the weight and only up to
 * that bound, so that one spike neither raises an alert nor drags the baseline up (a
 * lasting new level is learned in the end).
 */
#include <math.h>
#include <string.h>
#include "detect/internal.h"

static const struct {
	unsigned int sid;
	const char *name;
	double floor; /* below this absolute value nothing is an anomaly */
} metrics[BASE_MAX] = {
	[BASE_PPS] = { PL_SID_BASE_PPS, "pps", 1000 },
	[BASE_BPS] = { PL_SID_BASE_BPS, "bps", 10e6 },
	[BASE_FLOWS] = { PL_SID_BASE_FLOWS, "new_flows_per_s", 200 },
	[BASE_SYN_RATIO] = { PL_SID_BASE_SYN_RATIO, "syn_ratio", 0.5 },
	[BASE_ENTROPY] = { PL_SID_BASE_SRC_ENTROPY, "source_entropy_bits", 6 },
};

/* Shannon entropy (bits) of the sources' packets this tick. */
static double src_entropy(const struct pl_det *d)
{
	double sum = 0, h = 0;

	for (size_t i = 0; i < d->nsrc; i++)
		sum += d->src[i].tick_delta;
	if (sum <= 0)
		return 0;
	for (size_t i = 0; i < d->nsrc; i++) {
		double p = d->src[i].tick_delta / sum;

		if (p > 0)
			h -= p * log2(p);
	}
	return h;
}

static void learn(struct pl_base *b, double v, double alpha)
{
	double diff = v - b->mean;

	if (!b->n) {
		b->mean = v;
		b->var = 0;
	} else {
		b->mean += alpha * diff;
		b->var = (1 - alpha) * (b->var + alpha * diff * diff);
	}
	b->n++;
}

static void check(struct pl_det *d, int m, double v)
{
	const struct pl_det_cfg *c = &d->cfg;
	struct pl_base *b = &d->base[m];
	double sd = sqrt(b->var), bound = b->mean + c->base_k * sd;
	json_object *in;

	if (b->mean * c->base_min_factor > bound)
		bound = b->mean * c->base_min_factor;
	if (b->n < c->base_warmup || v <= bound || v < metrics[m].floor) {
		b->above = 0;
		learn(b, v, c->base_alpha);
		return;
	}
	/* above: learned slowly and only up to the bound (a spike hardly moves it) */
	learn(b, bound, c->base_alpha / 10);
	if (++b->above < c->base_sustain)
		return;
	in = json_object_new_object();
	if (in) {
		json_object_object_add(in, "metric", json_object_new_string(metrics[m].name));
		json_object_object_add(in, "value", json_object_new_double(round(v * 1000) / 1000));
		json_object_object_add(in, "baseline", json_object_new_double(
						       round(b->mean * 1000) / 1000));
		json_object_object_add(in, "deviation", json_object_new_double(round(sd * 1000) / 1000));
		json_object_object_add(in, "threshold", json_object_new_double(
						       round(bound * 1000) / 1000));
		json_object_object_add(in, "ticks_above", json_object_new_int(b->above));
	}
	pl_det_raise(d, metrics[m].sid, NULL, NULL, 0,
		     pl_det_evidence("baseline", metrics[m].name, in), false);
}

void pl_base_tick(struct pl_det *d)
{
	const struct pl_stats *s = d->in->delta;
	double span = d->in->span_s > 1e-3 ? d->in->span_s : 1e-3;
	__u64 syn = 0, tcp = s->l4_packets[PL_L4_TCP];

	for (int f = 0; f < 256; f++)
		if ((f & (PL_TCP_SYN | PL_TCP_ACK)) == PL_TCP_SYN)
			syn += s->tcp_flags[f];
	check(d, BASE_PPS, s->packets / span);
	check(d, BASE_BPS, s->bytes * 8 / span);
	check(d, BASE_FLOWS, s->flows_created / span);
	/* a share needs enough packets to mean anything */
	if (tcp >= 100)
		check(d, BASE_SYN_RATIO, (double)syn / tcp);
	check(d, BASE_ENTROPY, src_entropy(d));
}
