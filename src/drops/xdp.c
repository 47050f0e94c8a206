// SPDX-License-Identifier: BSD-2-Clause
/* xdp.c - XDP verdicts per interface through fexit (see xdp.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "drops/xdp.h"
#include "sinks/json.h"
#include "util/log.h"
#include "xdp_verdicts.skel.h"

static const char *const act_names[PL_XDP_ACTS] = { "aborted", "drop",     "pass",
						    "tx",      "redirect", "other" };

/* The BTF name of program @fd's entry function into @name; 0 or -errno. */
static int entry_name(int fd, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	struct bpf_func_info fi[1] = {};
	__u32 ilen = sizeof(info);
	const struct btf_type *t;
	struct btf *btf;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	if (!info.btf_id || !info.nr_func_info)
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = 1;
	info.func_info_rec_size = sizeof(fi[0]);
	info.func_info = (__u64)(unsigned long)fi;
	ilen = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	t = btf__type_by_id(btf, fi[0].type_id);
	err = t ? 0 : -ENOENT;
	if (t)
		snprintf(name, len, "%s", btf__name_by_offset(btf, t->name_off));
	btf__free(btf);
	return err;
}

/* ethtool ioctl on @ifname; 0 or -errno. */
static int ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* Which action a driver statistic counts (-1: none); *@runs: it counts XDP runs. */
static int drv_action(const char *name, bool *runs)
{
	*runs = false;
	if (!strstr(name, "xdp"))
		return -1;
	if (strstr(name, "err") || strstr(name, "xmit") || strstr(name, "bytes") ||
	    strstr(name, "full"))
		return -1;
	if (strstr(name, "xdp_drop"))
		return XDP_DROP;
	if (strstr(name, "xdp_redirect"))
		return XDP_REDIRECT;
	if (strstr(name, "xdp_tx"))
		return XDP_TX;
	if (strstr(name, "xdp_aborted"))
		return XDP_ABORTED;
	if (strstr(name, "xdp_pass"))
		return XDP_PASS;
	if (strstr(name, "xdp_packets"))
		*runs = true;
	return -1;
}

/*
 * The driver's XDP counters of @ifname summed over its queues into @acts (pass: the
 * runs that were no other action, when the driver counts runs). 0, or -ENOENT when it
 * has none.
 */
static int driver_counts(const char *ifname, __u64 *acts)
{
	struct ethtool_sset_info *si;
	struct ethtool_gstrings *gs = NULL;
	struct ethtool_stats *st = NULL;
	__u64 runs = 0, other = 0;
	bool any = false, has_runs = false, has_pass = false;
	int fd, err = -ENOENT;
	__u32 n;

	memset(acts, 0, PL_XDP_ACTS * sizeof(*acts));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	si = calloc(1, sizeof(*si) + sizeof(__u32));
	if (!si)
		goto out;
	si->cmd = ETHTOOL_GSSET_INFO;
	si->sset_mask = 1ull << ETH_SS_STATS;
	if (ethtool(fd, ifname, si) || !si->sset_mask || !si->data[0])
		goto out;
	n = si->data[0];
	gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	st = calloc(1, sizeof(*st) + (size_t)n * sizeof(__u64));
	if (!gs || !st)
		goto out;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = n;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	if (ethtool(fd, ifname, gs) || ethtool(fd, ifname, st))
		goto out;
	for (__u32 i = 0; i < n && i < gs->len && i < st->n_stats; i++) {
		char name[ETH_GSTRING_LEN + 1] = "";
		bool is_runs;
		int a;

		memcpy(name, gs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		a = drv_action(name, &is_runs);
		if (is_runs) {
			runs += st->data[i];
			has_runs = any = true;
		} else if (a >= 0) {
			acts[a] += st->data[i];
			has_pass |= a == XDP_PASS;
			any = true;
		}
	}
	for (int a = 0; a < PL_XDP_ACTS; a++)
		other += a == XDP_PASS ? 0 : acts[a];
	if (has_runs && !has_pass)
		acts[XDP_PASS] = runs > other ? runs - other : 0;
	err = any ? 0 : -ENOENT;
out:
	free(si);
	free(gs);
	free(st);
	close(fd);
	return err;
}

static void detach(struct pl_xdp_target *t)
{
	for (int i = 0; i < PL_XDP_ACTS; i++)
		t->base[i] = t->cur[i];
	t->source = NULL;
	bpf_link__destroy(t->link);
	xdp_verdicts__destroy(t->skel);
	t->link = NULL;
	t->skel = NULL;
}

/* Count program @id on @t; on failure t->error says why. */
static void attach(struct pl_xdp_target *t, __u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id), err;

	t->prog_id = id;
	t->error[0] = t->prog[0] = 0;
	if (fd < 0) {
		snprintf(t->error, sizeof(t->error), "program %u: %s", id, strerror(errno));
		return;
	}
	err = entry_name(fd, t->prog, sizeof(t->prog));
	if (!err) {
		t->skel = xdp_verdicts__open();
		err = t->skel ? 0 : -errno;
	}
	if (!err)
		err = bpf_program__set_attach_target(t->skel->progs.pl_xdp_verdict, fd, t->prog);
	if (!err)
		err = xdp_verdicts__load(t->skel);
	if (!err) {
		t->link = bpf_program__attach_trace(t->skel->progs.pl_xdp_verdict);
		err = t->link ? 0 : -errno;
	}
	close(fd);
	t->source = "fexit";
	if (!err)
		return;
	xdp_verdicts__destroy(t->skel);
	t->skel = NULL;
	t->link = NULL;
	t->source = NULL;
	if (t->mode && !strcmp(t->mode, "native") && !driver_counts(t->ifname, t->drv0)) {
		t->source = "driver";
		snprintf(t->note, sizeof(t->note),
			 "the kernel refused an fexit program on %s (%s): the driver's counters",
			 t->prog[0] ? t->prog : "it", strerror(-err));
		return;
	}
	snprintf(t->error, sizeof(t->error), "cannot trace program %u (%s): %s%s", id,
		 t->prog[0] ? t->prog : "no BTF", strerror(-err),
		 t->mode && strcmp(t->mode, "native") ? " (generic XDP's drops show as "
							"kfree_skb drops)" : "");
}

