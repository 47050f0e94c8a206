#!/bin/sh
# difftest in the production configuration (-P: wire length from the hook, tail call on
# a match, as capture and monitor load the filter). tests/run.sh passes no arguments,
# hence this wrapper. Run from the repository root; environment: BUILD (the build
# directory, default build), CORPUS, PL_TEST_FULL.
#
# -P differs from the default configuration only in where the wire length comes from and
# in the epilogue, and the generated frames exercise both (every generated link type,
# frames beyond one page, snapped frames): a translation whose XDP "len" counted only
# the first buffer, or whose TC "len" was off by 4, failed here with the generated frames
# alone (-G) as with the corpus sample too. So the fast tier runs -P on the generated
# frames only; PL_TEST_FULL=1 (the full tier) adds the whole corpus.
if [ -n "${PL_TEST_FULL:-}" ] && [ "$PL_TEST_FULL" != 0 ]; then
	exec "${BUILD:-build}/tests/difftest" -P "$@"
fi
exec "${BUILD:-build}/tests/difftest" -P -G "$@"
