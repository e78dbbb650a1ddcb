"""docs/deployment.md stays true: its systemd unit parses and runs real commands with real options."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import ssoconsole
from ssoconsole import cli, config

PAGE = Path(ssoconsole.__file__).resolve().parent.parent / "docs" / "deployment.md"


def _block(after_heading: str, language: str) -> str:
    text = PAGE.read_text()
    start = text.index(after_heading)
    match = re.compile(rf"```{language}\n(.*?)```", re.DOTALL).search(text, start)
    assert match, f"no ```{language} block after {after_heading!r}"
    return match.group(1)


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(_block("### The systemd unit", "ini"))
    return parser


def test_the_systemd_unit_has_its_three_sections_and_restarts_on_failure():
    unit = _unit()
    assert unit.sections() == ["Unit", "Service", "Install"]
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert unit["Service"]["EnvironmentFile"] == "/etc/ssoconsole/env"


def test_the_unit_runs_migrate_then_serve_with_options_the_cli_accepts():
    service = _unit()["Service"]
    pre = shlex.split(service["ExecStartPre"])
    assert pre[0].endswith("/ssoconsole") and pre[1:] == ["migrate"]
    start = shlex.split(service["ExecStart"])
    assert start[0].endswith("/ssoconsole") and start[1] == "serve"
    options = cli._server_parser("serve").parse_args(start[2:])
    assert (options.host, options.port) == ("127.0.0.1", 8000)
    assert options.max_requests > 0 and options.graceful_timeout < int(service["TimeoutStopSec"])


def test_the_environment_file_example_uses_only_variables_the_console_reads():
    example = _block("## One host behind nginx", "sh")
    names = [line.split("=", 1)[0] for line in example.splitlines() if "=" in line]
    source = Path(config.__file__).read_text()
    assert names and all(f'"{name}"' in source for name in names), names
    environ = dict(line.split("=", 1) for line in example.splitlines() if "=" in line)
    read = config.read_environment(environ)
    assert read.trusted_proxies and read.log_format == "json" and read.metrics_token


def test_every_serve_option_is_in_the_operator_table():
    text = PAGE.read_text()
    parser = cli._server_parser("serve")
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help" and flag != "--base-url":
                assert f"`{flag}" in text, f"{flag} is not documented in docs/deployment.md"
