// SPDX-License-Identifier: BSD-2-Clause
/*
 * pin.c - --pin (our maps under /sys/fs/bpf/pktlens/<ifname>/, removed again on close;
 * pins a killed pktlens left are taken over) and --pinned (adopt the maps and programs
 * that bpftool loaded and pinned; warn when no attached program feeds them).
 */
#define _GNU_SOURCE /* setns */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "loader/netlink.h"
#include "pktlens.h"
#include "pktlens.skel.h"
#include "loader/dataplane.h"
#include "loader/dataplane_internal.h"
#include "mitigate/maps.h"
#include "util/log.h"

#define PL_PIN_ROOT "/sys/fs/bpf/pktlens"

/* ---- who uses a set of maps -------------------------------------------------------- */

struct ids {
	__u32 *v;
	size_t n, cap;
};

static bool ids_has(const struct ids *s, __u32 id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

static int ids_add(struct ids *s, __u32 id)
{
	if (ids_has(s, id))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		__u32 *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static void ids_free(struct ids *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The id of the BPF object @fd (map or program), 0 if it cannot be read. */
static __u32 obj_id(int fd, bool prog)
{
	struct bpf_prog_info pi = {};
	struct bpf_map_info mi = {};
	__u32 len = prog ? sizeof(pi) : sizeof(mi);

	if (bpf_obj_get_info_by_fd(fd, prog ? (void *)&pi : (void *)&mi, &len))
		return 0;
	return prog ? pi.id : mi.id;
}

/*
 * Every loaded program that references a map of @maps: added to @progs, and the other
 * maps those programs use to @more (NULL: not wanted). @name: the first one's name.
 */
static int progs_using(const struct ids *maps, struct ids *progs, struct ids *more,
		       char *name, size_t name_len)
{
	__u32 id = 0, nmaps[64];
	int err = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), n;
		bool uses = false;
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* freed meanwhile */
		info.nr_map_ids = sizeof(nmaps) / sizeof(nmaps[0]);
		info.map_ids = (__u64)(unsigned long)nmaps;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
		for (__u32 i = 0; i < n && !uses; i++)
			uses = ids_has(maps, nmaps[i]);
		if (!uses)
			continue;
		if (!progs->n && name)
			snprintf(name, name_len, "%s", info.name);
		err = ids_add(progs, id);
		for (__u32 i = 0; !err && more && i < n; i++)
			err = ids_add(more, nmaps[i]);
		if (err)
			break;
	}
	return err;
}

/*
 * The programs of the data plane that @maps belong to: those that reference them, and
 * then those that share any map with these (a filter program in front of the
 * pipeline reaches it through the object's program array, not through its counters).
 */
static int data_plane_progs(const struct ids *maps, struct ids *progs, char *name,
			    size_t name_len)
{
	struct ids all = {}, first = {};
	int err;

	err = progs_using(maps, &first, &all, name, name_len);
	if (!err && first.n)
		err = progs_using(&all, progs, NULL, NULL, 0);
	ids_free(&all);
	ids_free(&first);
	return err;
}

/* A process (not this one) holding a descriptor of a program of @progs: its pid, or 0. */
static pid_t prog_holder(const struct ids *progs, char *comm, size_t comm_len)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	pid_t found = 0;

	if (!proc)
		return 0;
	while (!found && (p = readdir(proc))) {
		char path[300], link[64], line[128];
		pid_t pid = atoi(p->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while (!found && (f = readdir(fds))) {
			ssize_t n;
			FILE *fi;

			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = 0;
			if (strcmp(link, "anon_inode:bpf-prog"))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, f->d_name);
			fi = fopen(path, "r");
			if (!fi)
				continue;
			while (fgets(line, sizeof(line), fi)) {
				unsigned int id;

				if (sscanf(line, "prog_id: %u", &id) == 1 && ids_has(progs, id))
					found = pid;
			}
			fclose(fi);
		}
		closedir(fds);
	}
	closedir(proc);
	if (found) {
		char path[64];
		FILE *c;

		snprintf(comm, comm_len, "?");
		snprintf(path, sizeof(path), "/proc/%d/comm", found);
		c = fopen(path, "r");
		if (c) {
			if (fgets(comm, comm_len, c))
				comm[strcspn(comm, "\n")] = 0;
			fclose(c);
		}
	}
	return found;
}

