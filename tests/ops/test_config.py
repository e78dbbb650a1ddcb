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


# Variables that belong to the tools, not to a deployment's configuration.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def _variables_read(tree) -> set[str]:
    """Names read from an environment mapping: ``env.get("X")``, ``os.environ.get("X")``, ``os.environ["X"]``."""
    import ast

    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "setdefault")
            and ast.unparse(node.func.value) in ("env", "os.environ")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and ast.unparse(node.value) in ("env", "os.environ")
            and isinstance(node.slice, ast.Constant)
        ):
            found.add(node.slice.value)
    return found


def test_every_variable_the_product_reads_is_in_the_readme_table():
    """docs/rules.md#configuration: the README's table lists every variable a deployment can set."""
    import ast
    from pathlib import Path

    package = Path(cli.__file__).resolve().parent
    readme = (package.parent / "README.md").read_text()
    read = set()
    for path in package.rglob("*.py"):
        read |= _variables_read(ast.parse(path.read_text(encoding="utf-8")))
    assert {"SSOCONSOLE_BASE_URL", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"} <= read
    missing = sorted(v for v in read - NOT_CONFIGURATION if f"| `{v}` |" not in readme)
    assert not missing, f"add these variables to the README's configuration table: {missing}"
