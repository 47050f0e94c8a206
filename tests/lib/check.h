/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - the tiny assertion layer every C test uses. Each test program prints
 * "ok"/"FAIL" lines and closes with "N passed, N failed[, N skipped]"; tests/run.sh
 * adds the closing lines of all programs up.
 */
#ifndef PL_CHECK_H
#define PL_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed, check_skipped;
static int check_cur_failed;
static const char *check_cur = "";

/* Start a named test case; a case passes when none of its CHECKs failed. */
#define TEST_BEGIN(name)                                                                   \
	do {                                                                               \
		check_cur = (name);                                                        \
		check_cur_failed = 0;                                                      \
	} while (0)

#define TEST_END()                                                                         \
	do {                                                                               \
		if (check_cur_failed) {                                                    \
			check_failed++;                                                    \
			printf("FAIL %s\n", check_cur);                                    \
		} else {                                                                   \
			check_passed++;                                                    \
			printf("ok   %s\n", check_cur);                                    \
		}                                                                          \
	} while (0)

#define TEST_SKIP(name, why)                                                               \
	do {                                                                               \
		check_skipped++;                                                           \
		printf("skip %s: %s\n", (name), (why));                                    \
	} while (0)

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			check_cur_failed = 1;                                              \
			printf("  %s:%d: %s: ", __FILE__, __LINE__, check_cur);            \
			printf(__VA_ARGS__);                                               \
			printf("\n");                                                      \
		}                                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                     \
	CHECK((unsigned long long)(a) == (unsigned long long)(b), "%s == %llu, expected %llu", \
	      #a, (unsigned long long)(a), (unsigned long long)(b))

/* Print the closing line; use as `return check_summary();` from main. */
static inline int check_summary(void)
{
	if (check_skipped)
		printf("%d passed, %d failed, %d skipped\n", check_passed, check_failed,
		       check_skipped);
	else
		printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
