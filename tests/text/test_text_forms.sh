#!/usr/bin/env bash
# test_text_forms.sh - capture's text forms (-t..-ttttt, -e, -x, -xx, -X, -XX, -A) next
# to tcpdump's on the same packets (see text_forms.py): crafted frames always; of the
# shared corpus (CORPUS, default ../shared/corpus) the classic Ethernet pcaps of the
# fast tier's fixed sample (tests/corpus/sample.txt), or with PL_TEST_FULL=1 those of
# the whole corpus.
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
: "${CORPUS:=$ROOT/../shared/corpus}"
files=()
if [ -d "$CORPUS" ]; then
	if [ "${PL_TEST_FULL:-0}" = 1 ]; then
		mapfile -t files < <(find "$CORPUS" -name '*.pcap' | sort)
	else
		mapfile -t files < <(sed "s|^|$CORPUS/|" "$ROOT/tests/corpus/sample.txt")
	fi
else
	echo "note: no shared corpus at $CORPUS: crafted frames only"
fi
exec "$PY" "$ROOT/tests/text/text_forms.py" "$TOOL" ${files[@]+"${files[@]}"}
