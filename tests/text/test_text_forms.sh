#!/usr/bin/env bash
# test_text_forms.sh - capture's text forms (-t..-ttttt, -e, -x, -xx, -X, -XX, -A) next
# to tcpdump's on the same packets: crafted frames, and every classic Ethernet pcap of
# $CORPUS/tcpdump when the shared corpus is there (see text_forms.py).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=build}"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TOOL=$BUILD/tests/tools/pcap_lines
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
if [ ! -x "$TOOL" ] || ! command -v tcpdump >/dev/null; then
	echo "skip text forms: needs $TOOL (make test-build) and tcpdump"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
CORPUS_TCPDUMP=
[ -n "${CORPUS:-}" ] && [ -d "$CORPUS/tcpdump" ] && CORPUS_TCPDUMP=$CORPUS/tcpdump
exec "$PY" "$ROOT/tests/text/text_forms.py" "$TOOL" $CORPUS_TCPDUMP
