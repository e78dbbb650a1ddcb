"""The waiting indicator and where the credentials live: no server needed."""

from __future__ import annotations

import io
from pathlib import Path

from ssoconsole_agent import config
from ssoconsole_agent.progress import Waiting


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_spinner_turns_and_counts_down_then_clears_its_line():
    stream, now = Tty(), [0.0]

    def sleep(seconds):
        now[0] += seconds

    waiting = Waiting(stream, sleep=sleep, monotonic=lambda: now[0])
    waiting.wait(1, deadline=600)
    waiting.done()
    text = stream.getvalue()
    assert "\r| Waiting for approval in the browser… 10:00 left" in text
    assert "\r/ Waiting" in text and "\r- Waiting" in text and "\r\\ Waiting" in text
    assert text.endswith("\r\033[K")
    assert now[0] == 1


def test_without_a_terminal_it_prints_a_plain_line_at_most_once_a_minute():
    stream, now = io.StringIO(), [0.0]

    def sleep(seconds):
        now[0] += seconds

    waiting = Waiting(stream, sleep=sleep, monotonic=lambda: now[0])
    for _ in range(13):  # 65 seconds of 5-second waits
        waiting.wait(5, deadline=600)
    assert stream.getvalue().splitlines() == [
        "Waiting for approval in the browser (10:00 left)…",
        "Waiting for approval in the browser (9:00 left)…",
    ]
    assert "\r" not in stream.getvalue()


def test_credentials_live_in_xdg_config_home_or_the_home_config_directory(tmp_path):
    assert config.credentials_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "ssoconsole-agent" / "credentials.json"
    )
    # The XDG specification: a relative XDG_CONFIG_HOME is invalid and ignored.
    assert config.credentials_path({"XDG_CONFIG_HOME": "relative"}) == (
        Path.home() / ".config" / "ssoconsole-agent" / "credentials.json"
    )
