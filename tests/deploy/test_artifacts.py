"""Every function's zip, unzipped alone and imported the way Lambda imports it, then invoked."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools import serverless_config
from tests.deploy.conftest import MAX_ZIP_BYTES, functions, lambda_resources

# The probes fixture runs every packaged function in a fresh CPython 3.12, two at a time (a minute
# or two): make test runs tests/deploy in one process (make pytest-deploy), so it runs once.

PROBE = Path(__file__).with_name("lambda_probe.py")
FUNCTIONS = sorted(functions())
ROUTES = {
    r.function: [r.method, r.path]
    for r in serverless_config.routes()
    if r.method != "ANY" and r.function != serverless_config.fallback_function()
}
# What the Lambda runtime has besides the standard library; nothing else may come from outside the zip.
RUNTIME_PACKAGES = {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"}
NEVER_IN_A_ZIP = ("boto3/", "botocore/", "s3transfer/", "tests/", "node_modules/", ".venv/", "devtools/")
ELF_X86_64 = 62


# Variables CloudFormation fills in at deploy time whose shape matters (a bucket's name): what
# the probe gets instead. Any other is given a stand-in by _resolved.
DEPLOY_TIME_VALUES = {
    "MEDIA_BUCKET": "probe-media-bucket",
    "SEARCH_BUCKET": "probe-search-bucket",
    "MEDIA_BASE_URL": "https://media.probe.example",
    "STOREFRONT_URL": "https://shop.probe.example",
}


def _resolved(value) -> str:
    """A variable as CloudFormation would hand it to the function, with a stand-in for what only
    a deploy knows: CORS_ALLOWED_ORIGINS names the storefront's distribution, for instance."""
    if isinstance(value, str):
        return value
    (function, argument), *_ = value.items()
    if function == "Fn::Join":
        return argument[0].join(_resolved(part) for part in argument[1])
    if function == "Fn::Sub":
        template = argument if isinstance(argument, str) else argument[0]
        return re.sub(r"\$\{([^}.]+)[^}]*\}", lambda m: f"{m.group(1).lower()}.example", template)
    if function in ("Ref", "Fn::GetAtt"):
        return f"{(argument if isinstance(argument, str) else argument[0]).lower()}.example"
    raise AssertionError(f"no stand-in for {value}")


def _variable(name: str, value) -> str:
    return value if isinstance(value, str) else DEPLOY_TIME_VALUES.get(name) or _resolved(value)


def _layer_dirs(properties: dict, package_dir: Path, template: dict, work: Path, name: str) -> list[str]:
    """Each layer of the function unzipped, as Lambda unzips them into /opt (python/ on sys.path)."""
    found = []
    for layer in properties.get("Layers", []):
        resource = template["Resources"][layer["Ref"]]
        zip_name = resource["Properties"]["Content"]["S3Key"].rsplit("/", 1)[-1]
        target = work / f"{name}-opt-{layer['Ref']}"
        with zipfile.ZipFile(package_dir / zip_name) as archive:
            archive.extractall(target)
        found.append(str(target / "python"))
    return found


