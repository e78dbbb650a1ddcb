"""``ssoconsole serve``: the console under gunicorn, configured in code.

Gunicorn, not Django's development server: several worker processes with a
few threads each, access and error logs on stdout, and a graceful stop on
SIGTERM and on SIGINT (Ctrl+C), which let requests in flight finish.
The app is loaded once in the master (``preload_app``) so that a broken
configuration fails once, with one message, instead of in every worker.
"""

from __future__ import annotations

import signal
import sys

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger

from ssoconsole.core.redaction import redact_path, redact_query, redact_target

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s %(message)s"


class RedactingLogger(Logger):
    """Gunicorn's logger, with hand-off keys, typed usernames and SAML messages taken out of access lines.

    Every atom that carries the request target or the Referer is rewritten
    (``ssoconsole.core.redaction``), whatever ``access_log_format`` an
    operator picks.
    """

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


def gunicorn_options(*, host: str, port: int, workers: int, threads: int) -> dict:
    """Return the gunicorn settings of ``ssoconsole serve``."""
    stdout_handler = {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "stream": "ext://sys.stdout",
    }
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        "preload_app": True,
        "proc_name": "ssoconsole",
        "logger_class": RedactingLogger,
        "control_socket_disable": True,
        "post_worker_init": _init_worker,
        # Bounded request lines and headers, on top of Django's body limits.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": LOG_FORMAT}},
            "handlers": {"stdout": stdout_handler},
            "root": {"level": "INFO", "handlers": ["stdout"]},
            "loggers": {
                "gunicorn.error": {
                    "level": "INFO",
                    "handlers": ["stdout"],
                    "propagate": False,
                    "qualname": "gunicorn.error",
                },
                "gunicorn.access": {
                    "level": "INFO",
                    "handlers": ["stdout"],
                    "propagate": False,
                    "qualname": "gunicorn.access",
                },
            },
        },
    }


def run(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until SIGTERM or SIGINT; returns only when gunicorn stopped."""
    ConsoleServer(gunicorn_options(host=host, port=port, workers=workers, threads=threads)).run()
