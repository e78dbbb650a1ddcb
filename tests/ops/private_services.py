"""A private PostgreSQL cluster and a private Redis for one test, on free loopback ports, restartable.

PostgreSQL comes from Debian's ``/usr/lib/postgresql/*/bin`` (``initdb``,
``pg_ctl``); as root (CI) it runs as the ``postgres`` system user, since the
server refuses to run as root. Both are the test's own processes in a
temporary directory, stopped and removed by the test.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from console_process import free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"PostgreSQL's {name} is missing: install the postgresql package"
    return found[-1]


class PrivatePostgres:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.data = directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args[0]}: {done.stdout[-1500:]} {done.stderr[-1500:]}"

    def init(self) -> None:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
            " -c fsync=off -c max_connections=50"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "pg.log"),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """A fast shutdown (connections in use are cut), then a start with the same options."""
        self.stop()
        self.start()


@contextmanager
def private_postgres():
    directory = Path(tempfile.mkdtemp(prefix="ssoconsole-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
    server = PrivatePostgres(directory, free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        except AssertionError:
            pass  # already stopped
        shutil.rmtree(directory, ignore_errors=True)


class PrivateRedis:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory, self.port = directory, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"],
                check=False, capture_output=True, text=True, timeout=5,
            )  # fmt: skip
            if done.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise AssertionError("the private redis-server did not answer")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@contextmanager
def private_redis():
    directory = Path(tempfile.mkdtemp(prefix="ssoconsole-redis-"))
    server = PrivateRedis(directory, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
