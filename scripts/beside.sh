#!/usr/bin/env bash
# Usage: scripts/beside.sh LOG BACKGROUND -- STEP [STEP...]
# `make BACKGROUND` runs in the background, its output in LOG, while `make STEP` runs for each STEP
# in turn in the foreground; every one is timed (scripts/timed.sh, TEST_TIMES). A failed step does
# not stop the next ones: all run, then LOG is printed and the exit code is 1 if any failed.
# make test runs the deploy rehearsal (one core: the Serverless CLI is one Node process) beside
# the suites that each start a local server.
set -u
log=$1
background=$2
shift 3
make=${MAKE:-make}
timed="$(dirname "$0")/timed.sh"
mkdir -p "$(dirname "$log")"
"$timed" "$background" "$make" --no-print-directory "$background" >"$log" 2>&1 &
pid=$!
echo "== make $background runs beside $*; its output follows them (and is in $log)"
failed=0
for step in "$@"; do
    "$timed" "$step" "$make" --no-print-directory "$step" || failed=1
done
wait "$pid" || failed=1
echo "== make $background (output of $log)"
cat "$log"
exit "$failed"
