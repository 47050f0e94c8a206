# Benchmarks: `make bench`. Each prints ratios against a baseline measured in the
# same run; performance targets are checked here, never in tests.
bench: $(BUILD)/pktlens
	$(Q)for b in bench/*.sh; do BUILD=$(BUILD) PKTLENS=$(abspath $(BUILD)/pktlens) $$b || exit 1; done