/* ---- is one of them attached? ---------------------------------------------------- */

#define PL_TCX_INGRESS 46 /* enum bpf_attach_type, Linux 6.6 */
#define PL_TCX_EGRESS 47

struct tc_ctx {
	__u32 seq;
	const struct ids *progs;
	bool found;
};

/* The TCA_BPF_ID of each cls_bpf filter in one receive buffer. */
static int tc_parse(const char *buf, int len, void *arg)
{
	struct tc_ctx *c = arg;

	for (const struct nlmsghdr *h = (const void *)buf; NLMSG_OK(h, (unsigned int)len);
	     h = NLMSG_NEXT(h, len)) {
		const struct rtattr *a;
		int alen;

		if (h->nlmsg_seq != c->seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return h->nlmsg_len >= NLMSG_LENGTH(sizeof(e->error)) && e->error ? e->error
											  : 1;
		}
		if (h->nlmsg_type != RTM_NEWTFILTER)
			continue;
		alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(struct tcmsg));
		for (a = (const void *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct tcmsg)));
		     RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
			const struct rtattr *o;
			int olen = RTA_PAYLOAD(a);

			if (a->rta_type != TCA_OPTIONS)
				continue;
			for (o = RTA_DATA(a); RTA_OK(o, olen); o = RTA_NEXT(o, olen))
				if (o->rta_type == TCA_BPF_ID && RTA_PAYLOAD(o) >= sizeof(__u32) &&
				    ids_has(c->progs, *(const __u32 *)RTA_DATA(o)))
					c->found = true;
		}
	}
	return 0;
}

/* A program of @progs in a tc filter of @ifindex at clsact ingress or egress. */
static bool tc_uses(int ifindex, const struct ids *progs)
{
	static const __u32 parents[] = { TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
					 TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS) };

	for (size_t i = 0; i < 2; i++) {
		struct {
			struct nlmsghdr h;
			struct tcmsg t;
		} req = {
			.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			       .nlmsg_type = RTM_GETTFILTER,
			       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			       .nlmsg_seq = 1 },
			.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			       .tcm_parent = parents[i] },
		};
		struct tc_ctx c = { .seq = 1, .progs = progs };

		pl_nl_request(NETLINK_ROUTE, &req, req.h.nlmsg_len, tc_parse, &c);
		if (c.found)
			return true;
	}
	return false;
}

/* A program of @progs attached to an interface of the current network namespace. */
static bool netns_uses(const struct ids *progs)
{
	struct if_nameindex *ifs = if_nameindex();
	bool found = false;

	if (!ifs)
		return false;
	for (struct if_nameindex *i = ifs; i->if_index && !found; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, x);
		__u32 tcx[64], cnt;

		if (!bpf_xdp_query(i->if_index, 0, &x))
			found = ids_has(progs, x.prog_id) || ids_has(progs, x.drv_prog_id) ||
				ids_has(progs, x.skb_prog_id) || ids_has(progs, x.hw_prog_id);
		for (int t = PL_TCX_INGRESS; !found && t <= PL_TCX_EGRESS; t++) {
			LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = tcx);

			q.prog_cnt = cnt = sizeof(tcx) / sizeof(tcx[0]);
			if (bpf_prog_query_opts(i->if_index, t, &q))
				continue; /* no tcx on this kernel */
			for (__u32 k = 0; k < q.prog_cnt && k < cnt; k++)
				found |= ids_has(progs, tcx[k]);
		}
		if (!found)
			found = tc_uses(i->if_index, progs);
	}
	if_freenameindex(ifs);
	return found;
}

