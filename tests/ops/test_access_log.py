"""Gunicorn's access lines: off by default (the request log has each request), redacted when on."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from gunicorn.config import Config

from ssoconsole.server import RedactingLogger


def _logger(monkeypatch, level: int) -> tuple[RedactingLogger, list[str]]:
    cfg = Config()
    cfg.set("logconfig_dict", {"version": 1, "disable_existing_loggers": False})
    logger = RedactingLogger(cfg)
    logger.access_log.setLevel(level)
    lines: list[str] = []
    monkeypatch.setattr(logger.access_log, "info", lambda fmt, atoms: lines.append(fmt % atoms))
    return logger, lines


def _request():
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/login?username=typed.person%40example.org",
        "PATH_INFO": "/login",
        "QUERY_STRING": "username=typed.person%40example.org",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    resp = SimpleNamespace(status="302 Found", headers=[], sent=0, response_length=0)
    req = SimpleNamespace(headers=[], method="GET", path="/login", query=environ["QUERY_STRING"])
    return resp, req, environ


def test_an_access_logger_below_info_builds_no_line(monkeypatch):
    logger, lines = _logger(monkeypatch, logging.WARNING)
    monkeypatch.setattr(
        RedactingLogger, "atoms", lambda *a: (_ for _ in ()).throw(AssertionError("built"))
    )
    resp, req, environ = _request()
    logger.access(resp, req, environ, request_time=SimpleNamespace(seconds=0, microseconds=1))
    assert lines == []


def test_an_access_line_when_enabled_has_the_typed_username_redacted(monkeypatch):
    logger, lines = _logger(monkeypatch, logging.INFO)
    resp, req, environ = _request()
    logger.access(resp, req, environ, request_time=SimpleNamespace(seconds=0, microseconds=1))
    assert len(lines) == 1
    assert "typed.person" not in lines[0] and "username=[redacted]" in lines[0]