def _probe(name: str, zip_path: Path, properties: dict, table: dict, ttl: dict | None, sites: dict, work: Path):
    task = work / name
    task.mkdir()
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    variables = properties["Environment"]["Variables"]
    job = {
        "task": str(task),
        "layers": properties.get("_layer_dirs", []),
        "handler": properties["Handler"],
        "runtime": sites["LAMBDA_RUNTIME_SITE"],
        "harness": sites["LAMBDA_HARNESS_SITE"],
        # only the variables the template gives this function: one it lacks fails its scenario
        "environment": {k: _variable(k, v) for k, v in variables.items()},
        "table": table,
        "ttl": ttl,
        "scenario": name,
        # An HTTP function's request is its handler's declared example, on this route.
        "route": ROUTES.get(name),
    }
    # -I: no environment variables, no user site, no script folder; -S: no site-packages.
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sites["LAMBDA_PYTHON"], "-I", "-S", str(PROBE), json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=work,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    if done.returncode != 0:
        return {"error": done.stderr[-4000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def probes(package_dir, template, lambda_python, tmp_path_factory):
    """Run every function's probe once, two at a time (each is its own fresh interpreter)."""
    resources = lambda_resources(template)
    table_name, table = next(
        (r["Properties"]["TableName"], r["Properties"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    )
    request = serverless_config.create_table_request(table_name, table)
    ttl = table.get("TimeToLiveSpecification")
    work = tmp_path_factory.mktemp("lambda-task")
    for name in FUNCTIONS:
        resources[name] = {
            **resources[name],
            "_layer_dirs": _layer_dirs(resources[name], package_dir, template, work, name),
        }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(
                _probe, name, package_dir / f"{name}.zip", resources[name], request, ttl, lambda_python, work
            )
            for name in FUNCTIONS
        }
        return {name: future.result() for name, future in futures.items()}


def test_every_function_is_packaged_individually_with_its_handler(package_dir, template):
    resources = lambda_resources(template)
    assert set(resources) >= set(FUNCTIONS)
    for name, function in functions().items():
        assert resources[name]["Handler"] == function["handler"]
        assert resources[name]["Runtime"] == "python3.12"
        assert resources[name]["Architectures"] == ["x86_64"]
        assert resources[name]["Code"]["S3Key"].endswith(f"/{name}.zip")
        assert (package_dir / f"{name}.zip").is_file()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_zip_holds_only_the_code_and_runtime_dependencies(package_dir, name):
    zip_path = package_dir / f"{name}.zip"
    only_some = serverless_config.load()["custom"]["functionPackages"]
    assert zip_path.stat().st_size <= MAX_ZIP_BYTES, f"{name}.zip is {zip_path.stat().st_size} bytes"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        # The module that imports stripe is in the payment functions' zips, and in no other.
        for prefix, owners in only_some.items():
            assert any(entry.startswith(prefix) for entry in names) == (name in owners), (prefix, name)
        handler_file = functions()[name]["handler"].rpartition(".")[0] + ".py"
        assert handler_file in names
        for entry in names:
            assert not entry.startswith(NEVER_IN_A_ZIP), entry
            # Bytecode only as deploy/plugins/function-zips.js adds it: one .pyc per source (checked below).
            assert not entry.endswith(".pyc") or "/__pycache__/" in f"/{entry}", entry
            assert not entry.startswith("src/") or entry.startswith("src/shop/"), entry
        for top in ("jwt/", "marshmallow/", "bcrypt/", "aws_lambda_powertools/"):
            assert any(entry.startswith(top) for entry in names), f"{top} is missing from {name}.zip"
        # Native code must be built for the Lambda runtime: x86-64 Linux, CPython 3.12 or the stable ABI.
        for entry in (e for e in names if e.endswith(".so")):
            assert ".abi3." in entry or ".cpython-312-x86_64-linux-gnu." in entry, entry
            header = archive.read(entry)[:20]
            assert header[:4] == b"\x7fELF", entry
            assert struct.unpack("<H", header[18:20])[0] == ELF_X86_64, entry


# Run by the runtime's CPython over every zip: each module's .pyc is there, made by this
# interpreter (its magic number and cache tag), hash-based and unchecked (PEP 552: flags 0b01, so
# CPython neither stats nor hashes the source on a read-only /var/task), and made from the very
# source in the zip (the hash in its header), with no .pyc that has no source.
BYTECODE_CHECK = """
import importlib.util, json, sys, zipfile
problems = []
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        sources = {n for n in names if n.endswith(".py")}
        compiled = {n for n in names if n.endswith(".pyc")}
        expected = {}
        for source in sources:
            folder, _, base = source.rpartition("/")
            tag = sys.implementation.cache_tag
            pyc = (folder + "/" if folder else "") + "__pycache__/" + base[:-3] + "." + tag + ".pyc"
            expected[pyc] = source
        problems += [(path, "missing", n) for n in sorted(set(expected) - compiled)]
        problems += [(path, "without a source", n) for n in sorted(compiled - set(expected))]
        for pyc in sorted(compiled & set(expected)):
            header = archive.read(pyc)[:16]
            if header[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(header[4:8], "little") != 0b01:
                problems.append((path, "not unchecked-hash bytecode of this CPython", pyc))
            elif header[8:16] != importlib.util.source_hash(archive.read(expected[pyc])):
                problems.append((path, "not compiled from the source beside it", pyc))
print(json.dumps({"problems": problems[:20], "count": len(problems), "tag": sys.implementation.cache_tag}))
"""


def test_every_module_ships_compiled_for_the_runtime(package_dir, lambda_python):
    zips = [str(package_dir / f"{name}.zip") for name in FUNCTIONS]
    done = subprocess.run(  # noqa: S603 - our own interpreter and check
        [lambda_python["LAMBDA_PYTHON"], "-I", "-S", "-c", BYTECODE_CHECK, *zips],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    found = json.loads(done.stdout)
    assert found["tag"] == "cpython-312"  # the Lambda runtime's (provider.runtime python3.12)
    assert found["count"] == 0, found["problems"]


def test_the_same_code_makes_the_same_zip(package_dir):
    """Zips that hold the same files are the same bytes: every entry has a fixed date, so a
    function's CodeSha256 changes only with its code, and a deploy updates no other function's
    code (once bytecode entries were dated with the packaging time, and every deploy changed
    every function)."""
    by_contents: dict[tuple, list[str]] = {}
    for name in FUNCTIONS:
        with zipfile.ZipFile(package_dir / f"{name}.zip") as archive:
            contents = tuple(sorted((entry.filename, entry.CRC, entry.file_size) for entry in archive.infolist()))
            dates = {entry.date_time for entry in archive.infolist()}
        assert len(dates) <= 2, f"{name}.zip: entries dated {sorted(dates)}"  # the Framework's and the plugins'
        by_contents.setdefault(contents, []).append(name)
    # The payment functions carry stripe_api.py; the others do not: at least two kinds.
    assert len(by_contents) >= 2
    for names in by_contents.values():
        assert len({(package_dir / f"{name}.zip").read_bytes() for name in names}) == 1, names


def test_no_packaged_function_can_turn_on_the_soaks_faults(package_dir):
    """The soak's faults (FAULT_SCHEDULE: DynamoDB, SNS, SQS, SES and the payment provider) live in
    devtools and are installed by the local server alone: no zip holds devtools, and no shop code in
    a zip reads the variable or names the modules that act on it."""
    for name in FUNCTIONS:
        with zipfile.ZipFile(package_dir / f"{name}.zip") as archive:
            for entry in archive.namelist():
                assert not entry.startswith("devtools/") and "/devtools/" not in entry, (name, entry)
                if entry.startswith("src/") and entry.endswith(".py"):
                    text = archive.read(entry)
                    for marker in (b"FAULT_SCHEDULE", b"provider_faults", b"fault_proxy"):
                        assert marker not in text, (name, entry, marker)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_handler_imports_alone_on_python312_and_answers_a_real_event(probes, package_dir, name):
    result = probes[name]
    assert "error" not in result, result.get("error")
    assert result["python"][:2] == [3, 12]
    # Imported from the unzipped artifact, not from the repository's src/.
    assert "/src/shop/handlers/" in result["handler_file"] and "lambda-task" in result["handler_file"]
    assert set(result["from_runtime"]) <= RUNTIME_PACKAGES, result["from_runtime"]
    assert "src.shop.handlers" in result["modules"]
    assert result["status"] == result["expected"], result["body"]
    if isinstance(result["status"], int) and result["status"] != 204 and _routed(name):
        body = json.loads(result["body"])
        assert body["success"] is (result["status"] < 400)


def test_the_functions_ssm_client_is_built_from_the_cut_model(probes):
    """AWS_DATA_PATH (serverless.yml) puts src/shop/aws_models first on botocore's search path:
    each function that read a secret did it with a client of the two reads only
    (devtools.aws_models), on the runtime's botocore, against moto."""
    made = {name: result["ssm_operations"] for name, result in probes.items() if result.get("ssm_operations")}
    assert {name for name, result in probes.items() if result.get("auth")} <= set(made)
    assert made and all(operations == ["GetParameter", "GetParameters"] for operations in made.values()), made


def _routed(name: str) -> bool:
    return any("http" in event for event in functions()[name].get("events") or [])


PILLOW_FUNCTIONS = {"processImage"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_only_process_image_has_pillow(package_dir, template, probes, name):
    """Pillow comes in processImage's layer only: no zip holds it and no other function can import
    it (the probe tried, on CPython 3.12 with Lambda's path); the zips' sizes are checked above."""
    zip_path = package_dir / f"{name}.zip"
    with zipfile.ZipFile(zip_path) as archive:
        assert not [e for e in archive.namelist() if e.startswith(("PIL/", "pillow"))], name
    layers = lambda_resources(template)[name].get("Layers", [])
    if name in PILLOW_FUNCTIONS:
        assert layers == [{"Ref": "PillowLambdaLayer"}]
        assert "/python/PIL/" in probes[name]["pillow"], probes[name]
    else:
        assert {"Ref": "PillowLambdaLayer"} not in layers and probes[name]["pillow"] is None, name


TANTIVY_FUNCTIONS = {"searchProducts", "listCategories", "indexProducts"}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_only_the_search_functions_have_tantivy(package_dir, template, probes, name):
    """tantivy comes in the search functions' layer only (docs/SEARCH.md): no zip holds it, and
    only they can import it (the probe tried, on CPython 3.12 with Lambda's path)."""
    with zipfile.ZipFile(package_dir / f"{name}.zip") as archive:
        assert not [e for e in archive.namelist() if e.startswith("tantivy")], name
    layers = lambda_resources(template)[name].get("Layers", [])
    if name in TANTIVY_FUNCTIONS:
        assert layers == [{"Ref": "TantivyLambdaLayer"}]
        assert "/python/tantivy/" in probes[name]["tantivy"], probes[name]
    else:
        assert {"Ref": "TantivyLambdaLayer"} not in layers and probes[name]["tantivy"] is None, name


def test_the_tantivy_layer_is_built_for_the_lambda_runtime(package_dir):
    with zipfile.ZipFile(package_dir / "tantivy.zip") as archive:
        names = archive.namelist()
        native = [e for e in names if e.endswith(".so") and e.startswith("python/tantivy/")]
        assert native, names
        for entry in native:
            header = archive.read(entry)[:20]
            assert header[:4] == b"\x7fELF" and struct.unpack("<H", header[18:20])[0] == ELF_X86_64, entry


def test_the_pillow_layer_is_built_for_the_lambda_runtime(package_dir):
    with zipfile.ZipFile(package_dir / "pillow.zip") as archive:
        names = archive.namelist()
        assert "python/PIL/Image.py" in names
        native = [e for e in names if e.endswith(".so") and e.startswith("python/PIL/")]
        assert any(".cpython-312-x86_64-linux-gnu." in e for e in native), native
        for entry in native:
            header = archive.read(entry)[:20]
            assert header[:4] == b"\x7fELF" and struct.unpack("<H", header[18:20])[0] == ELF_X86_64, entry


PAYMENT_FUNCTIONS = {
    "payOrder",
    "paymentWebhook",
    "createRefund",
    "cancelOrder",
    "updateOrderStatus",
    "expireOrders",
    "decideReturn",
    "reconcilePayments",
}
# The `stripe` library and what only it needs: in the stripe layer, never in a zip.
STRIPE_STACK = ("stripe/", "requests/", "charset_normalizer/", "certifi/")


def test_the_stripe_layer_goes_with_the_module_that_imports_it():
    """The functions that keep src/shop/providers/stripe_api.py (custom.functionPackages) are the
    payment functions, each of which gets the stripe layer below."""
    owners = serverless_config.load()["custom"]["functionPackages"]["src/shop/providers/stripe_api.py"]
    assert set(owners) == PAYMENT_FUNCTIONS


@pytest.mark.parametrize("name", FUNCTIONS)
def test_only_the_payment_functions_have_stripe(package_dir, template, probes, name):
    """stripe and its HTTP stack come in the payment functions' layer only: no zip holds them, and
    only those functions can import stripe (the probe tried, on CPython 3.12 with Lambda's path;
    the payment functions also paid or refunded with it against the stand-in, above)."""
    with zipfile.ZipFile(package_dir / f"{name}.zip") as archive:
        assert not [e for e in archive.namelist() if e.startswith(STRIPE_STACK)], name
    layers = lambda_resources(template)[name].get("Layers", [])
    if name in PAYMENT_FUNCTIONS:
        assert layers == [{"Ref": "StripeLambdaLayer"}]
        assert "/python/stripe/" in probes[name]["stripe"], probes[name]
    else:
        assert {"Ref": "StripeLambdaLayer"} not in layers and probes[name]["stripe"] is None, name


def test_the_stripe_layer_holds_the_library_and_its_http_stack_for_the_lambda_runtime(package_dir):
    """stripe, requests, charset_normalizer and certifi (its CA bundle), nothing the zips or the
    runtime already have (idna, typing_extensions, urllib3), native code for x86-64 CPython 3.12."""
    with zipfile.ZipFile(package_dir / "stripe.zip") as archive:
        names = archive.namelist()
        tops = {e.split("/")[1] for e in names if e.startswith("python/") and e.count("/") >= 2}
        packages = {t for t in tops if not t.endswith(".dist-info")}
        assert packages == {"stripe", "requests", "charset_normalizer", "certifi"}, tops
        assert "python/certifi/cacert.pem" in names
        for entry in (e for e in names if e.endswith(".so")):
            assert ".cpython-312-x86_64-linux-gnu." in entry or ".abi3." in entry, entry
            header = archive.read(entry)[:20]
            assert header[:4] == b"\x7fELF" and struct.unpack("<H", header[18:20])[0] == ELF_X86_64, entry
