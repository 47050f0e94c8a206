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
#   fuzz_config pktlens.conf(5) as any bytes (src/config/config.c over inih)
#   fuzz_serve the daemon's parsers of network input (src/serve/): query strings, request
#              bodies (json-c), the Authorization header, --listen
#   fuzz_l7_dns, _http, _tls, _ssh, _quic  pktlens's own L7 metadata parsers (src/l7/), one each
#   fuzz_l7_flow  a flow's IP packets through decoding, stream starts, every parser and the
#              EVE writer, whose lines must parse back as JSON objects; and through service
#              latency's pairing (src/perf/svc_track.c), whose figures must parse back too
#   fuzz_rules protect's rules and list files (src/mitigate/parse.c): errors name
#              file:line, every prefix read is masked and prints back to itself
#   fuzz_sigs  signature files (src/rules/): the rule parser, then the loaded rules matched
#              against a packet and metadata made of the same bytes (no half-load)
#   fuzz_dataset  dataset files of every type (src/rules/sig_dataset.c)
#   fuzz_ioc   detection's IOC lists (src/detect/ioc.c), addresses and domains: all or
#              nothing, duplicates merge
#   fuzz_timearg  the --since/--until times of pktlens query (src/history/timearg.c),
#              the query string of GET /api/v1/history/... (src/history/hparams.c) and
#              of GET /api/v1/alerts (src/serve/alerts_q.c)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude -Isrc
FUZZ_L7      := dns http tls ssh quic flow
FUZZ_L7_BINS := $(patsubst %,$(FUZZ_DIR)/fuzz_l7_%,$(FUZZ_L7))
FUZZ_BINS    := $(FUZZ_DIR)/fuzz_pcap $(FUZZ_DIR)/fuzz_cbpf $(FUZZ_DIR)/fuzz_pkt_line \
		$(FUZZ_DIR)/fuzz_serve $(FUZZ_DIR)/fuzz_config $(FUZZ_DIR)/fuzz_rules $(FUZZ_L7_BINS) \
		$(FUZZ_DIR)/fuzz_timearg $(FUZZ_DIR)/fuzz_sigs $(FUZZ_DIR)/fuzz_dataset \
		$(FUZZ_DIR)/fuzz_ioc

$(FUZZ_DIR)/fuzz_config: tests/fuzz/fuzz_config.c src/config/config.c src/util/log.c \
		src/config/config.h src/util/log.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_config.c src/config/config.c \
		src/util/log.c -linih -lbpf

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

SERVE_FUZZ_SRCS := src/serve/query.c src/serve/body.c src/serve/listen.c src/serve/token.c \
	src/serve/rules_body.c src/mitigate/parse.c src/mitigate/blocklist.c

