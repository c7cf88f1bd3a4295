#!/usr/bin/env bash
# Usage: scripts/step.sh NAME COMMAND [ARGS...]
# One step of `make test`, which runs its steps side by side (make -j): says when it starts,
# keeps its output in $TEST_LOGS/NAME.log and prints it in one piece when it ends (never
# interleaved with another step's), appends "NAME  SECONDS s  ok|failed (CODE)" to $TEST_TIMES
# (printed at the end of make test), and exits with COMMAND's code.
set -u
times=${TEST_TIMES:-.cache/test-times.txt}
logs=${TEST_LOGS:-.cache/test-logs}
name=$1
shift
mkdir -p "$logs" "$(dirname "$times")"
log="$logs/$name.log"
echo "== $name: started at $(date -u +%H:%M:%S)"
start=$(date +%s)
"$@" >"$log" 2>&1 </dev/null
code=$?
seconds=$(($(date +%s) - start))
if [ "$code" -eq 0 ]; then verdict=ok; else verdict="failed ($code)"; fi
{
    flock 9
    echo "== $name: output ($log)"
    cat "$log"
    echo "== $name: $verdict after $seconds s"
    printf '%-22s %6s s  %s\n' "$name" "$seconds" "$verdict" >>"$times"
} 9>>"$logs/.lock"
exit "$code"
