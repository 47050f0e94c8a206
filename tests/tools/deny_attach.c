// SPDX-License-Identifier: BSD-2-Clause
/*
 * deny_attach - run a command with one of its attach steps refused by the kernel, so
 * that the fault tests see what pktlens does when an attach fails half-way:
 *	deny_attach tc-filter   -- CMD [ARG...]   "tc filter add" (RTM_NEWTFILTER) fails
 *	deny_attach link-create -- CMD [ARG...]   bpf(BPF_LINK_CREATE) fails (XDP attach,
 *	                                          tcx: tc mode then takes a clsact filter,
 *	                                          as on a kernel before 6.6)
 *	deny_attach link-create,tc-filter -- ...  both
 * with EPERM; everything else CMD does goes through. A seccomp filter does it (BPF
 * LSM and fmod_ret programs cannot load on this kernel): bpf() is refused by its
 * command argument; netlink messages are looked at by this process, which stays as
 * CMD's parent (seccomp user notification), and returns CMD's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#else
#error "deny_attach: add this architecture's AUDIT_ARCH value"
#endif

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARCH BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch))
#define LD_ARG0 BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
/* Let other architectures' calls through, then load the system call number. */
#define ARCH_THEN_NR                                                                       \
	LD_ARCH, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0), RET(SECCOMP_RET_ALLOW), \
		LD_NR

static int usage(void)
{
	fprintf(stderr, "usage: deny_attach tc-filter|link-create|link-create,tc-filter -- "
			"CMD [ARG...]\n");
	return 2;
}

static int install(struct sock_filter *f, unsigned short n, unsigned int flags)
{
	struct sock_fprog prog = { .len = n, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* Read the first netlink header of a sendto()/sendmsg() call of process @pid. */
static int peek_nlmsg(pid_t pid, const struct seccomp_data *d, struct nlmsghdr *h)
{
	struct iovec local = { .iov_base = h, .iov_len = sizeof(*h) }, remote;
	struct msghdr mh;
	struct iovec iov0;

	if (d->nr == SYS_sendmsg) {
		local = (struct iovec){ .iov_base = &mh, .iov_len = sizeof(mh) };
		remote = (struct iovec){ .iov_base = (void *)d->args[1], .iov_len = sizeof(mh) };
		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof(mh) ||
		    mh.msg_iovlen < 1)
			return -1;
		local = (struct iovec){ .iov_base = &iov0, .iov_len = sizeof(iov0) };
		remote = (struct iovec){ .iov_base = mh.msg_iov, .iov_len = sizeof(iov0) };
		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof(iov0))
			return -1;
		remote.iov_base = iov0.iov_base;
	} else {
		remote.iov_base = (void *)d->args[1];
	}
	remote.iov_len = sizeof(*h);
	local = (struct iovec){ .iov_base = h, .iov_len = sizeof(*h) };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(*h) ? 0 : -1;
}

static const char *nl_name(unsigned int type)
{
	static char other[32];

	switch (type) {
	case RTM_NEWQDISC: return "RTM_NEWQDISC";
	case RTM_DELQDISC: return "RTM_DELQDISC";
	case RTM_NEWTFILTER: return "RTM_NEWTFILTER";
	case RTM_GETTFILTER: return "RTM_GETTFILTER";
	}
	snprintf(other, sizeof(other), "netlink type %u", type);
	return other;
}

/* Answer CMD's sendto()/sendmsg() calls until it exits; return its exit status. */
static int supervise(int listener, pid_t child)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct nlmsghdr h;
	int status;

	for (;;) {
		struct pollfd p = { .fd = listener, .events = POLLIN };

		if (waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLIN))
			continue;
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
			continue; /* the caller went away meanwhile */
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		/* Read only while the call is still waiting (its pid not reused meanwhile). */
		if (!peek_nlmsg((pid_t)req.pid, &req.data, &h) &&
		    !ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id)) {
			/* What the tests look for: the qdisc steps passed, the filter refused. */
			if (h.nlmsg_type == RTM_NEWTFILTER) {
				resp.flags = 0;
				resp.error = -EPERM;
			}
			fprintf(stderr, "deny_attach: %s %s\n", resp.error ? "refused" : "passed",
				nl_name(h.nlmsg_type));
		}
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int main(int argc, char **argv)
{
	struct sock_filter link_create[] = {
		ARCH_THEN_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bpf, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LD_ARG0,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BPF_LINK_CREATE, 0, 1),
		RET(SECCOMP_RET_ERRNO | EPERM),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_filter netlink_send[] = {
		ARCH_THEN_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 1),
		RET(SECCOMP_RET_USER_NOTIF),
		RET(SECCOMP_RET_ALLOW),
	};
	bool deny_link, deny_filter;
	int listener;
	pid_t child;

	if (argc < 4 || strcmp(argv[2], "--"))
		return usage();
	deny_link = !strcmp(argv[1], "link-create") || !strcmp(argv[1], "link-create,tc-filter");
	deny_filter = !strcmp(argv[1], "tc-filter") || !strcmp(argv[1], "link-create,tc-filter");
	if (!deny_link && !deny_filter)
		return usage();
	if (deny_link && install(link_create, sizeof(link_create) / sizeof(link_create[0]), 0)) {
		fprintf(stderr, "deny_attach: seccomp: %s\n", strerror(errno));
		return 1;
	}
	if (!deny_filter) { /* CMD itself, so that the caller's $! can signal it */
		execvp(argv[3], argv + 3);
		fprintf(stderr, "deny_attach: cannot run %s: %s\n", argv[3], strerror(errno));
		return 127;
	}
	listener = install(netlink_send, sizeof(netlink_send) / sizeof(netlink_send[0]),
			   SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (listener < 0) {
		fprintf(stderr, "deny_attach: seccomp listener: %s\n", strerror(errno));
		return 1;
	}
	child = fork();
	if (child < 0) {
		fprintf(stderr, "deny_attach: fork: %s\n", strerror(errno));
		return 1;
	}
	if (!child) {
		close(listener);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "deny_attach: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	return supervise(listener, child);
}
