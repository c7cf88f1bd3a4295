"""Inside the private network namespace: DynamoDB Local, and a relay to it from a loopback
socket of the machine (devtools.dynamodb_local explains the arrangement).

    python -m devtools.netns_bridge --listen-fd N --jar DynamoDBLocal.jar --data-dir DIR

`N` is a listening TCP socket bound on the machine's 127.0.0.1 before the namespace was made
(so it stays there); each connection accepted on it is relayed to 127.0.0.1:8000 here, where
the JVM listens. SIGTERM stops the JVM (it stops too if this process dies) and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess  # nosec B404  # ip and java: fixed commands
import sys
import threading
import time

INSIDE_PORT = 8000
# The client compiler only (C1): measured under make run's load on 2 cores, C2's compiler
# threads were about 70% of the JVM's CPU in its first minutes, taken from the requests it
# serves; C1 compiles in a fraction of that (docs/BENCHMARKS.md, "Where the time goes").
JIT = "-XX:TieredStopAtLevel=1"


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket) -> None:
    try:
        upstream = socket.create_connection(("127.0.0.1", INSIDE_PORT), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    for sock in (client, upstream):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
    back.start()
    _pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()


def _die_with_parent() -> None:
    """The JVM gets SIGTERM when this bridge dies, however it dies (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--jar", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--java", default="java")
    parser.add_argument("--jit", default=JIT, help="JVM options of the JIT (DYNAMODB_LOCAL_JIT; empty: the JVM's own)")
    args = parser.parse_args()
    listener = socket.socket(fileno=args.listen_fd)

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)  # noqa: S607  # nosec B603 B607
    jar_dir = os.path.dirname(args.jar)
    java = subprocess.Popen(  # noqa: S603  # nosec B603
        [
            args.java,
            "-Xms256m",
            f"-Xmx{args.heap}",
            *args.jit.split(),
            f"-Djava.library.path={jar_dir}/DynamoDBLocal_lib",
            "-jar",
            args.jar,
            "-sharedDb",
            "-dbPath",
            args.data_dir,
            "-disableTelemetry",
            "-port",
            str(INSIDE_PORT),
        ],
        cwd=args.data_dir,  # DynamoDB Local writes its metadata into its working directory
        preexec_fn=_die_with_parent,
    )

    def stop(signum: int, frame: object) -> None:
        java.terminate()
        try:
            java.wait(timeout=10)
        except subprocess.TimeoutExpired:
            java.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and java.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", INSIDE_PORT), timeout=0.5):
            break
        time.sleep(0.1)
    if java.poll() is not None:
        print(f"DynamoDB Local exited with status {java.returncode}", flush=True)
        return 1
    print("DynamoDB Local is up inside its network namespace", flush=True)
    threading.Thread(target=lambda: (java.wait(), os._exit(1)), daemon=True).start()
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_relay, args=(client,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