/* The XDP program on @ifindex now and its mode; 0 when none. */
static __u32 xdp_prog(int ifindex, const char **mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*mode = NULL;
	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (q.drv_prog_id) {
		*mode = "native";
		return q.drv_prog_id;
	}
	if (q.skb_prog_id) {
		*mode = "generic";
		return q.skb_prog_id;
	}
	if (q.hw_prog_id)
		*mode = "offload";
	return q.hw_prog_id;
}

static struct pl_xdp_target *target(struct pl_xdp_verdicts *v, int ifindex, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (v->t[i].ifindex == ifindex)
			return &v->t[i];
	if (v->n >= PL_XDP_TARGETS_MAX)
		return NULL;
	memset(&v->t[v->n], 0, sizeof(v->t[0]));
	v->t[v->n].ifindex = ifindex;
	snprintf(v->t[v->n].ifname, sizeof(v->t[0].ifname), "%s", name);
	return &v->t[v->n++];
}

static void follow(struct pl_xdp_verdicts *v, int ifindex, const char *name)
{
	const char *mode;
	__u32 id = xdp_prog(ifindex, &mode);
	struct pl_xdp_target *t;

	if (!id && !v->ifindex) {
		for (int i = 0; i < v->n; i++) /* gone: keep its counts, stop tracing */
			if (v->t[i].ifindex == ifindex && v->t[i].skel)
				detach(&v->t[i]);
		return;
	}
	t = target(v, ifindex, name);
	if (!t || t->prog_id == id)
		return;
	if (t->skel)
		detach(t);
	t->mode = mode;
	if (id)
		attach(t, id);
	else
		t->prog_id = 0;
}

void pl_xdp_verdicts_start(struct pl_xdp_verdicts *v, int ifindex)
{
	memset(v, 0, sizeof(*v));
	v->ifindex = ifindex;
	pl_xdp_verdicts_update(v);
	for (int i = 0; i < v->n; i++) {
		if (v->t[i].error[0])
			pl_warn("XDP verdicts of %s: %s", v->t[i].ifname, v->t[i].error);
		else if (v->t[i].note[0])
			pl_info("XDP verdicts of %s: %s", v->t[i].ifname, v->t[i].note);
	}
}

