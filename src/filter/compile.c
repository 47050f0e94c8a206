// SPDX-License-Identifier: BSD-2-Clause
/*
 * compile.c - compile tcpdump expressions to classic BPF with libpcap (see cbpf.h for
 * the contract).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* u_int, u_char, ... for <pcap/pcap.h> under -std=c11 */
#endif
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "cbpf_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct pcap_bpf_insn) == sizeof(struct sock_filter),
	       "libpcap and kernel classic instructions differ");
_Static_assert(PL_FILTER_NETMASK_UNKNOWN == PCAP_NETMASK_UNKNOWN, "netmask unknown differs");
_Static_assert(offsetof(struct pcap_bpf_insn, k) == offsetof(struct sock_filter, k),
	       "libpcap and kernel classic instructions differ");

/* pcap_compile() does name lookups (services, protocols) that are not all reentrant. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

__u32 pl_filter_netmask(const char *ifname)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	bpf_u_int32 net, mask;

	/* an ioctl on a socket: no privileges; fails for an interface without IPv4 */
	if (!ifname || pcap_lookupnet(ifname, &net, &mask, ebuf) < 0)
		return PL_FILTER_NETMASK_UNKNOWN;
	/*
	 * pcap_lookupnet() gives the mask in network byte order, pcap_compile() takes it in
	 * host order (tcpdump passes one to the other, so on little-endian hosts its
	 * "ip broadcast" tests the wrong bytes; libpcap pull request 1454).
	 */
	return ntohl(mask);
}

int pl_filter_compile(const char *expr, int linktype, int snaplen, __u32 netmask,
		      struct sock_fprog *out, char *err, size_t errlen)
{
	struct pcap_bpf_program bp;
	pcap_t *p;
	int ret = 0;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!expr) {
		set_err(err, errlen, "no filter expression");
		return -EINVAL;
	}
	p = pcap_open_dead(linktype, snaplen);
	if (!p) {
		set_err(err, errlen, "pcap_open_dead(%d, %d) failed", linktype, snaplen);
		return -ENOMEM;
	}
	pthread_mutex_lock(&compile_lock);
	if (pcap_compile(p, &bp, expr, 1, netmask) < 0) {
		set_err(err, errlen, "%s", pcap_geterr(p));
		pthread_mutex_unlock(&compile_lock);
		pcap_close(p);
		return -EINVAL;
	}
	pthread_mutex_unlock(&compile_lock);
	if (bp.bf_len == 0 || bp.bf_len > USHRT_MAX) {
		set_err(err, errlen, "classic program has %u instructions", bp.bf_len);
		ret = bp.bf_len ? -E2BIG : -EINVAL;
		goto out;
	}
	out->filter = malloc(bp.bf_len * sizeof(*out->filter));
	if (!out->filter) {
		set_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < bp.bf_len; i++) {
		out->filter[i].code = bp.bf_insns[i].code;
		out->filter[i].jt = bp.bf_insns[i].jt;
		out->filter[i].jf = bp.bf_insns[i].jf;
		out->filter[i].k = bp.bf_insns[i].k;
	}
	out->len = (unsigned short)bp.bf_len;
out:
	pcap_freecode(&bp);
	pcap_close(p);
	return ret;
}

void pl_filter_free(struct sock_fprog *prog)
{
	if (!prog)
		return;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
}