/* Enter each network namespace of the system in turn (a child process does). */
static int every_netns(const struct ids *progs)
{
	static const char *const dirs[] = { "/proc", "/run/netns", "/var/run/netns" };
	struct ids seen = {};
	bool unsure = false;

	for (size_t d = 0; d < 3; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;

		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			char path[300];
			struct stat st;
			int fd;

			if (e->d_name[0] == '.' || (!d && (e->d_name[0] < '1' || e->d_name[0] > '9')))
				continue;
			snprintf(path, sizeof(path), d ? "%s/%s" : "%s/%s/ns/net", dirs[d], e->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue; /* a process gone meanwhile */
			if (fstat(fd, &st) || ids_has(&seen, (__u32)st.st_ino)) {
				close(fd);
				continue;
			}
			ids_add(&seen, (__u32)st.st_ino);
			if (setns(fd, CLONE_NEWNET)) {
				unsure = true;
			} else if (netns_uses(progs)) {
				close(fd);
				closedir(dir);
				return 0;
			}
			close(fd);
		}
		closedir(dir);
	}
	ids_free(&seen);
	return unsure ? 2 : 1;
}

/*
 * Is a program of @progs attached anywhere? 1 yes, 0 no, < 0 cannot tell. BPF links
 * (XDP, tcx) are global; an XDP program or tc filter attached over netlink (as bpftool
 * net attach does) is seen only from its interface's network namespace, so a child
 * process enters each one.
 */
static int attached(const struct ids *progs)
{
	__u32 id = 0;
	pid_t pid;
	int st;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && ids_has(progs, info.prog_id)) {
			close(fd);
			return 1;
		}
		close(fd);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(every_netns(progs));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return -EAGAIN;
	return WEXITSTATUS(st) == 0;
}

int pl_bpffs_ensure(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		int err = -errno;

		pl_warn("bpffs is not mounted on /sys/fs/bpf and mounting it failed: %s; "
			"run 'mount -t bpf bpf /sys/fs/bpf' as root",
			strerror(-err));
		return err;
	}
	pl_info("mounted bpffs on /sys/fs/bpf");
	return 0;
}

/*
 * Pins already at our names in @dir: a pktlens killed with SIGKILL cannot remove its
 * own. If no loaded program uses those maps, their owner is gone: take the pins over
 * (say so). If one does, refuse and name it (and the process holding it).
 */
static int stale_pins(const char *dir, struct bpf_map **maps, size_t n)
{
	struct ids mids = {}, progs = {};
	char path[256], name[BPF_OBJ_NAME_LEN] = "", comm[64];
	bool any = false, unknown = false;
	pid_t pid;
	int err;

	for (size_t i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(maps[i]));
		if (access(path, F_OK))
			continue;
		any = true;
		fd = bpf_obj_get(path);
		if (fd < 0 || !obj_id(fd, false) || ids_add(&mids, obj_id(fd, false)))
			unknown = true; /* not a map: not one of ours */
		if (fd >= 0)
			close(fd);
	}
	if (!any)
		return 0;
	/*
	 * A killed owner's programs go when the kernel releases its BPF link, shortly
	 * after the process is gone (the release is deferred): give that a second.
	 */
	for (int tries = 0; !unknown; tries++) {
		ids_free(&progs);
		err = data_plane_progs(&mids, &progs, name, sizeof(name));
		if (err || !progs.n || tries == 10 || prog_holder(&progs, comm, sizeof(comm)))
			break;
		usleep(100 * 1000);
	}
	if (unknown)
		err = -EEXIST;
	ids_free(&mids);
	if (err) {
		if (err == -EEXIST)
			pl_warn("cannot pin map at %s: it holds pins at pktlens's map names that are "
				"not maps; remove them if nothing needs them",
				dir);
		else
			pl_warn("cannot pin map at %s: maps are pinned there and who uses them "
				"cannot be told (%s); remove them if nothing needs them",
				dir, strerror(-err));
		ids_free(&progs);
		return err == -EEXIST ? err : -EBUSY;
	}
	if (progs.n) {
		pid = prog_holder(&progs, comm, sizeof(comm));
		if (pid)
			pl_warn("cannot pin map at %s: the maps pinned there are in use by program "
				"%s (id %u) of %s (pid %d); stop that one first",
				dir, name, progs.v[0], comm, (int)pid);
		else
			pl_warn("cannot pin map at %s: the maps pinned there are in use by program "
				"%s (id %u), which no process holds (pinned, or attached by tc or "
				"bpftool); detach and unpin it first",
				dir, name, progs.v[0]);
		ids_free(&progs);
		return -EBUSY;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(maps[i]));
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			pl_warn("cannot remove the stale pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	pl_warn("took over %s: the pins there were left by a pktlens that ended without "
		"removing them (killed?); no program uses those maps any more",
		dir);
	return 0;
}

