# Benchmarks: `make bench`. Each prints ratios against a baseline measured in the
# same run; performance targets are checked here, never in tests. A missed target is
# reported, not an error: only a broken benchmark fails `make bench`.
#   bench_pipeline.sh  in-kernel cost of xdp_pktlens vs a minimal flow counter (test_run)
#   bench_analyze.sh   pktlens analyze vs tshark and tcpdump on a 1M-packet capture
#   bench_live.sh      system CPU receiving 1M packets over veth, monitor vs nothing
#   bench_l7.sh        L7's cost live (on/off, vs ndpiReader -i IF; long and short flows)
#                      and offline (analyze vs ndpiReader on the nDPI sample captures)
#   (lib.sh: shell code the scripts source - veth lab, measured trafgen send, medians)
BENCH_BINS := $(BUILD)/bench/bench_pipeline

$(BUILD)/bench/bench_pipeline: bench/bench_pipeline.c bench/median.h $(LIB) $(SKELS) include/pktlens.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BUILD)/pktlens $(SKELS) $(BENCH_BINS)
	$(Q)for b in bench/bench_*.sh; do BUILD=$(BUILD) PKTLENS=$(abspath $(BUILD)/pktlens) $$b || exit 1; done

# bench_capture.sh: pktlens capture vs tcpdump on a live veth; it runs bench_filter for
# the in-kernel cost of a filter expression (BPF_PROG_TEST_RUN).
$(BUILD)/bench/bench_filter: bench/bench_filter.c bench/median.h $(LIB) $(SKELS) src/filter/cbpf.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BUILD)/bench/bench_filter

# `make test` builds the benchmarks too (without running them), so that a change of an
# interface they use cannot leave `make bench` broken unnoticed.
test-build: $(BENCH_BINS) $(BUILD)/bench/bench_filter
