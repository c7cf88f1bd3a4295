#!/usr/bin/env bash
# Usage: scripts/timed.sh NAME COMMAND [ARGS...]
# Runs COMMAND, appends "NAME  SECONDS s  ok|failed (CODE)" to $TEST_TIMES (default
# .cache/test-times.txt) and exits with COMMAND's code: `make test` prints the file at the end.
set -u
file=${TEST_TIMES:-.cache/test-times.txt}
name=$1
shift
mkdir -p "$(dirname "$file")"
start=$(date +%s)
"$@"
code=$?
if [ "$code" -eq 0 ]; then verdict=ok; else verdict="failed ($code)"; fi
printf '%-22s %6s s  %s\n' "$name" "$(($(date +%s) - start))" "$verdict" >>"$file"
exit "$code"
