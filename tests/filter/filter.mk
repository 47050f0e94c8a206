# tests/filter/filter.mk - the classic BPF -> eBPF translator's tests.
# Included by the top Makefile; works standalone too:
#	make -f tests/filter/filter.mk filter-tests       (build)
#	make -f tests/filter/filter.mk filter-check       (build, run the fast tier; root for BPF)
#	make -f tests/filter/filter.mk filter-check-full  (build, run the full tier)
# Variables: CC, CFLAGS_EXTRA (e.g. sanitizers; default empty), BUILD (default build).
#
# FILTER_TEST_CMDS (fast tier, `make test`) and FILTER_FULL_CMDS (full tier, run with
# PL_TEST_FULL=1 in the environment) list the test commands for tests/run.sh. They run
# from the repository root and read BUILD, CORPUS (default ../shared/corpus) and
# PL_TEST_FULL from the environment:
#	test_cbpf          hand-written classic programs, expected verdicts
#	test_cbpf_random   random classic programs (seed 1) against libpcap's bpf_filter():
#	                   5000 programs; full tier 20000 (the first 5000 the same)
#	difftest           pcap_compile() output of every expression of expressions.txt
#	                   against libpcap's interpreter, wire length from a map: generated
#	                   frames of 9 link types + the corpus sample tests/corpus/sample.txt;
#	                   full tier: the whole corpus
#	difftest_prod.sh   the same in the production configuration (difftest -P): generated
#	                   frames only; full tier: the whole corpus
#	difftest_call.sh   (full tier only) difftest -C, every load a call, generated frames

CC           ?= cc
CFLAGS_EXTRA ?=
BUILD        ?= build

FILTER_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Iinclude -Isrc -Itests/lib
FILTER_LDLIBS := -lbpf -lpcap -lelf -lz -lpthread
FILTER_LIBSRC := $(wildcard src/filter/*.c)
FILTER_DEPS   := $(FILTER_LIBSRC) $(wildcard src/filter/*.h)

FILTER_TEST_BINS := $(BUILD)/tests/difftest $(BUILD)/tests/test_cbpf $(BUILD)/tests/test_cbpf_random
FILTER_TEST_CMDS := $(BUILD)/tests/test_cbpf $(BUILD)/tests/test_cbpf_random \
	$(BUILD)/tests/difftest tests/filter/difftest_prod.sh
FILTER_FULL_CMDS := $(FILTER_TEST_CMDS) tests/filter/difftest_call.sh

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
	BUILD=$(BUILD) tests/run.sh $(FILTER_TEST_CMDS)

filter-check-full: $(FILTER_TEST_BINS)
	BUILD=$(BUILD) PL_TEST_FULL=1 tests/run.sh $(FILTER_FULL_CMDS)