$(FUZZ_DIR)/fuzz_serve: tests/fuzz/fuzz_serve.c $(SERVE_FUZZ_SRCS) $(wildcard src/serve/*.h) \
		$(wildcard src/mitigate/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_serve.c $(SERVE_FUZZ_SRCS) -ljson-c -lbpf

# The L7 parsers without nDPI (classify.c) and without the kernel's ring and maps
# (session.c, flow_ends.c): the targets fuzz pktlens's own parsing code.
L7_FUZZ_SRCS := $(filter-out src/l7/classify.c src/l7/session.c src/l7/flow_ends.c,$(wildcard src/l7/*.c)) \
	src/util/json_text.c src/perf/svc.c src/perf/svc_track.c src/sinks/json.c

$(FUZZ_DIR)/fuzz_l7_%: tests/fuzz/fuzz_l7.c $(L7_FUZZ_SRCS) $(wildcard src/l7/*.h src/perf/svc*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -DFUZZ_L7_$(shell echo $* | tr a-z A-Z) -o $@ \
		tests/fuzz/fuzz_l7.c $(L7_FUZZ_SRCS) -ljson-c -lgcrypt -lm

RULES_SRCS := src/mitigate/parse.c src/mitigate/blocklist.c

$(FUZZ_DIR)/fuzz_rules: tests/fuzz/fuzz_rules.c $(RULES_SRCS) $(wildcard src/mitigate/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_rules.c $(RULES_SRCS) -lbpf

# Signatures without the glue to L7 and the config (sig_run.c).
SIGS_FUZZ_SRCS := $(filter-out src/rules/sig_run.c,$(wildcard src/rules/*.c)) src/util/log.c

$(FUZZ_DIR)/fuzz_sigs $(FUZZ_DIR)/fuzz_dataset: tests/fuzz/fuzz_sigs.c $(SIGS_FUZZ_SRCS) \
		$(wildcard src/rules/*.h)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(if $(findstring dataset,$@),-DFUZZ_DATASET) -o $@ \
		tests/fuzz/fuzz_sigs.c $(SIGS_FUZZ_SRCS) -lhs -lpcre2-8 -lbpf
$(FUZZ_DIR)/fuzz_ioc: tests/fuzz/fuzz_ioc.c src/detect/ioc.c src/util/log.c src/detect/ioc.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_ioc.c src/detect/ioc.c src/util/log.c -lbpf

HIST_FUZZ_SRCS := src/history/timearg.c src/history/hparams.c src/serve/alerts_q.c

$(FUZZ_DIR)/fuzz_timearg: tests/fuzz/fuzz_timearg.c $(HIST_FUZZ_SRCS) src/history/history.h \
		src/serve/query.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_timearg.c $(HIST_FUZZ_SRCS)

# Seeds: small captures of the bench traffic mix (pcap, and through tshark's editcap
# when present pcapng and the same frames labelled with every other link type read) and every filter test expression, as fuzz_cbpf reads them.
fuzz-seeds: $(BUILD)/bench/bench_pipeline
	$(Q)rm -rf $(FUZZ_DIR)/seeds-pcap $(FUZZ_DIR)/seeds-cbpf $(FUZZ_DIR)/seeds-line \
		$(FUZZ_DIR)/seeds-serve $(FUZZ_DIR)/seeds-config $(FUZZ_DIR)/seeds-l7 \
		$(FUZZ_DIR)/seeds-rules $(FUZZ_DIR)/seeds-time $(FUZZ_DIR)/seeds-sigs \
		$(FUZZ_DIR)/seeds-dataset
	$(Q)mkdir -p $(FUZZ_DIR)/seeds-sigs $(FUZZ_DIR)/seeds-dataset
	$(Q)cp tests/fuzz/sigs-seeds/* $(FUZZ_DIR)/seeds-sigs/
	$(Q)printf '# c\nYmFkLmV4YW1wbGU=\n\nZXZpbA\n' >$(FUZZ_DIR)/seeds-dataset/string.lst
	$(Q)printf '198.18.0.1\n2001:db8::1\n' >$(FUZZ_DIR)/seeds-dataset/ip.lst
	$(Q)printf 'e7d705a3286e19ea42f587b344ee6865\n' >$(FUZZ_DIR)/seeds-dataset/md5.lst
	$(Q)mkdir -p $(FUZZ_DIR)/seeds-time && i=0 && \
		for t in 2026-12-07 2026-12-07T10:00 2026-12-07T10:00:05.5Z 2026-12-07T10:00+01:00 \
			2026-03-08T02:30 -90s -1h -7d -2w now @1796637600 '?since=-1h&top=5' \
			'?until=2026-12-07T10:00Z&interface=eth0' '?since=now&until=-1h' \
			'!since=-1h&severity=2&limit=10' '!interface=eth0&severity=4' '!limit=1&limit=2'; do \
		i=$$((i + 1)); printf '%s' "$$t" >$(FUZZ_DIR)/seeds-time/t$$i; done
	$(Q)mkdir -p $(FUZZ_DIR)/seeds-serve && i=0 && \
		while IFS= read -r l; do i=$$((i + 1)); printf '%b' "$$l" >$(FUZZ_DIR)/seeds-serve/s$$i; \
		done <tests/fuzz/serve_seeds.txt
	$(Q)python3 tests/fuzz/l7_seeds.py $(FUZZ_DIR)/seeds-l7 $(wildcard $(CORPUS)/ndpi/pcap/*.pcap)
	$(Q)mkdir -p $(FUZZ_DIR)/seeds-pcap $(FUZZ_DIR)/seeds-cbpf $(FUZZ_DIR)/seeds-config \
		$(FUZZ_DIR)/seeds-rules
	$(Q)cp tests/fuzz/rules-seeds/* $(FUZZ_DIR)/seeds-rules/
	$(Q)rm -rf $(FUZZ_DIR)/seeds-ioc && mkdir -p $(FUZZ_DIR)/seeds-ioc && \
		cp tests/fuzz/ioc-seeds/* $(FUZZ_DIR)/seeds-ioc/
	$(Q)cp docs/pktlens.conf.example $(FUZZ_DIR)/seeds-config/example.conf
	$(Q)printf '[monitor]\ninterface = veth0\njson = yes\n[analyze]\ntop = 3\n' \
		>$(FUZZ_DIR)/seeds-config/small.conf
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
	$(Q)cd $(FUZZ_DIR) && ./fuzz_serve -max_total_time=$(FUZZ_SECONDS) -max_len=4200 \
		-print_final_stats=1 seeds-serve
	$(Q)cd $(FUZZ_DIR) && ./fuzz_config -max_total_time=$(FUZZ_SECONDS) -max_len=2048 \
		-print_final_stats=1 seeds-config
	$(Q)cd $(FUZZ_DIR) && for t in $(FUZZ_L7); do ./fuzz_l7_$$t -max_total_time=$(FUZZ_SECONDS) \
		-max_len=16384 -timeout=10 -print_final_stats=1 seeds-l7/$$t || exit 1; done
	$(Q)cd $(FUZZ_DIR) && ./fuzz_rules -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 seeds-rules
	$(Q)cd $(FUZZ_DIR) && ./fuzz_timearg -max_total_time=$(FUZZ_SECONDS) -max_len=128 \
		-print_final_stats=1 seeds-time
	$(Q)cd $(FUZZ_DIR) && ./fuzz_sigs -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-timeout=10 -print_final_stats=1 seeds-sigs
	$(Q)cd $(FUZZ_DIR) && ./fuzz_dataset -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 seeds-dataset
	$(Q)cd $(FUZZ_DIR) && ./fuzz_ioc -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 seeds-ioc

fuzz-ci: $(FUZZ_BINS) fuzz-seeds
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pcap -seed=1 -runs=300000 -max_len=65536 \
		-print_final_stats=1 $(abspath $(FUZZ_PCAP_DIRS))
	$(Q)cd $(FUZZ_DIR) && ./fuzz_cbpf -seed=1 -runs=20000 -max_len=4096 \
		-print_final_stats=1 seeds-cbpf
	$(Q)cd $(FUZZ_DIR) && ./fuzz_pkt_line -seed=1 -runs=1000000 -max_len=2048 \
		-print_final_stats=1 seeds-line
	$(Q)cd $(FUZZ_DIR) && ./fuzz_serve -seed=1 -runs=3000000 -max_len=4200 \
		-print_final_stats=1 seeds-serve
	$(Q)cd $(FUZZ_DIR) && ./fuzz_config -seed=1 -runs=500000 -max_len=2048 \
		-print_final_stats=1 seeds-config
	$(Q)cd $(FUZZ_DIR) && for t in $(FUZZ_L7); do ./fuzz_l7_$$t -seed=1 -runs=100000 \
		-max_len=16384 -timeout=10 -print_final_stats=1 seeds-l7/$$t || exit 1; done
	$(Q)cd $(FUZZ_DIR) && ./fuzz_rules -seed=1 -runs=300000 -max_len=4096 \
		-print_final_stats=1 seeds-rules
	$(Q)cd $(FUZZ_DIR) && ./fuzz_timearg -seed=1 -runs=2000000 -max_len=128 \
		-print_final_stats=1 seeds-time
	$(Q)cd $(FUZZ_DIR) && ./fuzz_sigs -seed=1 -runs=100000 -max_len=4096 -timeout=10 \
		-print_final_stats=1 seeds-sigs
	$(Q)cd $(FUZZ_DIR) && ./fuzz_dataset -seed=1 -runs=300000 -max_len=4096 \
		-print_final_stats=1 seeds-dataset
	$(Q)cd $(FUZZ_DIR) && ./fuzz_ioc -seed=1 -runs=300000 -max_len=4096 \
		-print_final_stats=1 seeds-ioc
	@echo "fuzz-ci: no crash in any target"

.PHONY: fuzz fuzz-seeds fuzz-ci
