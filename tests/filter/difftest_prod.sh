#!/bin/sh
# difftest in the production configuration (-P: wire length from the hook, tail call on
# a match, as capture and monitor load the filter). tests/run.sh passes no arguments,
# hence this wrapper; BUILD is the build directory (make test exports it).
exec "${BUILD:-build}/tests/difftest" -P "$@"
