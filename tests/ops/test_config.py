"""The operations settings read from the environment, and the start-up check of limit variables."""

from __future__ import annotations

import pytest

from ssoconsole import cli
from ssoconsole.config import ConfigurationError, limit_variable, read_environment


def test_limits_are_read_from_their_variables():
    env = read_environment(
        {
            "SSOCONSOLE_LIMIT_SIGNIN_USERNAME": "10/600",
            "SSOCONSOLE_LIMIT_SSO_START_ADDRESS": "6000/600,600",
        }
    )
    assert env.limits == {"signin-username": (10, 600), "sso-start-address": (6000, 600, 600)}
    assert limit_variable("sso-start-address") == "SSOCONSOLE_LIMIT_SSO_START_ADDRESS"


@pytest.mark.parametrize("value", ["10", "0/600", "ten/600", "10/600,", "1/1,2,3"])
def test_a_malformed_limit_is_refused_with_the_format(value):
    with pytest.raises(ConfigurationError, match="COUNT/SECONDS"):
        read_environment({"SSOCONSOLE_LIMIT_SIGNIN_USERNAME": value})


def test_the_log_format_is_json_or_text():
    assert read_environment({}).log_format == "json"
    assert read_environment({"SSOCONSOLE_LOG_FORMAT": "TEXT"}).log_format == "text"
    with pytest.raises(ConfigurationError, match="json"):
        read_environment({"SSOCONSOLE_LOG_FORMAT": "xml"})


def test_serve_names_a_limit_variable_that_matches_no_throttle(settings):
    settings.SSOCONSOLE_THROTTLE = {"sso-start-adress": (1, 1)}
    problem = cli._unknown_limit_variables()
    assert "SSOCONSOLE_LIMIT_SSO_START_ADRESS names no throttle" in problem
    assert "SSOCONSOLE_LIMIT_SSO_START_ADDRESS" in problem
    settings.SSOCONSOLE_THROTTLE = {"sso-start-address": (1, 1)}
    assert cli._unknown_limit_variables() is None


def test_every_throttle_is_in_the_readme_table():
    from pathlib import Path

    import ssoconsole.urls  # noqa: F401 - defines every throttle
    from ssoconsole.accounts import throttle

    readme = (Path(cli.__file__).resolve().parent.parent / "README.md").read_text()
    for scope in throttle.REGISTRY:
        if not scope.startswith("test"):
            assert f"`{limit_variable(scope)}`" in readme, scope
