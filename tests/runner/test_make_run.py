"""`make run` itself (python -m devtools.runner): DynamoDB Local by default, data and tokens kept
across a restart, reload on a change under src/, `make admin` against it in one command, the
seeded admin's password rules, the moto fallback, gunicorn's own errors in the envelope.

Each test starts the real supervisor on free ports with its own LOCAL_DATA_DIR."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import secrets
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests

from devtools import dynamodb_local, server_process
from devtools.server_process import free_port
from tests import leak_guard
from tests.api.conftest import raw

pytestmark = pytest.mark.blackbox
ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "Correct-Horse-9"
needs_dynamodb_local = pytest.mark.skipif(
    dynamodb_local.problem() is not None, reason=f"DynamoDB Local cannot run here: {dynamodb_local.problem()}"
)


def runner_env(data_dir: pathlib.Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DYNAMODB", "TABLE_NAME", "JWT_SECRET", "CORS_", "ADMIN_", "MEDIA_"))
    }
    env |= {
        "PYTHONPATH": str(ROOT / "src"),
        "PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "LOCAL_DATA_DIR": str(data_dir),
        "WORKERS": "2",
        "BCRYPT_ROUNDS": "4",
    }
    return env | overrides


@contextmanager
def running(env: dict[str, str], log: pathlib.Path):
    leak_guard.watch_file(log)
    leak_guard.watch_file(pathlib.Path(env["LOCAL_DATA_DIR"]) / "server.log")  # the request and job lines
    process = server_process.launch(env, log, timeout=120, module="devtools.runner")
    deadline = time.monotonic() + 30
    while "Ctrl-C stops" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # the banner follows the first healthy answer
    try:
        yield f"http://127.0.0.1:{env['PORT']}"
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert process.wait(timeout=60) == 0
    assert "Stopped." in log.read_text()


@dataclass
class Run:
    url: str
    env: dict[str, str]
    log: pathlib.Path
    web_dist: pathlib.Path


@pytest.fixture(scope="module")
def moto_run(tmp_path_factory):
    """One `make run` for the tests below: no Java here (JAVA names nothing), so moto; a built
    storefront in WEB_DIST; ADMIN_PASSWORD given."""
    folder = tmp_path_factory.mktemp("moto-run")
    dist = folder / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>shop</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (folder / "secret.txt").write_text("outside")
    env = runner_env(folder / "data", JAVA=str(folder / "no-java-here"), ADMIN_PASSWORD="Admin-Wins-123")
    env["WEB_DIST"] = str(dist)
    log = folder / "run.log"
    with running(env, log) as url:
        yield Run(url, env, log, dist)


def banner_admin_password(log: pathlib.Path) -> str:
    line = next(line for line in log.read_text().splitlines() if line.startswith("│ Demo admin: "))
    return line.split(" / ", 1)[1].split()[0]


def register(url: str, email: str) -> dict:
    reply = requests.post(
        f"{url}/auth/register", json={"email": email, "password": PASSWORD, "name": "Kim"}, timeout=30
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["data"]


def login(url: str, email: str, password: str) -> requests.Response:
    return requests.post(f"{url}/auth/login", json={"email": email, "password": password}, timeout=30)


@needs_dynamodb_local
def test_data_tokens_and_the_admin_password_survive_a_restart_on_dynamodb_local(tmp_path):
    data = tmp_path / "data"
    env = runner_env(data)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with running(env, first_log) as url:
        assert "on DynamoDB Local (private network namespace" in first_log.read_text()
        assert_private(data)
        token = register(url, "keeps@example.com")["token"]
        products = requests.get(f"{url}/products?limit=100", timeout=30).json()["data"]
        first_password = banner_admin_password(first_log)
        order_id = place_order(url, token, products[0]["id"])
        assert wait_for_email(url, order_id), "the order's email reached the outbox"
    with running(env | {"PORT": str(free_port())}, second_log) as url:
        output = second_log.read_text()
        assert "Seeded" not in output  # the catalogue is still there
        assert login(url, "keeps@example.com", PASSWORD).status_code == 200
        mine = requests.get(f"{url}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert mine.status_code == 200  # the token of the first run still verifies (same kept secret)
        again = requests.get(f"{url}/products?limit=100", timeout=30).json()["data"]
        assert [p["id"] for p in again] == [p["id"] for p in products]
        second_password = banner_admin_password(second_log)
        assert second_password != first_password
        assert "already there, its password set to this one" in output
        assert login(url, "admin@example.com", second_password).status_code == 200
        assert login(url, "admin@example.com", first_password).status_code == 401
        kept = requests.get(f"{url}/_local/outbox", params={"orderId": order_id}, timeout=30).json()["data"]
        assert [mail["eventType"] for mail in kept] == ["order.created"]  # the first run's email, kept once
    # FRESH=1 starts empty: the user is gone, the old token no longer verifies.
    with running(env | {"FRESH": "1", "ADMIN_PASSWORD": "Admin-Wins-123"}, tmp_path / "fresh.log") as url:
        assert login(url, "keeps@example.com", PASSWORD).status_code == 401
        assert (
            requests.get(f"{url}/orders", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 401
        )
        assert login(url, "admin@example.com", "Admin-Wins-123").status_code == 200
        assert requests.get(f"{url}/_local/outbox", timeout=30).json()["data"] == []


def place_order(url: str, token: str, product_id: str) -> str:
    address = {"street": "1 Main St", "city": "Springfield", "state": "IL", "zipCode": "62701", "country": "US"}
    body = {"items": [{"productId": product_id, "quantity": 1}], "shippingAddress": address}
    reply = requests.post(f"{url}/orders", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()["data"]["id"]


def wait_for_email(url: str, order_id: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if requests.get(f"{url}/_local/outbox", params={"orderId": order_id}, timeout=30).json()["data"]:
            return True
        time.sleep(0.5)
    return False


def assert_private(data: pathlib.Path) -> None:
    """DynamoDB Local's JVM runs in another network namespace, and the only way to it from here
    is the bridge's port on 127.0.0.1."""
    state = json.loads((data / "run.json").read_text())
    bridge_port = int(state["dynamodb"].rsplit(":", 1)[1])
    listening = pathlib.Path("/proc/net/tcp").read_text() + pathlib.Path("/proc/net/tcp6").read_text()
    bound = {
        (fields[1].split(":")[0], int(fields[1].split(":")[1], 16))
        for fields in (line.split() for line in listening.splitlines()[1:] if line.strip())
        if fields[3] == "0A"  # LISTEN
    }
    assert {address for address, port in bound if port == bridge_port} == {"0100007F"}  # 127.0.0.1 only
    java = [
        proc
        for proc in pathlib.Path("/proc").glob("[0-9]*")
        if pathlib.Path(_cmdline(proc).split(" ")[0]).name == "java" and str(data) in _cmdline(proc)
    ]
    assert java, "DynamoDB Local's JVM runs"
    assert all(os.readlink(proc / "ns" / "net") != os.readlink("/proc/self/ns/net") for proc in java)


