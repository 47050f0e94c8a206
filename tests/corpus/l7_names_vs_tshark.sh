#!/usr/bin/env bash
# l7_names_vs_tshark.sh - NOT YET IN `make test` (its name is not test_*.sh): pktlens
# is below the 99 % it checks (see README, L7). Run it by hand:
#	CORPUS=../shared/corpus [PL_TEST_FULL=1] tests/corpus/l7_names_vs_tshark.sh
# The DNS query names, TLS SNIs and HTTP hosts and URLs of
# `analyze --eve` against tshark's dns.qry.name, tls.handshake.extensions_server_name,
# http.host and http.request.uri on the same captures (tests/corpus/l7_names.py): per
# flow the first name of each kind must be tshark's for >= 99 % of the flows where
# tshark finds one; the disagreements are listed by file.
# Fast tier: the captures of tests/corpus/sample.txt in which tshark finds names
# (tests/corpus/l7_names_sample.txt); PL_TEST_FULL=1: every capture of both corpora.
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
else
	files=$(grep -v '^#' "$ROOT/tests/corpus/l7_names_sample.txt")
fi
targs=()
for f in $FIELDS; do targs+=(-e "$f"); done
passed=0 failed=0 n=0
for f in $files; do
	[ -f "$CORPUS/$f" ] || continue
	out=${f//\//_}
	timeout 60 tshark -n -r "$CORPUS/$f" -T fields -E separator=/t -E occurrence=a \
		-Y 'dns.qry.name or tls.handshake.extensions_server_name or http.request' \
		"${targs[@]}" >"$WORK/ts/$out.tsv" 2>/dev/null
	# Only captures where tshark finds a name need pktlens's view.
	[ -s "$WORK/ts/$out.tsv" ] || { rm -f "$WORK/ts/$out.tsv"; continue; }
	n=$((n + 1))
	timeout 60 "$PKTLENS" analyze -q -r "$CORPUS/$f" --eve - >"$WORK/pl/$out.json" 2>"$WORK/err"
	rc=$?
	# Exit 1 is a damaged or unreadable capture (said on stderr); never a signal.
	if [ $rc -gt 1 ]; then
		echo "FAIL $f: analyze exited $rc: $(head -c 300 "$WORK/err")"
		failed=$((failed + 1))
	fi
done
echo "captures with names (tshark): $n"
if python3 "$ROOT/tests/corpus/l7_names.py" --min 99 "$WORK/ts" "$WORK/pl"; then
	echo "ok   names agree with tshark (>= 99 % per kind)"
	passed=$((passed + 1))
else
	echo "FAIL names agree with tshark (>= 99 % per kind)"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
