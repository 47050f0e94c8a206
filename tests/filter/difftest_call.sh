#!/bin/sh
# difftest with every load a call (-C, PL_FILTER_F_CALL_LOADS: the mode the translator
# picks for programs too large for the verifier's branch budget), on the generated frames
# (-G: every generated link type). The full tier's extra run; tests/run.sh passes no
# arguments, hence this wrapper. Run from the repository root; BUILD is the build
# directory (default build).
exec "${BUILD:-build}/tests/difftest" -C -G "$@"