def _cmdline(proc: pathlib.Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_make_admin_promotes_a_user_of_the_running_server_in_one_command(moto_run, tmp_path):
    url, env = moto_run.url, moto_run.env
    register(url, "promote.me@example.com")

    def promote() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "devtools.admin", "promote", "promote.me@example.com"],
            env={k: v for k, v in env.items() if k not in ("PORT", "WEB_PORT")},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    done = promote()
    assert done.returncode == 0, done.stderr
    assert "is now an admin" in done.stdout and "next sign-in carries the role" in done.stdout
    assert login(url, "promote.me@example.com", PASSWORD).json()["data"]["user"]["role"] == "admin"
    again = promote()
    assert again.returncode == 0, again.stderr
    assert "is already an admin" in again.stdout and "now an admin" not in again.stdout
    done = subprocess.run(
        [sys.executable, "-m", "devtools.admin", "promote", "promote.me@example.com"],
        env=env | {"LOCAL_DATA_DIR": str(tmp_path)},  # where no make run runs
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: no make run is running")
    assert "Traceback" not in done.stderr


def test_without_java_it_falls_back_to_moto_and_says_why_in_one_line(moto_run):
    lines = [line for line in moto_run.log.read_text().splitlines() if "DynamoDB Local is not used" in line]
    assert len(lines) == 1
    assert "Java was not found: install Java 17 or later" in lines[0]
    assert "falling back to moto" in lines[0]
    assert "table shop-api-local on moto (fallback; data not kept)" in moto_run.log.read_text()
    assert login(moto_run.url, "admin@example.com", "Admin-Wins-123").status_code == 200  # ADMIN_PASSWORD wins


def _serves(url: str, marker: str, times: int = 12, within: float = 15) -> float:
    """Seconds until `times` fresh connections in a row (any worker) answer `marker`."""
    started = time.monotonic()
    streak = 0
    while time.monotonic() - started < within:
        reply = requests.get(url, timeout=10)
        streak = streak + 1 if reply.status_code == 200 and reply.text == marker else 0
        if streak == times:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{url} did not answer {marker} from every worker within {within} s")


def test_a_change_under_src_reloads_the_workers_within_seconds_and_keeps_the_data(moto_run):
    url, log = moto_run.url, moto_run.log
    probe = ROOT / "src" / "devtools" / "local_routes" / f"reload_probe_{secrets.token_hex(4)}.py"
    register(url, "stays@example.com")
    path = f"/_local/{probe.stem}"
    assert requests.get(url + path, timeout=10).status_code == 404

    def write(marker: str) -> None:
        source = "from werkzeug.wrappers import Response\n"
        source += f"PREFIXES = ({path!r},)\ndef handle(request):\n    return Response({marker!r})\n"
        probe.write_text(source)

    try:
        write("first")
        _serves(url + path, "first")
        time.sleep(1)
        # Every worker now has the module imported: only new workers can answer the edit.
        write("edited")
        took = _serves(url + path, "edited")
    finally:
        probe.unlink()
    # About a second on an idle machine (docs/BENCHMARKS.md): a figure, not a test (8 s once
    # under make test's two workers and coverage). A reload that never comes fails _serves' 15 s;
    # the log line and the data below tell a reload from a restart of everything.
    print(f"reload: every worker answered the edit {took:.2f} s after the write")
    assert "Reloaded after a change to src/devtools/local_routes/" in log.read_text()
    assert login(url, "stays@example.com", PASSWORD).status_code == 200  # the data outlived the reload


def test_http_level_errors_are_envelopes_with_the_security_headers_and_json_logs(moto_run):
    log = pathlib.Path(moto_run.env["LOCAL_DATA_DIR"]) / "server.log"  # the workers' lines
    secret_path = "/" + secrets.token_hex(12)
    port = int(moto_run.env["PORT"])
    for payload, status in (
        (f"GARBAGE {secret_path} NOT-HTTP\r\n\r\n".encode(), 400),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: %s\r\n" % (i, b"a" * 100) for i in range(200))
            + b"\r\n",
            431,
        ),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ):
        head, _, body = raw(port, payload).partition(b"\r\n\r\n")
        assert head.split(b" ")[1] == str(status).encode(), head
        assert b"Content-Type: application/json" in head
        assert b"X-Content-Type-Options: nosniff" in head and b"Strict-Transport-Security" in head
        envelope = json.loads(body)
        assert envelope["success"] is False and envelope["code"]
    time.sleep(0.2)
    output = log.read_text()
    assert secret_path not in output
    for line in output.splitlines():
        if line.startswith("{"):
            json.loads(line)
    refused = [json.loads(line) for line in output.splitlines() if '"request refused"' in line]
    assert sorted(entry["status"] for entry in refused) == [400, 414, 431]


