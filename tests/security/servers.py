"""Start a real ``ssoconsole serve`` on a free loopback port for one test, and stop it after."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

CLI = str(Path(sys.executable).with_name("ssoconsole"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(env: dict, port: int, log: Path, *, workers: int = 1):
    """Yield the URL of ``ssoconsole serve`` on 127.0.0.1:``port``; the process is ended on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", str(workers), "--threads", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start: " + log.read_text()[-3000:])
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
