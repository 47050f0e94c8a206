# Fuzzing with libFuzzer (clang): `make fuzz` builds the targets with
# -fsanitize=fuzzer,address,undefined into build/fuzz/ and runs each for FUZZ_SECONDS
# (default 60) on a seed corpus made at run time: generated captures and the filter
# test expressions, plus ../shared/corpus when it exists (read, never copied). A crash
# leaves its input in build/fuzz/ and fails the target. `make fuzz-ci` (in .ci/run) is the
# same with a fixed seed and a fixed number of runs (about 15 s each): reproducible.
#   fuzz_pcap  the capture reader and its link-type conversion (src/sources/pcap_file.c,
#              linktypes.c)
#   fuzz_cbpf  the classic-to-eBPF translator, raw programs and expressions (src/filter/)
#   fuzz_pkt_line  capture's text line for a hostile frame (src/sinks/pkt_line*.c): no
#              read beyond the captured bytes, one line of printable ASCII
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude -Isrc
FUZZ_BINS    := $(FUZZ_DIR)/fuzz_pcap $(FUZZ_DIR)/fuzz_cbpf $(FUZZ_DIR)/fuzz_pkt_line

$(FUZZ_DIR)/fuzz_pcap: tests/fuzz/fuzz_pcap.c src/sources/pcap_file.c src/sources/linktypes.c \
		src/util/log.c $(wildcard src/sources/*.h src/util/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_pcap.c src/sources/pcap_file.c \
		src/sources/linktypes.c src/util/log.c -lpcap -lbpf

$(FUZZ_DIR)/fuzz_cbpf: tests/fuzz/fuzz_cbpf.c $(wildcard src/filter/*.c src/filter/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_cbpf.c $(wildcard src/filter/*.c) \
		-lpcap -lbpf -lpthread

PKT_LINE_SRCS := $(wildcard src/sinks/pkt_line*.c) src/analysis/names.c

$(FUZZ_DIR)/fuzz_pkt_line: tests/fuzz/fuzz_pkt_line.c $(PKT_LINE_SRCS) \
		$(wildcard src/sinks/pkt_line*.h src/analysis/names.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_pkt_line.c $(PKT_LINE_SRCS)

# Seeds: small captures of the bench traffic mix (pcap, and through tshark's editcap
# when present pcapng and the same frames labelled with every other link type read) and every filter test expression, as fuzz_cbpf reads them.
fuzz-seeds: $(BUILD)/bench/bench_pipeline
	$(Q)rm -rf $(FUZZ_DIR)/seeds-pcap $(FUZZ_DIR)/seeds-cbpf $(FUZZ_DIR)/seeds-line
	$(Q)mkdir -p $(FUZZ_DIR)/seeds-pcap $(FUZZ_DIR)/seeds-cbpf
	$(Q)$(BUILD)/bench/bench_pipeline --write-pcap $(FUZZ_DIR)/seeds-pcap/mix.pcap 64 16
	$(Q)python3 tests/fuzz/frame_seeds.py $(FUZZ_DIR)/seeds-line $(FUZZ_DIR)/seeds-pcap/mix.pcap \
		$(wildcard $(CORPUS)/tcpdump/*.pcap)
	$(Q)if command -v editcap >/dev/null; then \
		editcap -F pcapng $(FUZZ_DIR)/seeds-pcap/mix.pcap $(FUZZ_DIR)/seeds-pcap/mix.pcapng; \
		for t in linux-sll linux-sll2 rawip null loop; do \
			editcap -T $$t $(FUZZ_DIR)/seeds-pcap/mix.pcap $(FUZZ_DIR)/seeds-pcap/$$t.pcap; \
		done; \
	fi
	$(Q)i=0; grep -v '^#' tests/filter/expressions.txt | grep -v '^$$' | while IFS= read -r e; do \
		i=$$((i + 1)); printf '\001%s' "$$e" >$(FUZZ_DIR)/seeds-cbpf/expr$$i; \
		printf '\003%s' "$$e" >$(FUZZ_DIR)/seeds-cbpf/expr$$i.tc; \
	done

FUZZ_PCAP_DIRS = $(FUZZ_DIR)/seeds-pcap $(wildcard $(CORPUS)/tcpdump)

fuzz: $(FUZZ_BINS) fuzz-seeds
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pcap -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		-print_final_stats=1 $(abspath $(FUZZ_PCAP_DIRS))
	$(Q)cd $(FUZZ_DIR) && ./fuzz_cbpf -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 seeds-cbpf
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pkt_line -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
		-print_final_stats=1 seeds-line

fuzz-ci: $(FUZZ_BINS) fuzz-seeds
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pcap -seed=1 -runs=300000 -max_len=65536 \
		-print_final_stats=1 $(abspath $(FUZZ_PCAP_DIRS))
	$(Q)cd $(FUZZ_DIR) && ./fuzz_cbpf -seed=1 -runs=20000 -max_len=4096 \
		-print_final_stats=1 seeds-cbpf
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pkt_line -seed=1 -runs=1000000 -max_len=2048 \
		-print_final_stats=1 seeds-line
	@echo "fuzz-ci: no crash in any target"

.PHONY: fuzz fuzz-seeds fuzz-ci