static void read_counts(struct pl_xdp_target *t)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 per[ncpu > 0 ? ncpu : 1];

	memcpy(t->prev, t->cur, sizeof(t->prev));
	if (t->source && !strcmp(t->source, "driver")) {
		__u64 now[PL_XDP_ACTS];

		if (driver_counts(t->ifname, now))
			return;
		for (int a = 0; a < PL_XDP_ACTS; a++)
			t->cur[a] = t->base[a] + (now[a] >= t->drv0[a] ? now[a] - t->drv0[a] : 0);
		return;
	}
	if (!t->skel || ncpu <= 0)
		return;
	for (__u32 k = 0; k < PL_XDP_ACTS; k++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.pl_xdp_acts), &k, per))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += per[c];
		t->cur[k] = t->base[k] + sum;
	}
}

void pl_xdp_verdicts_update(struct pl_xdp_verdicts *v)
{
	if (v->ifindex) {
		char name[IF_NAMESIZE] = "";

		if_indextoname((unsigned int)v->ifindex, name);
		follow(v, v->ifindex, name);
	} else {
		struct if_nameindex *ifs = if_nameindex();

		for (struct if_nameindex *i = ifs; i && i->if_index; i++)
			follow(v, (int)i->if_index, i->if_name);
		if_freenameindex(ifs);
	}
	for (int i = 0; i < v->n; i++)
		read_counts(&v->t[i]);
}

void pl_xdp_verdicts_stop(struct pl_xdp_verdicts *v)
{
	for (int i = 0; i < v->n; i++) {
		bpf_link__destroy(v->t[i].link);
		xdp_verdicts__destroy(v->t[i].skel);
	}
	memset(v, 0, sizeof(*v));
}

static void acts_json(struct pl_json *j, const char *key, const __u64 *a, const __u64 *minus)
{
	pl_json_begin_obj(j, key);
	for (int i = 0; i < PL_XDP_ACTS; i++)
		pl_json_u64(j, act_names[i], a[i] - (minus ? minus[i] : 0));
	pl_json_end_obj(j);
}

void pl_xdp_verdicts_json(struct pl_json *j, const struct pl_xdp_verdicts *v)
{
	pl_json_begin_arr(j, "xdp");
	for (int i = 0; v && i < v->n; i++) {
		const struct pl_xdp_target *t = &v->t[i];

		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "interface", t->ifname);
		pl_json_u64(j, "ifindex", (__u64)t->ifindex);
		if (t->prog_id) {
			pl_json_u64(j, "prog_id", t->prog_id);
			pl_json_str(j, "program", t->prog[0] ? t->prog : NULL);
			pl_json_str(j, "mode", t->mode);
		} else {
			pl_json_null(j, "prog_id");
		}
		pl_json_str(j, "source", t->source);
		pl_json_str(j, "error", t->error[0] ? t->error : NULL);
		acts_json(j, "verdicts", t->cur, NULL);
		acts_json(j, "interval", t->cur, t->prev);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

/* Did @t count any verdict (@delta: in the last interval)? */
static bool any_count(const struct pl_xdp_target *t, bool delta)
{
	for (int a = 0; a < PL_XDP_ACTS; a++)
		if (t->cur[a] - (delta ? t->prev[a] : 0))
			return true;
	return false;
}

void pl_xdp_verdicts_lines(const struct pl_xdp_verdicts *v, bool delta,
			   void (*emit)(void *arg, const char *line), void *arg)
{
	for (int i = 0; v && i < v->n; i++) {
		const struct pl_xdp_target *t = &v->t[i];
		char line[320];
		int n;

		if (t->error[0]) {
			snprintf(line, sizeof(line), "xdp %s: not counted: %s", t->ifname, t->error);
			emit(arg, line);
			continue;
		}
		if (!t->prog_id && !any_count(t, delta))
			continue; /* no XDP program, none counted: nothing to say */
		if (t->prog_id)
			n = snprintf(line, sizeof(line), "xdp %s (%s id %u, %s%s):", t->ifname,
				     t->prog[0] ? t->prog : "?", t->prog_id, t->mode ? t->mode : "-",
				     t->source && !strcmp(t->source, "driver") ? ", driver counters" : "");
		else
			n = snprintf(line, sizeof(line), "xdp %s (no program now):", t->ifname);
		for (int a = 0; a < PL_XDP_ACTS && n > 0 && (size_t)n < sizeof(line); a++) {
			__u64 x = t->cur[a] - (delta ? t->prev[a] : 0);

			if (x || a == 1 || a == 2)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu",
					      act_names[a], (unsigned long long)x);
		}
		emit(arg, line);
	}
}
