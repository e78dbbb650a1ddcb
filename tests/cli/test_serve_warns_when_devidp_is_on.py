"""Security review: ``serve`` with the development identity provider switched on says so, loudly."""

from __future__ import annotations

import socket

from test_commands import migrated, run  # noqa: F401 - the module-scoped fixture is reused

__all__ = ["migrated"]


def test_serve_with_devidp_enabled_warns_on_stderr(migrated):  # noqa: F811
    """SSOCONSOLE_DEVIDP=1 mounts an IdP that mints assertions for its own users: never silently."""
    with socket.socket() as busy:  # a busy port stops serve right after the configuration is read
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run(migrated, "serve", "--port", str(busy.getsockname()[1]), SSOCONSOLE_DEVIDP="1")
    assert (
        "WARNING" in result.stderr
        and "SSOCONSOLE_DEVIDP" in result.stderr
        and "/devidp/" in result.stderr
    )


def test_serve_without_devidp_has_no_such_warning(migrated):  # noqa: F811
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run(migrated, "serve", "--port", str(busy.getsockname()[1]))
    assert "SSOCONSOLE_DEVIDP" not in result.stderr
