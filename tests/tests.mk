# Test targets. `sudo make test` runs everything that this machine supports:
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
TOOL_BINS := $(BUILD)/tests/tools/deny_attach $(BUILD)/tests/tools/pcap_lines \
	$(BUILD)/tests/tools/tcx_progs

$(BUILD)/tests/tools/tcx_progs: tests/tools/tcx_progs.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/tools/deny_attach: tests/tools/deny_attach.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $<

$(BUILD)/tests/tools/pcap_lines: tests/tools/pcap_lines.c $(LIB)
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

test: deps test-build filter-tests
	$(Q)PKTLENS=$(abspath $(BUILD)/pktlens) CORPUS=$(CORPUS) BUILD=$(BUILD) tests/run.sh \
		$(UNIT_BINS) $(BPFT_BINS) $(FILTER_TEST_CMDS) \
		$(if $(wildcard $(CORPUS)),$(wildcard tests/corpus/*.sh)) $(TEXT_TESTS) $(E2E_TESTS)
