// SPDX-License-Identifier: BSD-2-Clause
/*
 * delayline.c - a test tool: an Ethernet bridge between two interfaces (AF_PACKET)
 * that holds every frame a set time before it passes it on, so that a path between
 * two test namespaces has a known extra delay (this kernel has no netem).
 *
 *   delayline IF_A IF_B MS_A_TO_B MS_B_TO_A DURATION_S
 *
 * Frames keep their order per direction. It ends after DURATION_S seconds (or on
 * SIGTERM/SIGINT) and prints the frames it passed and dropped (queue full).
 * The interfaces must not offload segmentation or checksums (ethtool -K IF tx off
 * tso off gso off on the senders), so that every frame read is a whole wire frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QLEN 8192
#define FRAME_MAX 2048

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct slot {
	unsigned long long due_ns;
	unsigned int len;
	unsigned char data[FRAME_MAX];
};

struct dir {
	int in, out;          /* sockets: read from in, write to out */
	unsigned long long delay_ns;
	struct slot *q;
	unsigned int head, n;
	unsigned long long passed, dropped;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int open_if(const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1, fd;

	sll.sll_ifindex = (int)if_nametoindex(name);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "delayline: no interface '%s'\n", name);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("delayline: packet socket");
		return -1;
	}
	/* Not the frames we send out of it ourselves. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return fd;
}

/* Read every frame waiting on d->in into the queue, due after the delay. */
static void take(struct dir *d)
{
	for (;;) {
		struct slot *s = &d->q[(d->head + d->n) % QLEN];
		unsigned char buf[FRAME_MAX];
		ssize_t n;

		n = recv(d->in, d->n < QLEN ? s->data : buf, FRAME_MAX, 0);
		if (n <= 0)
			return;
		if (d->n >= QLEN) {
			d->dropped++;
			continue;
		}
		s->len = (unsigned int)n;
		s->due_ns = now_ns() + d->delay_ns;
		d->n++;
	}
}

/* Send what is due; returns ns until the next frame is, or -1 when none waits. */
static long long give(struct dir *d)
{
	while (d->n) {
		struct slot *s = &d->q[d->head];
		unsigned long long t = now_ns();

		if (s->due_ns > t)
			return (long long)(s->due_ns - t);
		if (send(d->out, s->data, s->len, 0) < 0 && errno == EAGAIN)
			return 100000; /* the device queue is full: again in 0.1 ms */
		d->passed++;
		d->head = (d->head + 1) % QLEN;
		d->n--;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct dir d[2] = {};
	unsigned long long end;
	int a, b;

	if (argc != 6) {
		fprintf(stderr, "usage: delayline IF_A IF_B MS_A_TO_B MS_B_TO_A DURATION_S\n");
		return 2;
	}
	a = open_if(argv[1]);
	b = open_if(argv[2]);
	if (a < 0 || b < 0)
		return 1;
	d[0] = (struct dir){ .in = a, .out = b, .delay_ns = (unsigned long long)(atof(argv[3]) * 1e6) };
	d[1] = (struct dir){ .in = b, .out = a, .delay_ns = (unsigned long long)(atof(argv[4]) * 1e6) };
	d[0].q = calloc(QLEN, sizeof(struct slot));
	d[1].q = calloc(QLEN, sizeof(struct slot));
	if (!d[0].q || !d[1].q)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	end = now_ns() + (unsigned long long)(atof(argv[5]) * 1e9);
	fprintf(stderr, "delayline: %s -> %s %s ms, back %s ms\n", argv[1], argv[2], argv[3],
		argv[4]);
	while (!stop && now_ns() < end) {
		struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
		long long w0 = give(&d[0]), w1 = give(&d[1]), w = 50000000; /* 50 ms at most */
		struct timespec ts;

		if (w0 >= 0 && w0 < w)
			w = w0;
		if (w1 >= 0 && w1 < w)
			w = w1;
		ts.tv_sec = w / 1000000000;
		ts.tv_nsec = w % 1000000000;
		if (ppoll(p, 2, &ts, NULL) > 0) {
			if (p[0].revents & POLLIN)
				take(&d[0]);
			if (p[1].revents & POLLIN)
				take(&d[1]);
		}
	}
	printf("passed %llu %llu dropped %llu %llu\n", d[0].passed, d[1].passed, d[0].dropped,
	       d[1].dropped);
	return 0;
}
