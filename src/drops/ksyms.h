/* SPDX-License-Identifier: BSD-2-Clause */
/* ksyms.h - kernel addresses as "function+0xoff", from /proc/kallsyms (as dropwatch -l kas). */
#ifndef PL_KSYMS_H
#define PL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct pl_ksyms;

/* Read the kernel's text symbols. NULL when unreadable or hidden (kptr_restrict). */
struct pl_ksyms *pl_ksyms_load(void);
void pl_ksyms_free(struct pl_ksyms *k);
/* "tcp_v4_rcv+0x1a0" (or "0xADDR" when unknown) into @buf; returns @buf. */
const char *pl_ksym(const struct pl_ksyms *k, uint64_t addr, char *buf, size_t len);

#endif