def test_openapi_names_the_configured_address_whatever_the_host_header(moto_run):
    url = moto_run.url
    spec = requests.get(f"{url}/openapi.json", headers={"Host": "evil.example"}, timeout=10).json()
    assert spec["servers"] == [{"url": url, "description": "this local server"}]


def test_root_links_the_docs_and_the_own_origin_passes_cors(moto_run):
    url = moto_run.url
    home = requests.get(f"{url}/", timeout=10)
    assert home.status_code == 200
    assert all(f'href="{link}"' in home.text for link in ("/docs", "/openapi.json", "/health"))
    web = f"http://127.0.0.1:{moto_run.env['WEB_PORT']}"
    assert f'href="{web}"' in home.text
    for origin in (url, url.replace("127.0.0.1", "localhost"), web):
        preflight = requests.options(
            f"{url}/products", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10
        )
        assert preflight.headers.get("Access-Control-Allow-Origin") == origin


def test_the_storefront_is_served_on_its_own_port_with_spa_fallback(moto_run):
    env = moto_run.env
    web = f"http://127.0.0.1:{env['WEB_PORT']}"
    assert f"Storefront on {web}" in moto_run.log.read_text()
    assert requests.get(f"{web}/assets/app.js", timeout=10).text == "console.log(1)"
    for path in ("/", "/products/abc", "/orders"):
        reply = requests.get(web + path, timeout=10)
        assert reply.status_code == 200 and "<title>shop</title>" in reply.text
    # one build for any PORT: the site learns this run's API from config.json (web/src/config.ts)
    config = requests.get(f"{web}/config.json", timeout=10)
    assert config.status_code == 200 and config.json() == {"apiUrl": moto_run.url}
    assert config.headers["Content-Type"] == "application/json" and config.headers["Cache-Control"] == "no-store"
    escaped = raw(int(env["WEB_PORT"]), b"GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"outside" not in escaped
    assert b"<title>shop</title>" in escaped or b" 404 " in escaped.split(b"\r\n")[0]


def test_the_api_answers_while_the_storefront_builds_in_the_background(tmp_path):
    """A first run does not wait for npm and Vite: the API answers as soon as its workers do, the
    site's port says 503 "being built" (Retry-After) until the build has written web/dist, then
    serves it, and the banner's follow-up line says so. The build here waits for a file this test
    writes, so the order is the test's, not a race."""
    dist, go = tmp_path / "dist", tmp_path / "go"
    build = (
        "import pathlib, sys, time\n"
        f"go, dist = pathlib.Path({str(go)!r}), pathlib.Path({str(dist)!r})\n"
        "while not go.exists(): time.sleep(0.05)\n"
        "dist.mkdir(); (dist / 'index.html').write_text('<title>built</title>')\n"
    )
    env = runner_env(tmp_path / "data", DYNAMODB="moto", WEB_BUILD=f"{sys.executable} -c {shlex.quote(build)}")
    env["WEB_DIST"] = str(dist)
    log = tmp_path / "run.log"
    with running(env, log) as url:
        web = f"http://127.0.0.1:{env['WEB_PORT']}"
        assert requests.get(f"{url}/health", timeout=10).status_code == 200
        assert f"Storefront on {web} (web/dist, built in the background: it says when)" in log.read_text()
        waiting = requests.get(f"{web}/products/abc", timeout=10)
        assert waiting.status_code == 503 and waiting.headers["Retry-After"] == "5"
        assert "being built" in waiting.text and waiting.headers["Cache-Control"] == "no-store"
        go.write_text("")
        deadline = time.monotonic() + 30
        while "Storefront ready on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f"Storefront ready on {web}" in log.read_text()
        built = requests.get(f"{web}/products/abc", timeout=10)
        assert built.status_code == 200 and built.text == "<title>built</title>"


def test_a_failed_storefront_build_is_said_and_the_api_keeps_answering(tmp_path):
    env = runner_env(tmp_path / "data", DYNAMODB="moto", WEB_BUILD=f"{sys.executable} -c 'raise SystemExit(3)'")
    env["WEB_DIST"] = str(tmp_path / "dist")
    log = tmp_path / "run.log"
    with running(env, log) as url:
        deadline = time.monotonic() + 30
        while "build failed" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "The storefront's build failed (status 3; " in log.read_text()
        assert "web-build.log). The API is unaffected." in log.read_text()
        assert requests.get(f"{url}/health", timeout=10).status_code == 200
        assert requests.get(f"http://127.0.0.1:{env['WEB_PORT']}/", timeout=10).status_code == 503


def test_background_jobs_run_in_one_process_beside_the_workers(moto_run):
    supervisor = next(
        proc
        for proc in pathlib.Path("/proc").glob("[0-9]*")
        if "devtools.runner" in _cmdline(proc) and moto_run.env["LOCAL_DATA_DIR"] in _environ(proc)
    )
    children = [proc for proc in pathlib.Path("/proc").glob("[0-9]*") if _parent(proc) == supervisor.name]
    jobs = [proc for proc in children if "devtools.local_jobs" in _cmdline(proc)]
    assert len(jobs) == 1
    gunicorn = [proc for proc in children if "gunicorn" in _cmdline(proc)]
    assert len(gunicorn) == 1
    # The job threads yield the CPU to the requests (nice 10); the jobs process's main thread
    # (its drain at a reload) and the API keep the supervisor's priority.
    # (After a reload the jobs process may still be setting up, before its job threads start.)
    deadline = time.monotonic() + 15
    while (threads := _thread_nices(jobs[0])) != {_nice(supervisor), _nice(supervisor) + 10}:
        assert time.monotonic() < deadline, threads
        time.sleep(0.2)
    assert _nice(gunicorn[0]) == _nice(supervisor)
    deadline = time.monotonic() + 15  # after a reload, the old workers take a moment to finish
    while True:
        workers = [proc for proc in pathlib.Path("/proc").glob("[0-9]*") if _parent(proc) == gunicorn[0].name]
        if len(workers) == int(moto_run.env["WORKERS"]) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(workers) == int(moto_run.env["WORKERS"])


def _thread_nices(proc: pathlib.Path) -> set[int]:
    found = set()
    for task in (proc / "task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found.add(_nice(task))
    return found


def _nice(proc: pathlib.Path) -> int:
    return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[16])


def _parent(proc: pathlib.Path) -> str | None:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return None


def _environ(proc: pathlib.Path) -> str:
    try:
        return (proc / "environ").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_a_posted_jpeg_becomes_two_webps_from_the_workers(moto_run):
    """Issue 14's "done when" on make run itself: the form goes to a worker, the event to the
    jobs process through the shared local SQS, the renditions come back from a worker. The
    browser's preflight from the storefront's origin passes; another origin's does not."""
    import io

    from PIL import Image

    url = moto_run.url
    token = login(url, "admin@example.com", "Admin-Wins-123").json()["data"]["token"]
    product = requests.get(f"{url}/products?limit=1", timeout=30).json()["data"][0]["id"]
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(photo, "JPEG", quality=90)
    body = {"contentType": "image/jpeg", "contentLength": len(photo.getvalue())}
    started = requests.post(
        f"{url}/products/{product}/images", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert started.status_code == 201, started.text
    upload = started.json()["data"]["upload"]
    site = f"http://127.0.0.1:{moto_run.env['WEB_PORT']}"
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = requests.options(upload["url"], headers={**preflight, "Origin": site}, timeout=30)
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == site
    foreign = requests.options(upload["url"], headers={**preflight, "Origin": "https://evil.example"}, timeout=30)
    assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign.headers

    posted_at = time.monotonic()
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": photo.getvalue()}, timeout=30)
    assert posted.status_code == 204, posted.text
    # Only that the renditions arrive: how fast is no test's question (make test runs pytest on two
    # workers, and a timed wait fails on a busy machine, not on slow code).
    while True:
        images = requests.get(f"{url}/products/{product}", timeout=30).json()["data"].get("images", [])
        if images or time.monotonic() - posted_at > 60:
            break
        time.sleep(0.2)
    assert len(images) == 1, "no image listed within 60 s of the upload"
    for size, width in (("thumb", 320), ("large", 1280)):
        served = requests.get(images[0]["urls"][size], timeout=30)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"
        assert images[0]["urls"][size].startswith(f"{url}/media/")
        assert Image.open(io.BytesIO(served.content)).size == (width, width * 3 // 4)


def test_the_banner_lists_the_routes_ends_with_the_admin_in_a_box_and_request_logs_go_to_server_log(moto_run):
    assert requests.get(f"{moto_run.url}/products?limit=1", timeout=10).status_code == 200
    time.sleep(0.2)
    console = moto_run.log.read_text()
    banner = console.split("Editing a file under src/ reloads the workers.", 1)[1].splitlines()
    assert banner[1].startswith("┌") and banner[2].startswith("│ Demo admin: admin@example.com / ")
    assert banner[-1].startswith("└") or "Stopped." not in console  # nothing after the box but the stop
    assert "Request logs: " in console and "server.log (LOG_TO_CONSOLE=1 shows them here)" in console
    before_the_box = console.split("Editing a file under src/ reloads the workers.", 1)[0]
    assert "-> getProduct" in before_the_box  # the routes are printed, above the admin's box
    server_log = (pathlib.Path(moto_run.env["LOCAL_DATA_DIR"]) / "server.log").read_text()
    requests_logged = [json.loads(line) for line in server_log.splitlines() if '"message":"request"' in line]
    assert any(entry["route"] == "/products" for entry in requests_logged)
    assert '"message":"request"' not in console


def test_routes_prints_the_route_table_aligned_on_the_longest_path():
    done = subprocess.run(
        [sys.executable, "-m", "devtools.runner", "--routes"],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert any(line.split() == ["GET", "/products/{id}", "->", "getProduct"] for line in lines)
    assert len({line.index("->") for line in lines}) == 1  # one column, however long a path
