#!/usr/bin/env bash
# test_talkers_tshark.sh - the kernel's own counts of addresses (sent and received),
# ports and ICMP types in `pktlens analyze --json`, held against tshark on captures the
# test writes (a spoofed flood with a small flow table, fragments, TSO frames, PPPoE,
# MPLS, ICMP errors, UDP services) and on the corpus sample (PL_TEST_FULL=1: all of it);
# see talkers_tshark.py.
: "${CORPUS:=$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus}"
command -v tshark >/dev/null || { echo "skip: tshark not installed"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools
trap 'rm -rf "$LAB_TMP"' EXIT

out=$LAB_TMP/out
"$PY" "$E2E_ROOT/tests/e2e/talkers_tshark.py" "$PKTLENS" "$LAB_TMP" "$CORPUS" "${PL_TEST_FULL:-0}" >"$out" 2>&1
rc=$?
closing='^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'
grep -v -E "$closing" "$out"
line=$(grep -E "$closing" "$out" | tail -n 1)
if [ -z "$line" ]; then
	fail "talkers_tshark.py" "exited $rc without a closing line"
else
	read -r p _ f _ s _ <<<"${line//,/}"
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + ${s:-0}))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "talkers_tshark.py" "exited $rc"
fi
finish
