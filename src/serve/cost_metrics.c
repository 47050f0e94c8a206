// SPDX-License-Identifier: BSD-2-Clause
/*
 * cost_metrics.c - pktlens's own cost in /metrics: the process_* series every Prometheus
 * client library exports (read from /proc/self, as they read it), and the kernel's
 * run-time counters of the BPF programs (loader/cost.c's, as monitor --cost-sample
 * reads them).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "serve/server.h"

/* /proc/self/stat's fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize), 24 (rss). */
struct pstat {
	unsigned long long utime, stime, start, vsize;
	long long rss;
};

static int read_stat(struct pstat *p)
{
	char buf[1024], *s;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;
	int got;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The command name (field 2) may hold spaces and ')': fields go on after the last. */
	s = strrchr(buf, ')');
	if (!s)
		return -1;
	got = sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
		     "%*d %*d %*d %llu %llu %lld", &p->utime, &p->stime, &p->start, &p->vsize,
		     &p->rss);
	return got == 5 ? 0 : -1;
}

/* The boot time, Unix seconds (/proc/stat's btime). */
static long long boot_time(void)
{
	char line[256];
	long long bt = -1;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static void one(FILE *f, const char *name, const char *type, const char *help, double v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name, help, name, type, name, v);
}

static void process(FILE *f)
{
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	struct pstat p;
	long long bt = boot_time();
	long fds = open_fds();

	if (tck > 0 && !read_stat(&p)) {
		one(f, "process_cpu_seconds_total", "counter",
		    "CPU time the daemon used, user and system, in seconds.",
		    (double)(p.utime + p.stime) / tck);
		one(f, "process_resident_memory_bytes", "gauge", "The daemon's resident memory, in bytes.",
		    (double)p.rss * page);
		one(f, "process_virtual_memory_bytes", "gauge", "The daemon's virtual memory size, in bytes.",
		    (double)p.vsize);
		if (bt >= 0)
			one(f, "process_start_time_seconds", "gauge",
			    "When the process started, Unix time in seconds.",
			    (double)bt + (double)p.start / tck);
	}
	if (fds >= 0)
		one(f, "process_open_fds", "gauge", "File descriptors the daemon has open.", fds);
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		one(f, "process_max_fds", "gauge", "The limit of open file descriptors (RLIMIT_NOFILE).",
		    rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
}

/* The kernel's counters of each interface's programs: ingress, and egress when loaded. */
static void bpf_runs(struct pl_srv *srv, FILE *f)
{
	static const char *const heads[2] = {
		"# HELP pktlens_bpf_run_seconds_total Time the kernel spent running pktlens's BPF "
		"programs, by interface and direction (bpf_prog_info run_time_ns). The kernel "
		"counts only while the sysctl kernel.bpf_stats_enabled=1 or a process holds the "
		"statistics on (pktlens monitor --cost-sample): it stands still otherwise.\n"
		"# TYPE pktlens_bpf_run_seconds_total counter\n",
		"# HELP pktlens_bpf_runs_total Runs of pktlens's BPF programs (bpf_prog_info "
		"run_cnt), counted only while kernel.bpf_stats_enabled=1 (as the run time).\n"
		"# TYPE pktlens_bpf_runs_total counter\n",
	};
	char ifn[PL_PROM_ESC_LEN];

	for (int part = 0; part < 2; part++) {
		fputs(heads[part], f);
		for (int i = 0; i < srv->nifs; i++) {
			const struct pl_dp *dp = &srv->ifs[i].dp;
			__u64 ns[2], cnt[2];
			bool got[2];

			got[0] = !pl_dp_cost(dp, &ns[0], &cnt[0]);
			got[1] = !pl_dp_cost_egress(dp, &ns[1], &cnt[1]);
			pl_prom_esc(dp->ifname, ifn, sizeof(ifn));
			for (int d = 0; d < 2; d++) {
				if (!got[d])
					continue;
				fprintf(f, "%s{interface=\"%s\",direction=\"%s\"} ", part ?
					"pktlens_bpf_runs_total" : "pktlens_bpf_run_seconds_total",
					ifn, d ? "egress" : "ingress");
				if (part)
					fprintf(f, "%llu\n", (unsigned long long)cnt[d]);
				else
					fprintf(f, "%.9f\n", ns[d] / 1e9);
			}
		}
	}
}

void pl_metrics_cost(struct pl_srv *srv, FILE *f)
{
	process(f);
	bpf_runs(srv, f);
}