/* The maps --pin pins: the pipeline's, and protect's (mitigate/maps.c) when loaded for it. */
static size_t pinned_maps(struct pl_dp *dp, struct bpf_map **maps, size_t max)
{
	size_t n = 0;

	maps[n++] = dp->skel->maps.pl_stats;
	maps[n++] = dp->skel->maps.pl_flows;
	maps[n++] = dp->skel->maps.pl_events;
	/* the kernel's own talker tables (bpf/talkers.h) */
	maps[n++] = dp->skel->maps.pl_srcs;
	maps[n++] = dp->skel->maps.pl_dsts;
	maps[n++] = dp->skel->maps.pl_ports;
	maps[n++] = dp->skel->maps.pl_icmp;
	maps[n++] = dp->skel->maps.pl_talk_stats;
	for (int i = 0; dp->mitigate && i < pl_mit_nmaps && n < max; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, pl_mit_map_names[i]);

		if (m)
			maps[n++] = m;
	}
	return n;
}

int pl_dp_pin(struct pl_dp *dp)
{
	struct bpf_map *maps[32];
	size_t n = pinned_maps(dp, maps, sizeof(maps) / sizeof(maps[0]));
	char path[256];
	int err;

	err = pl_bpffs_ensure();
	if (err)
		return err;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), PL_PIN_ROOT "/%s", dp->ifname);
	mkdir(PL_PIN_ROOT, 0700);
	if (mkdir(dp->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pl_warn("cannot create %s: %s", dp->pin_dir, strerror(-err));
		dp->pin_dir[0] = 0;
		return err;
	}
	err = stale_pins(dp->pin_dir, maps, n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, bpf_map__name(maps[i]));
		err = bpf_map__pin(maps[i], path);
		if (err) {
			pl_warn("cannot pin map at %s: %s (is another pktlens using %s? remove "
				"the directory if not)",
				path, strerror(-err), dp->pin_dir);
			return err;
		}
	}
	pl_info("maps pinned under %s", dp->pin_dir);
	return 0;
}

void pl_dp_unpin(struct pl_dp *dp)
{
	struct bpf_map *maps[32];
	size_t n;

	if (!dp->pin_dir[0] || !dp->skel)
		return;
	n = pinned_maps(dp, maps, sizeof(maps) / sizeof(maps[0]));
	/* Only our own pins: a failed pin leaves its path set, and that file is not ours. */
	for (size_t i = 0; i < n; i++)
		if (bpf_map__is_pinned(maps[i]))
			bpf_map__unpin(maps[i], NULL);
	rmdir(dp->pin_dir);
	rmdir(PL_PIN_ROOT); /* only succeeds when empty */
}

static int get_pinned(const char *dir, const char *name, int *fd, bool required)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0 && required) {
		int err = -errno;

		pl_warn("cannot open pinned object %s: %s; load the object with 'bpftool prog "
			"loadall pktlens.bpf.o %s pinmaps %s' first",
			path, strerror(-err), dir, dir);
		return err;
	}
	return 0;
}

