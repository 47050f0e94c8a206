# Benchmarks: `make bench`. Each prints ratios against a baseline measured in the
# same run; performance targets are checked here, never in tests. A missed target is
# reported, not an error: only a broken benchmark fails `make bench`.
#   bench_pipeline.sh  in-kernel cost of xdp_pktlens vs a minimal flow counter (test_run)
#   bench_analyze.sh   pktlens analyze vs tshark and tcpdump on a 1M-packet capture
#   bench_live.sh      system CPU receiving 1M packets over veth, monitor vs nothing
#   bench_l7.sh        L7's cost live (on/off, vs ndpiReader -i IF; one long flow, long
#                      and short flows) and offline (analyze, one run for all files and one per file, vs ndpiReader per file)
#   bench_drops.sh     the same to a closed port, pktlens drops vs nothing vs perf stat
#   bench_protect.sh   the protect program vs monitor (test_run); block to first XDP drop
#   bench_protect_auto.sh flood onset to the first XDP drop of an automatic block (hping3, veth)
#   bench_rules.sh     signatures: load time of 10,000 rules; analyze's CPU with vs without
#   bench_api.sh       serve's API latency (p50/p99/max of 1,000 requests) under a flood
#   bench_tcp.sh       TCP RTT and health tracking: ns/packet added on ingress and egress
#   bench_detect.sh    detection's in-kernel cost (test_run); flood onset to first alert
#   bench_detect_cpu.sh detection's user-space CPU under a spoofed SYN flood (trafgen, veth)
#   (lib.sh: shell code the scripts source - veth lab, measured trafgen send, medians)
BENCH_BINS := $(BUILD)/bench/bench_pipeline

$(BUILD)/bench/bench_pipeline: bench/bench_pipeline.c bench/median.h bench/pin_cpu.h $(LIB) $(SKELS) include/pktlens.h
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

# bench_blocklist.sh: the blocklist lookup (bpf/blocklist.h) vs a plain LPM trie.
$(BUILD)/bench/bench_blocklist: bench/bench_blocklist.c bench/median.h bench/pin_cpu.h $(LIB) $(SKELS) include/pktlens.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BUILD)/bench/bench_blocklist
test-build: $(BUILD)/bench/bench_blocklist

# bench_protect.sh: the whole protect program vs the monitor program (test_run), and the
# time from `pktlens block` to the first XDP drop of a running flood (veth lab).
$(BUILD)/bench/bench_protect: bench/bench_protect.c bench/median.h bench/pin_cpu.h $(LIB) $(SKELS) include/pktlens.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BUILD)/bench/bench_protect
test-build: $(BUILD)/bench/bench_protect

# bench_tcp.sh: the in-kernel cost of TCP RTT and health tracking on ingress and egress.
$(BUILD)/bench/bench_tcp: bench/bench_tcp.c bench/median.h $(LIB) $(SKELS) include/pktlens.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(BUILD)/bench/bench_tcp
test-build: $(BUILD)/bench/bench_tcp
