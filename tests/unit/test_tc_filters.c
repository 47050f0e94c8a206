// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the rtnetlink filter dump's reply parsing (loader/tc_filters.c): the
 * count of filters, the end of the dump, and a dump the kernel cut short or refused,
 * which must be an error, never a smaller count. The live count is tested end to end
 * (tests/e2e/test_lifecycle.sh: the clsact qdisc kept for someone else's filter).
 */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "../../src/loader/tc_filters.c" /* count_msgs() is static */

struct buf {
	char b[4096] __attribute__((aligned(4)));
	int len;
};

/* Append one message of @type and @seq with @payload_len bytes of @payload. */
static void put(struct buf *b, __u16 type, __u32 seq, const void *payload, int payload_len)
{
	struct nlmsghdr *h = (void *)(b->b + b->len);

	memset(h, 0, NLMSG_SPACE(payload_len));
	h->nlmsg_len = NLMSG_LENGTH(payload_len);
	h->nlmsg_type = type;
	h->nlmsg_seq = seq;
	if (payload_len)
		memcpy(NLMSG_DATA(h), payload, payload_len);
	b->len += NLMSG_SPACE(payload_len);
}

/* An empty buffer and count for the next case. */
static void fresh(struct buf *b, int *count)
{
	memset(b, 0, sizeof(*b));
	*count = 0;
}

static void put_filter(struct buf *b, __u32 seq)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC };

	put(b, RTM_NEWTFILTER, seq, &t, sizeof(t));
}

int main(void)
{
	struct buf b;
	int count, rc, err;

	TEST_BEGIN("three filters and the end of the dump");
	fresh(&b, &count);
	put_filter(&b, 1);
	put_filter(&b, 1);
	put_filter(&b, 1);
	err = 0;
	put(&b, NLMSG_DONE, 1, &err, sizeof(err));
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK_EQ(rc, 1);
	CHECK_EQ(count, 3);
	TEST_END();

	TEST_BEGIN("a buffer without the end: more to read");
	fresh(&b, &count);
	put_filter(&b, 1);
	put_filter(&b, 1);
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count, 2);
	TEST_END();

	TEST_BEGIN("an end without an error code (older kernels)");
	fresh(&b, &count);
	put_filter(&b, 1);
	put(&b, NLMSG_DONE, 1, NULL, 0);
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK_EQ(rc, 1);
	CHECK_EQ(count, 1);
	TEST_END();

	TEST_BEGIN("a dump cut short: its end carries the error");
	fresh(&b, &count);
	put_filter(&b, 1);
	err = -EINTR;
	put(&b, NLMSG_DONE, 1, &err, sizeof(err));
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK(rc == -EINTR, "rc %d, expected -EINTR", rc);
	TEST_END();

	TEST_BEGIN("a refused dump: NLMSG_ERROR");
	fresh(&b, &count);
	{
		struct nlmsgerr e = { .error = -EPERM };

		put(&b, NLMSG_ERROR, 1, &e, sizeof(e));
	}
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK(rc == -EPERM, "rc %d, expected -EPERM", rc);
	CHECK_EQ(count, 0);
	TEST_END();

	TEST_BEGIN("an acknowledgement (NLMSG_ERROR with 0) ends the dump");
	fresh(&b, &count);
	{
		struct nlmsgerr e = { .error = 0 };

		put(&b, NLMSG_ERROR, 1, &e, sizeof(e));
	}
	CHECK_EQ(count_msgs(b.b, b.len, 1, &count), 1);
	TEST_END();

	TEST_BEGIN("an NLMSG_ERROR too short for its error code is an error, not read past");
	fresh(&b, &count);
	put(&b, NLMSG_ERROR, 1, NULL, 0);
	rc = count_msgs(b.b, NLMSG_LENGTH(0), 1, &count);
	CHECK(rc == -EIO, "rc %d, expected -EIO", rc);
	TEST_END();

	TEST_BEGIN("messages of another request are not counted");
	fresh(&b, &count);
	put_filter(&b, 7);
	put_filter(&b, 1);
	err = 0;
	put(&b, NLMSG_DONE, 7, &err, sizeof(err));
	rc = count_msgs(b.b, b.len, 1, &count);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count, 1);
	TEST_END();

	TEST_BEGIN("a message longer than the buffer ends the parse, nothing read past it");
	fresh(&b, &count);
	put_filter(&b, 1);
	put_filter(&b, 1);
	/* Cut the second message in the middle: NLMSG_OK rejects it. */
	rc = count_msgs(b.b, b.len - 8, 1, &count);
	CHECK_EQ(rc, 0);
	CHECK_EQ(count, 1);
	TEST_END();

	return check_summary();
}
