"""A real ``ssoconsole serve`` (or ``demo``) on a free loopback port for one test, stopped after.

The one way the tests start the console as its own process (tests/security,
tests/signin, tests/ops, tests/cli). ``tests/`` is on ``sys.path`` (it has no
``__init__.py``), so every test package imports it as ``console_process``.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLI = str(Path(sys.executable).with_name("ssoconsole"))
START_SECONDS = 60


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """End ``proc`` with SIGTERM (a graceful stop), then SIGKILL if it has not exited in 20 seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def wait_until_answering(
    port: int, proc: subprocess.Popen, log: Path, path: str = "/healthz"
) -> None:
    """Wait until ``GET path`` on ``port`` answers below 500; fail with the log's tail if ``proc`` exits or never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if _status(port, path) < 500:
                return
        except OSError:  # refused while the server binds, or slow to answer on a loaded machine
            pass
        assert proc.poll() is None, log.read_text()[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}: " + log.read_text()[-3000:])


@contextmanager
def serve(
    env: dict,
    port: int,
    log: Path,
    *,
    workers: int = 1,
    threads: int = 2,
    command: str = "serve",
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Yield the URL of ``ssoconsole COMMAND`` on 127.0.0.1:``port``, its output in ``log``; stop it on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [CLI, command, "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", str(workers), "--threads", str(threads), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answering(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
