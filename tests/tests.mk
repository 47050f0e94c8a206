# Test targets. `make test` (as root) runs everything that this machine supports:
# unit tests, BPF tests (BPF_PROG_TEST_RUN), the filter tests, the corpus tests
# when ../shared/corpus exists, and end-to-end tests on namespaces and veth.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BPFT_SRCS := $(wildcard tests/bpf/test_*.c)
UNIT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
BPFT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(BPFT_SRCS))
E2E_TESTS := $(sort $(wildcard tests/e2e/test_*.sh))
TEXT_TESTS := $(wildcard tests/text/test_*.sh)
CORPUS    ?= $(abspath ../shared/corpus)

$(BUILD)/tests/%: tests/%.c $(LIB) tests/lib/check.h $(wildcard tests/lib/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -Itests/lib -o $@ $< $(LIB) $(LDLIBS)

# deny_attach: runs a command with one attach step refused (the fault tests).
# pcap_lines: prints a pcap file as capture prints packets (held next to tcpdump's).
# tcx_progs: lists the programs on an interface's tcx ingress hook.
# l7_pcap: the L7 engine (src/l7/) over capture files with a user-space flow table.
TOOL_BINS := $(BUILD)/tests/tools/deny_attach $(BUILD)/tests/tools/pcap_lines \
	$(BUILD)/tests/tools/tcx_progs $(BUILD)/tests/tools/l7_pcap $(BUILD)/tests/tools/delayline

# delayline: an Ethernet bridge that holds each frame a set time (RTT ground truth).
$(BUILD)/tests/tools/delayline: tests/tools/delayline.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $<

$(BUILD)/tests/tools/tcx_progs: tests/tools/tcx_progs.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/tools/deny_attach: tests/tools/deny_attach.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $<

$(BUILD)/tests/tools/pcap_lines $(BUILD)/tests/tools/l7_pcap: $(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

test-build: $(BUILD)/pktlens $(UNIT_BINS) $(BPFT_BINS) $(TOOL_BINS)

test-unit: $(UNIT_BINS)
	$(Q)tests/run.sh $(UNIT_BINS)

test-bpf: $(BPFT_BINS)
	$(Q)tests/run.sh $(BPFT_BINS)

test-e2e: $(BUILD)/pktlens $(TOOL_BINS)
	$(Q)PKTLENS=$(abspath $(BUILD)/pktlens) tests/run.sh $(E2E_TESTS)

# Optional: runs when the shared corpus of real captures is present.
test-corpus: $(BUILD)/pktlens
	$(Q)if [ -d "$(CORPUS)" ]; then \
		PKTLENS=$(abspath $(BUILD)/pktlens) CORPUS=$(CORPUS) tests/run.sh tests/corpus/*.sh; \
	else echo "corpus $(CORPUS) not found: skipped"; fi

# Two tiers, one closing line each. `make test` (the README's command) is the fast tier:
# every kind of test, the corpus on its fixed sample (tests/corpus/sample.txt), built to
# take at most 5 minutes on 2 CPUs. `make test-full` (what .ci/run runs) adds the whole
# corpus and the long runs (PL_TEST_FULL=1). TEST_JOBS tests run side by side (run.sh -j);
# TEST_TIMEOUT is each test's time limit in seconds. Most end-to-end tests wait on the
# network and the verifier more than they compute: 4 side by side on 2 CPUs took the
# fast tier from 4m58s (3) to 4m12s, quiet.
TEST_JOBS    ?= 4
TEST_TIMEOUT ?= 300
# The full tier sweeps the whole corpus in single tests; the longest,
# tests/corpus/test_l7_names.sh (tshark and pktlens over 1370 captures), took 576 s of
# wall time beside the rest of the tier (4 jobs, other work running). Its limit stays
# below .ci/run's limit for the whole stage (1200 s), so that a hang is named there.
TEST_FULL_TIMEOUT ?= 1000
TEST_ENV      = PKTLENS=$(abspath $(BUILD)/pktlens) CORPUS=$(CORPUS) BUILD=$(BUILD)
CORPUS_TESTS  = $(if $(wildcard $(CORPUS)),$(wildcard tests/corpus/test_*.sh))

test: deps test-build filter-tests
	$(Q)$(TEST_ENV) tests/run.sh -j $(TEST_JOBS) -t $(TEST_TIMEOUT) \
		$(CORPUS_TESTS) $(TEXT_TESTS) $(FILTER_TEST_CMDS) $(E2E_TESTS) $(UNIT_BINS) $(BPFT_BINS)

test-full: deps test-build filter-tests
	$(Q)PL_TEST_FULL=1 $(TEST_ENV) tests/run.sh -j $(TEST_JOBS) -t $(TEST_FULL_TIMEOUT) \
		$(CORPUS_TESTS) $(TEXT_TESTS) $(or $(FILTER_FULL_CMDS),$(FILTER_TEST_CMDS)) \
		$(E2E_TESTS) $(UNIT_BINS) $(BPFT_BINS)
