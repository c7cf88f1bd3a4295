"""The AWS service models the functions load, cut to the operations the shop calls.

A boto3 client loads its service's whole model (botocore/data/<service>/<version>/service-2.json.gz)
and builds a method per operation. SSM's is 144 KB compressed and about 150 operations, of which
the shop calls two (config.py: GetParameters for the JWT secret and its `-previous`, GetParameter
for the Stripe secrets): about 30 to 40 ms of every authenticated cold start for a client that
sends one request (docs/BENCHMARKS.md, "Issue 33").

`python -m devtools.aws_models` writes src/shop/aws_models/<service>/<version>/service-2.json:
botocore's own model, with its metadata unchanged and only the named operations, the shapes
they reach (their errors included) and no documentation strings. The functions' environment
puts that folder first on botocore's model search path (AWS_DATA_PATH in serverless.yml, which
botocore reads when its session starts), so on Lambda an SSM client is built from it; the
endpoint rules, retries and everything else still come from the runtime's botocore. Nothing
else sets AWS_DATA_PATH: tests and `make run` use the full models.
tests/unit/test_aws_models.py fails when the file differs from what this module makes from the
installed botocore, or when the shop calls an SSM operation that is not in it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODELS = Path(__file__).resolve().parents[1] / "shop" / "aws_models"
# service -> the operations the shop calls on it
OPERATIONS = {"ssm": ("GetParameter", "GetParameters")}


def _undocumented(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _undocumented(item) for key, item in value.items() if key != "documentation"}
    if isinstance(value, list):
        return [_undocumented(item) for item in value]
    return value


def trimmed(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """`model` (a botocore service-2 model) with only `operations` and the shapes they reach."""
    shapes: dict[str, Any] = {}

    def reach(name: str) -> None:
        if name in shapes:
            return
        shape = shapes[name] = model["shapes"][name]
        for key in ("member", "key", "value"):
            if key in shape:
                reach(shape[key]["shape"])
        for member in shape.get("members", {}).values():
            reach(member["shape"])

    kept = {}
    for name in operations:
        operation = kept[name] = model["operations"][name]
        for key in ("input", "output"):
            if key in operation:
                reach(operation[key]["shape"])
        for error in operation.get("errors", []):
            reach(error["shape"])
    out = {key: model[key] for key in model if key not in ("operations", "shapes", "documentation")}
    return _undocumented(out | {"operations": kept, "shapes": dict(sorted(shapes.items()))})  # type: ignore[no-any-return]


def models() -> dict[Path, str]:
    """Relative path -> file text, from the installed botocore."""
    import botocore.loaders

    loader = botocore.loaders.Loader()  # the built-in models only, whatever AWS_DATA_PATH says
    out = {}
    for service, operations in OPERATIONS.items():
        version = loader.determine_latest_version(service, "service-2")
        model = trimmed(loader.load_service_model(service, "service-2", version), operations)
        out[Path(service, version, "service-2.json")] = json.dumps(model, indent=1, sort_keys=True) + "\n"
    return out


def main() -> None:
    for relative, text in models().items():
        path = MODELS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"{path.relative_to(MODELS.parents[1])}: {len(text):,} bytes")


if __name__ == "__main__":
    main()
