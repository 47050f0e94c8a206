#!/usr/bin/env bash
# test_l7_names.sh - the DNS query names, TLS and QUIC SNIs and HTTP hosts and URLs of
# `analyze --eve` against tshark's dns.qry.name, tls.handshake.extensions_server_name,
# http.host and http.request.uri on the same captures (tests/corpus/l7_names.py): per
# flow the first name of each kind must be tshark's for >= 99 % of the plain flows where
# tshark finds one (the flows left out, and why, are in l7_names.py and the README's L7
# section; they are counted and listed too); the disagreements are listed by file.
# The fast tier: the dozen captures of tests/corpus/l7_names_fast.txt. PL_TEST_FULL=1:
# every capture of both corpora (tshark over both takes minutes). L7_NAMES_SAMPLE=1 (by
# hand): the captures of tests/corpus/l7_names_sample.txt (about 45 s).
# PL_KEEP=1 keeps the tshark and EVE files (the directory is printed).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
FIELDS="frame.number ip.src ip.dst ipv6.src ipv6.dst ip.proto ipv6.nxt tcp.srcport tcp.dstport
	udp.srcport udp.dstport dns.qry.name tls.handshake.extensions_server_name http.host
	http.request.uri frame.protocols _ws.expert.message"

if [ ! -d "$CORPUS" ] || ! command -v tshark >/dev/null; then
	echo "skip: no $CORPUS or no tshark"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
WORK=$(mktemp -d /tmp/pktlens-l7names.XXXXXX)
trap '[ -n "${PL_KEEP:-}" ] || rm -rf "$WORK"' EXIT
mkdir -p "$WORK/ts" "$WORK/pl"
[ -n "${PL_KEEP:-}" ] && echo "work directory: $WORK"
if [ "${PL_TEST_FULL:-0}" = 1 ]; then
	files=$(cd "$CORPUS" && find ndpi/pcap tcpdump -maxdepth 1 -type f \
		\( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
elif [ "${L7_NAMES_SAMPLE:-0}" = 1 ]; then
	files=$(grep -v '^#' "$ROOT/tests/corpus/l7_names_sample.txt")
else
	files=$(grep -v '^#' "$ROOT/tests/corpus/l7_names_fast.txt")
fi
# one FILE: tshark's names, then, when it found any, pktlens's EVE events; a failure
# of analyze goes to $WORK/fail. Two captures at a time (the full tier has 1370).
one() {
	local f=$1 out rc targs=()
	[ -f "$CORPUS/$f" ] || return 0
	for x in $FIELDS; do targs+=(-e "$x"); done
	out=${f//\//_}
	timeout 60 tshark -n -r "$CORPUS/$f" -T fields -E separator=/t -E occurrence=a \
		-Y 'dns.qry.name or tls.handshake.extensions_server_name or http.request' \
		"${targs[@]}" >"$WORK/ts/$out.tsv" 2>/dev/null
	# Only captures where tshark finds a name need pktlens's view.
	[ -s "$WORK/ts/$out.tsv" ] || { rm -f "$WORK/ts/$out.tsv"; return 0; }
	echo "$CORPUS/$f" >>"$WORK/named"
	return 0
}
export -f one
export CORPUS PKTLENS WORK FIELDS
passed=0 failed=0
printf '%s\n' $files | xargs -P 2 -I{} bash -c 'one "$1"' _ {}
# pktlens: one analyze over the captures with names (-V: the program loaded once), its
# EVE events split by their pcap_filename into one file per capture, as l7_names.py
# reads them.
if [ -s "$WORK/named" ]; then
	timeout $((30 * $(wc -l <"$WORK/named") + 60)) "$PKTLENS" analyze -q -V "$WORK/named" \
		--eve - >"$WORK/all.json" 2>"$WORK/all.err"
	rc=$?
	# Exit 1 is a damaged or unreadable capture (said on stderr); never a signal.
	[ $rc -gt 1 ] && echo "FAIL analyze exited $rc: $(head -c 300 "$WORK/all.err")" >>"$WORK/fail"
	python3 - "$WORK/all.json" "$WORK/pl" "$CORPUS/" <<'EOF'
import json, os, sys
out = {}
for line in open(sys.argv[1], errors="replace"):
    try:
        name = json.loads(line).get("pcap_filename", "")
    except ValueError:
        continue
    if name.startswith(sys.argv[3]):
        out.setdefault(name[len(sys.argv[3]):].replace("/", "_"), []).append(line)
for name, lines in out.items():
    with open(os.path.join(sys.argv[2], name + ".json"), "w") as f:
        f.writelines(lines)
EOF
fi
if [ -s "$WORK/fail" ]; then
	cat "$WORK/fail"
	failed=$(wc -l <"$WORK/fail")
fi
n=$(find "$WORK/ts" -name '*.tsv' | wc -l)
echo "captures with names (tshark): $n"
if python3 "$ROOT/tests/corpus/l7_names.py" --min 99 "$WORK/ts" "$WORK/pl"; then
	echo "ok   names agree with tshark (>= 99 % of the plain flows, per kind)"
	passed=$((passed + 1))
else
	echo "FAIL names agree with tshark (>= 99 % of the plain flows, per kind)"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
