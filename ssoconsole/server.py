"""``ssoconsole serve``: the console under gunicorn, configured in code.

Gunicorn, not Django's development server: several worker processes with a
few threads each, access and error logs on stdout, and a graceful stop on
SIGTERM and on SIGINT (Ctrl+C), which let requests in flight finish.
The app is loaded once in the master (``preload_app``) so that a broken
configuration fails once, with one message, instead of in every worker.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger

from ssoconsole.core.redaction import redact_path, redact_query, redact_target


def prepare_metrics_directory() -> str:
    """Give this server's workers a fresh directory for their metric files (prometheus multiprocess mode).

    Must run before ``prometheus_client`` is imported (it reads the variable then).
    The directory is removed when the master exits; an operator may set
    ``PROMETHEUS_MULTIPROC_DIR`` to choose it, and then it is only emptied.
    """
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if chosen:
        shutil.rmtree(chosen, ignore_errors=True)
        os.makedirs(chosen, mode=0o700, exist_ok=True)
        return chosen
    path = tempfile.mkdtemp(prefix="ssoconsole-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    master = os.getpid()
    # Workers are forked from this process and inherit the hook: only the master removes the directory.
    atexit.register(lambda: os.getpid() == master and shutil.rmtree(path, ignore_errors=True))
    return path


def _worker_exited(server, worker) -> None:
    """Drop the live-gauge files of a worker that ended (prometheus multiprocess bookkeeping)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class RedactingLogger(Logger):
    """Gunicorn's logger, with hand-off keys, typed usernames and SAML messages taken out of access lines.

    Every atom that carries the request target or the Referer is rewritten
    (``ssoconsole.core.redaction``), whatever ``access_log_format`` an
    operator picks.
    """

    def access(self, resp, req, environ, request_time):
        # The access logger is off by default (ssoconsole.ops.logs: ssoconsole.request logs each
        # request once); gunicorn would still build every atom of the line it then drops, about
        # 3 % of a sign-in's CPU.
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {redact_target(environ.get('RAW_URI', ''))} {protocol}"
        atoms["U"] = redact_path(environ.get("PATH_INFO") or "")
        atoms["q"] = redact_query(environ.get("QUERY_STRING") or "")
        atoms["f"] = redact_target(environ.get("HTTP_REFERER", "-"))
        for key in ("{raw_uri}e", "{request_uri}e", "{http_referer}e", "{referer}i"):
            if key in atoms:
                atoms[key] = redact_target(str(atoms[key]))
        if "{path_info}e" in atoms:
            atoms["{path_info}e"] = atoms["U"]
        if "{query_string}e" in atoms:
            atoms["{query_string}e"] = atoms["q"]
        return atoms


class GracefulArbiter(Arbiter):
    """Treat SIGINT like SIGTERM: finish requests in flight, then stop."""

    def handle_int(self):
        raise StopIteration  # the run loop then halts gracefully, as for SIGTERM


def _init_worker(worker) -> None:
    """Prepare a freshly forked worker: signals, then the metadata refresh thread."""
    # Ctrl+C signals the whole process group; the workers leave the decision
    # to the master, which stops them gracefully with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Started after the fork: a thread of the (preloaded) master would not exist
    # in the workers. The refresh lease keeps workers from doing the same work.
    from ssoconsole.sso.scheduler import start_scheduler

    start_scheduler()


class ConsoleServer(BaseApplication):
    """Gunicorn application for ``ssoconsole.wsgi:application`` with the given options."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__(prog="ssoconsole serve")

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from django.urls import get_resolver

        from ssoconsole.wsgi import application

        # Import every view and build the URL resolver (the API's routers and schemas among
        # them) here, in the master, once: the forked workers share it instead of each spending
        # most of a CPU second on it during its first request.
        get_resolver().reverse_dict  # noqa: B018 - reading it imports, builds and indexes them
        return application

    def run(self):
        try:
            GracefulArbiter(self).run()
        except RuntimeError as exc:
            print(f"ssoconsole serve: {exc}", file=sys.stderr)
            sys.exit(1)


@dataclass(frozen=True)
class Tuning:
    """The gunicorn settings an operator may change (``ssoconsole serve --timeout`` and so on)."""

    timeout: int = 60
    graceful_timeout: int = 20
    keepalive: int = 5
    max_requests: int = 0
    max_requests_jitter: int = 0


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, tuning: Tuning | None = None
) -> dict:
    """Return the gunicorn settings of ``ssoconsole serve``."""
    from django.conf import settings

    from ssoconsole.ops.logs import logging_config

    tuning = tuning or Tuning()
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": tuning.timeout,
        "graceful_timeout": tuning.graceful_timeout,
        "keepalive": tuning.keepalive,
        # Recycle a worker after this many requests (0: never), spread by the jitter.
        "max_requests": tuning.max_requests,
        "max_requests_jitter": tuning.max_requests_jitter,
        # The client address and scheme behind proxies are decided in one place,
        # ssoconsole.core.proxies (SSOCONSOLE_TRUSTED_PROXIES); gunicorn must not apply its own rule.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "preload_app": True,
        "proc_name": "ssoconsole",
        "logger_class": RedactingLogger,
        "control_socket_disable": True,
        "post_worker_init": _init_worker,
        "child_exit": _worker_exited,
        # Bounded request lines and headers, on top of Django's body limits.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        # The same lines as the app's own (SSOCONSOLE_LOG_FORMAT): gunicorn configures logging again.
        "logconfig_dict": logging_config(settings.SSOCONSOLE_LOG_FORMAT),
    }


def run(*, host: str, port: int, workers: int, threads: int, tuning: Tuning | None = None) -> None:
    """Serve until SIGTERM or SIGINT; returns only when gunicorn stopped."""
    options = gunicorn_options(
        host=host, port=port, workers=workers, threads=threads, tuning=tuning
    )
    ConsoleServer(options).run()
