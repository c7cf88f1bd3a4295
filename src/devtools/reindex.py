"""Rebuild the search index from the table and publish it as the next snapshot (docs/SEARCH.md).

    python -m devtools.reindex        (make reindex)

Against the running `make run` (its table, DynamoDB and local S3, from LOCAL_DATA_DIR/run.json),
by invoking indexProducts with {"rebuild": true} as AWS would run it. On AWS the same
invocation is the one-off: `aws lambda invoke --function-name shop-api-<stage>-indexProducts
--payload '{"rebuild": true}' --cli-binary-format raw-in-base64-out out.json`.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    from .aws_endpoint import environment
    from .local_env import configure_environment
    from .run_files import data_dir, running_state

    state = running_state()
    if state is None:
        print("error: no make run is running (start it first)", file=sys.stderr)
        return 2
    os.environ.update(environment(state.get("aws"), state["dynamodb"]))
    os.environ["TABLE_NAME"] = state["table"]
    configure_environment(secret_file=data_dir() / "jwt-secret")  # make run's own secret: cursors
    from .local_jobs import search_index

    print(json.dumps(search_index._invoke(search_index.FUNCTION, {"rebuild": True})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