/*
 * A pinned map is only read with our own struct sizes: one from another build of
 * pktlens, or any map of that name, would make the reads overrun them.
 */
static int check_pinned_map(const char *dir, const char *name, int fd, __u32 type,
			    __u32 key_size, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		pl_warn("cannot read %s/%s: %s", dir, name, strerror(-err));
		return err;
	}
	if (info.type == type && info.key_size == key_size && info.value_size == value_size &&
	    info.max_entries)
		return 0;
	pl_warn("%s/%s is not the map this pktlens reads (type %u, key %u bytes, value %u "
		"bytes; want type %u, %u, %u): load the pktlens.bpf.o that came with this "
		"pktlens",
		dir, name, info.type, info.key_size, info.value_size, type, key_size, value_size);
	return -EPROTO;
}

/*
 * Maps that no attached program feeds never move: say so rather than report zeros
 * for ever (bpftool detached the program, or the pktlens that pinned them was killed).
 * Silent when it cannot tell.
 */
static void warn_unfed(const struct pl_dp *dp, const char *dir)
{
	struct ids mids = {}, progs = {};
	int on = 0;

	if (ids_add(&mids, obj_id(dp->stats_fd, false)) ||
	    ids_add(&mids, obj_id(dp->flows_fd, false)) ||
	    data_plane_progs(&mids, &progs, NULL, 0))
		goto out;
	on = progs.n ? attached(&progs) : 0;
	if (!on)
		pl_warn("no BPF program uses the maps in %s: the counters will not move; was "
			"the program detached?",
			dir);
out:
	ids_free(&mids);
	ids_free(&progs);
}

/* The talker tables, optional (pins of an older object have none): each checked. */
static void open_pinned_talkers(struct pl_dp *dp, const char *dir)
{
	static const struct {
		const char *name;
		__u32 type, key, value;
	} m[] = {
		{ "pl_srcs", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(union pl_addr_entry) },
		{ "pl_dsts", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(union pl_addr_entry) },
		{ "pl_ports", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct pl_count) },
		{ "pl_icmp", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64) },
		{ "pl_talk_stats", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
		  sizeof(struct pl_talk_stats) },
	};
	int *fd = &dp->talk.srcs;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (get_pinned(dir, m[i].name, &fd[i], false) || fd[i] < 0)
			continue;
		if (check_pinned_map(dir, m[i].name, fd[i], m[i].type, m[i].key, m[i].value)) {
			close(fd[i]);
			fd[i] = -1;
		}
	}
}

int pl_dp_open_pinned(struct pl_dp *dp, const char *dir)
{
	int err;

	pl_dp_reset(dp);
	err = pl_bpffs_ensure();
	if (err)
		return err;
	err = get_pinned(dir, "pl_stats", &dp->stats_fd, true);
	if (!err)
		err = check_pinned_map(dir, "pl_stats", dp->stats_fd, BPF_MAP_TYPE_PERCPU_ARRAY,
				       sizeof(__u32), sizeof(struct pl_stats));
	if (!err)
		err = get_pinned(dir, "pl_flows", &dp->flows_fd, true);
	if (!err)
		err = check_pinned_map(dir, "pl_flows", dp->flows_fd, BPF_MAP_TYPE_LRU_HASH,
				       sizeof(struct pl_flow_key), sizeof(struct pl_flow_value));
	if (err) {
		pl_dp_close(dp);
		return err;
	}
	get_pinned(dir, "pl_events", &dp->events_fd, false);
	open_pinned_talkers(dp, dir);
	/*
	 * The programs are optional: without them there is no cost figure. bpftool pins
	 * both and attaches one; the cost adds up both, the other one never runs.
	 */
	get_pinned(dir, "xdp_pktlens", &dp->pipeline_fd, false);
	get_pinned(dir, "tc_pktlens", &dp->pinned_tc_fd, false);
	dp->entry_fd = dp->pipeline_fd;
	warn_unfed(dp, dir);
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", "pinned");
	return 0;
}
