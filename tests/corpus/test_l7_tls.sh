#!/usr/bin/env bash
# test_l7_tls.sh - tls.ja3.hash and tls.ja3s.hash of `analyze --eve` against tshark's
# tls.handshake.ja3 / ja3s on a few nDPI corpus captures (tests/corpus/l7_tls_ja3.py),
# among them TLS that nDPI 4.2 names POPS, SMTPS and IMAPS after the port; quic.version
# against tshark; the text report's category mix against ndpiReader's flows.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus}
PKTLENS=${PKTLENS:-$ROOT/build/pktlens}
if [ ! -d "$CORPUS/ndpi/pcap" ] || ! command -v tshark >/dev/null || ! command -v ndpiReader >/dev/null; then
	echo "skip: no $CORPUS/ndpi/pcap, tshark or ndpiReader"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "skip: analyze needs root"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
P=$CORPUS/ndpi/pcap
exec python3 "$ROOT/tests/corpus/l7_tls_ja3.py" "$PKTLENS" "$P/pops.pcapng" "$P/smtps.pcapng" \
	"$P/imaps.pcap" "$P/443-curl.pcap" "$P/443-firefox.pcap" "quic:$P/quic-29.pcap" \
	"quic:$P/quic_q46.pcap" "cat:$P/whatsapp_login_call.pcap"
