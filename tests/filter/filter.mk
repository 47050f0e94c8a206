# tests/filter/filter.mk - the classic BPF -> eBPF translator's tests.
# Included by the top Makefile; works standalone too:
#	make -f tests/filter/filter.mk filter-tests   (build)
#	make -f tests/filter/filter.mk filter-check   (build and run; needs root for BPF)
#	make -f tests/filter/filter.mk filter-check-full
#	    (also every frame as TC, and the call-load mode; a few minutes)
# Variables: CC, CFLAGS_EXTRA (e.g. sanitizers; default empty), BUILD (default build).
# FILTER_TEST_CMDS lists the test programs for tests/run.sh (run from the repo root;
# difftest reads tests/filter/expressions.txt and $CORPUS or ../shared/corpus).
#	test_cbpf         hand-written classic programs, expected verdicts
#	test_cbpf_random  random classic programs (seeded) against libpcap's bpf_filter()
#	difftest          pcap_compile() output of every expression against libpcap
#	difftest_prod.sh  the same in the production configuration (difftest -P)

CC           ?= cc
CFLAGS_EXTRA ?=
BUILD        ?= build

FILTER_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Iinclude -Isrc -Itests/lib
FILTER_LDLIBS := -lbpf -lpcap -lelf -lz -lpthread
FILTER_LIBSRC := $(wildcard src/filter/*.c)
FILTER_DEPS   := $(FILTER_LIBSRC) $(wildcard src/filter/*.h)

FILTER_TEST_BINS := $(BUILD)/tests/difftest $(BUILD)/tests/test_cbpf $(BUILD)/tests/test_cbpf_random
FILTER_TEST_CMDS := $(FILTER_TEST_BINS) tests/filter/difftest_prod.sh

.PHONY: filter-tests filter-check filter-check-full

filter-tests: $(FILTER_TEST_BINS)

$(BUILD)/tests/difftest: tests/filter/difftest.c tests/filter/gen_pkts.c tests/filter/tail_target.h $(FILTER_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FILTER_CFLAGS) $(CFLAGS_EXTRA) -o $@ tests/filter/difftest.c \
		tests/filter/gen_pkts.c $(FILTER_LIBSRC) $(FILTER_LDLIBS)

$(BUILD)/tests/test_cbpf: tests/filter/test_cbpf.c $(FILTER_DEPS) tests/lib/check.h
	@mkdir -p $(@D)
	$(CC) $(FILTER_CFLAGS) $(CFLAGS_EXTRA) -o $@ tests/filter/test_cbpf.c \
		$(FILTER_LIBSRC) $(FILTER_LDLIBS)

$(BUILD)/tests/test_cbpf_random: tests/filter/test_cbpf_random.c tests/filter/tail_target.h $(FILTER_DEPS) tests/lib/check.h
	@mkdir -p $(@D)
	$(CC) $(FILTER_CFLAGS) $(CFLAGS_EXTRA) -o $@ tests/filter/test_cbpf_random.c \
		$(FILTER_LIBSRC) $(FILTER_LDLIBS)

filter-check: $(FILTER_TEST_BINS)
	$(BUILD)/tests/test_cbpf
	$(BUILD)/tests/test_cbpf_random
	$(BUILD)/tests/difftest
	$(BUILD)/tests/difftest -P

filter-check-full: $(FILTER_TEST_BINS)
	$(BUILD)/tests/test_cbpf
	$(BUILD)/tests/test_cbpf_random -n 20000 -s 2
	$(BUILD)/tests/difftest -T
	$(BUILD)/tests/difftest -T -P
	$(BUILD)/tests/difftest -C
