/* SPDX-License-Identifier: BSD-2-Clause */
/* timefmt.h - time stamps as people read them. */
#ifndef PL_TIMEFMT_H
#define PL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-27T07:09:15.123456Z" (UTC, microseconds). */
const char *pl_time_iso(uint64_t unix_ns, char *buf, size_t len);
/* Nanoseconds since the epoch, now (CLOCK_REALTIME). */
uint64_t pl_time_now_ns(void);
/* Offset that turns bpf_ktime_get_ns() (CLOCK_MONOTONIC) into Unix time. */
int64_t pl_time_mono_to_unix(void);
/* "1.23 M", "456 k": a count in 5 characters or so. */
const char *pl_human(double v, char *buf, size_t len);

#endif
