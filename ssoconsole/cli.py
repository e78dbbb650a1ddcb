"""The ``ssoconsole`` command (docs/rules.md#cli).

``migrate``, ``create-tenant``, ``create-user`` and ``create-api-token`` are
Django management commands of the apps they manage (``ssoconsole/<app>/management/commands``);
``serve`` and ``demo`` are handled here, because the base URL they are
given must reach the environment before Django reads its settings, in this
process and in every gunicorn worker. Any other word is passed to Django's
management utility, so ``ssoconsole check`` or ``ssoconsole shell`` work too.

Exit status: 0 on success, 2 for usage errors, 1 for failures; expected
failures print a sentence that says what happened and what to do, never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from ssoconsole.config import ConfigurationError, normalize_base_url

USAGE = """usage: ssoconsole COMMAND [OPTIONS]

commands:
  migrate                                   create or upgrade the database
  create-tenant --name NAME [--id UUID]     create a tenant; prints its id
  create-user --tenant ID --username U [--role R ...] [--password P] [--org ORG_ID]
                                            create a user (in the top organization by default)
  create-api-token --username U             create a REST API token; prints it
  create-scim-token --tenant ID [--name NAME]
                                            create a SCIM Secret Token for a tenant; prints it last
  serve [--host H] [--port N] [--base-url URL] [--workers N] [--threads N]
        [--trusted-proxies LIST] [--timeout S] [--graceful-timeout S] [--keepalive S]
        [--max-requests N] [--max-requests-jitter N]
                                            serve the console with gunicorn (docs/deployment.md)
  demo [--configured] [--host H] [--port N] [--base-url URL]
                                            seed the demo tenant and its dev IdP, then serve it;
                                            --configured also does the tutorial's seven SSO steps
  refresh-metadata [--all | --provider ID]  refresh IdP metadata fetched by URL now (also scheduled)
  purge-expired                             delete expired replay rows, sign-in requests and sessions
                                            now (also scheduled)
  reseal-sp-keys                            re-encrypt SP private keys after a secret-key rotation

Any other Django management command works too (e.g. `ssoconsole check`).
Run `ssoconsole COMMAND --help` for a command's options.
Configuration comes from the environment: DATABASE_URL, REDIS_URL, SSOCONSOLE_BASE_URL, SSOCONSOLE_DATA_DIR
(README.md lists the others).
"""

# Hyphenated names of the CLI contract (docs/rules.md#cli) and the management commands behind them.
MANAGEMENT_COMMANDS = {
    "create-tenant": "create_tenant",
    "create-user": "create_user",
    "create-api-token": "create_api_token",
    "create-scim-token": "create_scim_token",
}


def _fail(message: str, status: int = 1) -> int:
    print(f"ssoconsole: {message}", file=sys.stderr)
    return status


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssoconsole.settings")
    import django

    django.setup()


def _run_management_command(command: str, args: list[str]) -> int:
    _setup_django()
    from django.core.management import ManagementUtility, get_commands, load_command_class

    name = MANAGEMENT_COMMANDS.get(command, command)
    if command.startswith("-") or name not in get_commands():
        print(USAGE, file=sys.stderr)
        return _fail(f"unknown command {command!r}; the commands are listed above.", 2)
    try:
        if name != command:
            # Called directly so that usage messages say "ssoconsole create-tenant".
            load_command_class(get_commands()[name], name).run_from_argv(
                ["ssoconsole", command, *args]
            )
        else:
            ManagementUtility(["ssoconsole", command, *args]).execute()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _server_parser(command: str) -> argparse.ArgumentParser:
    def base_url(value: str) -> str:
        try:
            return normalize_base_url(value)
        except ConfigurationError as exc:
            raise argparse.ArgumentTypeError(
                str(exc).replace("SSOCONSOLE_BASE_URL", "--base-url")
            ) from None

    def port(value: str) -> int:
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise argparse.ArgumentTypeError(
                f"{value!r} is not a TCP port; use a number from 1 to 65535"
            )
        return int(value)

    def seconds(value: str) -> int:
        if not value.isdigit() or not 0 < int(value) <= 3600:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 1 to 3600")
        return int(value)

    def non_negative(value: str) -> int:
        if not value.isdigit() or int(value) > 10_000_000:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 0 to 10000000")
        return int(value)

    def count(value: str) -> int:
        if not value.isdigit() or not 0 < int(value) <= 64:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number from 1 to 64")
        return int(value)

    parser = argparse.ArgumentParser(
        prog=f"ssoconsole {command}", description="Serve the console with gunicorn."
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=port, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--base-url",
        type=base_url,
        help="public URL of the console, used for every absolute URL (default: $SSOCONSOLE_BASE_URL, else http://HOST:PORT)",
    )
    parser.add_argument("--workers", type=count, default=2, help="worker processes (default: 2)")
    # 2 x 2 measured best on 2 CPUs (docs/performance.md, "Server settings").
    parser.add_argument("--threads", type=count, default=2, help="threads per worker (default: 2)")
    parser.add_argument(
        "--trusted-proxies",
        metavar="LIST",
        help="addresses and CIDR networks of the reverse proxies in front, whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (default: $SSOCONSOLE_TRUSTED_PROXIES, else none)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=60,
        help="seconds a request may take before its worker is restarted (default: 60)",
    )
    parser.add_argument(
        "--graceful-timeout",
        type=seconds,
        default=20,
        help="seconds requests in flight get to finish on stop or restart (default: 20)",
    )
    parser.add_argument(
        "--keepalive",
        type=seconds,
        default=5,
        help="seconds an idle keep-alive connection from the proxy stays open (default: 5)",
    )
    parser.add_argument(
        "--max-requests",
        type=non_negative,
        default=0,
        help="restart a worker after this many requests, to bound memory growth (default: 0, never)",
    )
    parser.add_argument(
        "--max-requests-jitter",
        type=non_negative,
        default=0,
        help="add up to this many requests at random to --max-requests, so workers do not restart "
        "together (default: 0)",
    )
    if command == "demo":
        parser.description = (
            "Seed the demo tenant and the development identity provider's directory (idempotent), print the URLs "
            "and passwords, then serve. Single sign-on is left for you to configure by following "
            "docs/admin-guide.md, unless --configured is given."
        )
        parser.add_argument(
            "--configured",
            action="store_true",
            help="also do the tutorial's seven steps (dev IdP app, provider, mapping, orgs) so SSO works at once",
        )
    return parser


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _database_ready() -> str | None:
    """Return why the database cannot serve yet, or ``None`` when it can."""
    from django.db import DatabaseError, connection, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"cannot reach the database ({str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}); check DATABASE_URL."
    finally:
        connections.close_all()  # never share a connection with forked workers
    if pending:
        from django.conf import settings

        if settings.SSOCONSOLE_DEVIDP_ENABLED and {m.app_label for m, _ in pending} == {"devidp"}:
            # The database was migrated without the development identity provider, which has tables
            # of its own and is installed only while SSOCONSOLE_DEVIDP is set.
            return (
                f"the database is missing the development identity provider's {len(pending)} migration(s) "
                "(SSOCONSOLE_DEVIDP is set); run `SSOCONSOLE_DEVIDP=1 ssoconsole migrate` first, or unset "
                "SSOCONSOLE_DEVIDP to serve without it."
            )
        return (
            f"the database is missing {len(pending)} migration(s); run `ssoconsole migrate` first."
        )
    return None


def _unknown_limit_variables() -> str | None:
    """Say which ``SSOCONSOLE_LIMIT_*`` variables name no throttle (a typo would silently change nothing)."""
    import ssoconsole.urls  # noqa: F401 - imports every module that defines a throttle
    from ssoconsole.accounts import throttle
    from ssoconsole.config import limit_variable

    unknown = throttle.unknown_overrides()
    if not unknown:
        return None
    known = ", ".join(sorted(limit_variable(scope) for scope in throttle.REGISTRY))
    return f"{', '.join(limit_variable(s) for s in unknown)} names no throttle; the variables are: {known}."


def _warn_if_devidp_enabled() -> None:
    """Say loudly when ``serve`` mounts the development identity provider (SSOCONSOLE_DEVIDP).

    It is meant for ``ssoconsole demo``; on a real deployment it is an extra
    identity provider whose administrator can mint assertions for any user
    of its directory, so it must never be on without the operator noticing.
    """
    from django.conf import settings

    if settings.SSOCONSOLE_DEVIDP_ENABLED:
        print(
            "ssoconsole: WARNING: SSOCONSOLE_DEVIDP is set, so the development identity provider is served at "
            f"{settings.SSOCONSOLE_BASE_URL.rstrip('/')}/devidp/. It is for the demo only: anyone with its admin "
            "password can sign users in. Unset SSOCONSOLE_DEVIDP for production.",
            file=sys.stderr,
            flush=True,
        )


def _serve(command: str, args: list[str]) -> int:
    options = _server_parser(command).parse_args(args)
    if options.base_url is None:
        from_env = os.environ.get("SSOCONSOLE_BASE_URL")
        host = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
        options.base_url = normalize_base_url(from_env or f"http://{host}:{options.port}")
    # Before Django reads settings: the workers inherit this environment.
    os.environ["SSOCONSOLE_BASE_URL"] = options.base_url
    if options.trusted_proxies is not None:
        os.environ["SSOCONSOLE_TRUSTED_PROXIES"] = options.trusted_proxies
    from ssoconsole import server

    # Before anything imports prometheus_client: every worker then writes its metrics there.
    server.prepare_metrics_directory()
    if command == "demo":
        # The demo signs in through the built-in development identity provider, which is installed
        # (its models, tables and URLs) only with this set; the workers inherit it. Set, not defaulted:
        # a SSOCONSOLE_DEVIDP=0 left in the environment must not leave the demo without its IdP.
        os.environ["SSOCONSOLE_DEVIDP"] = "1"
    _setup_django()
    if command == "serve":
        _warn_if_devidp_enabled()
    problem = _unknown_limit_variables()
    if problem:
        return _fail(problem)
    if command == "demo":
        from django.core.management import call_command

        from ssoconsole import demo
        from ssoconsole.core.errors import DomainError

        call_command("migrate", verbosity=0)
        info = demo.seed_demo()
        try:
            configured = demo.configure_demo(info) if options.configured else None
        except DomainError as exc:
            return _fail(
                f"--configured could not set up single sign-on ({exc.code}: {exc}). Start without --configured and "
                "follow docs/admin-guide.md, or see docs/troubleshooting.md for this code."
            )
    from django.conf import settings

    # whitenoise serves from the app directories (WHITENOISE_USE_FINDERS) and
    # warns when STATIC_ROOT is missing, although serve needs no collectstatic.
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)
    if not _port_free(options.host, options.port):
        return _fail(
            f"port {options.port} on {options.host} is in use; stop the program that uses it or pass another --port."
        )
    problem = _database_ready()
    if problem:
        return _fail(problem)
    print(
        f"ssoconsole serving {options.base_url} on {options.host}:{options.port} with {options.workers} workers "
        f"x {options.threads} threads; stop with Ctrl+C or SIGTERM.",
        flush=True,
    )
    if command == "demo":
        print(demo.banner(info, configured), flush=True)
    server.run(
        host=options.host,
        port=options.port,
        workers=options.workers,
        threads=options.threads,
        tuning=server.Tuning(
            timeout=options.timeout,
            graceful_timeout=options.graceful_timeout,
            keepalive=options.keepalive,
            max_requests=options.max_requests,
            max_requests_jitter=options.max_requests_jitter,
        ),
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one ``ssoconsole`` command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help") and len(args) == 1:
        print(USAGE, file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    if args[0] == "help" and len(args) == 2:
        args = [args[1], "--help"]
    command, rest = args[0], args[1:]
    try:
        if command in ("serve", "demo"):
            return _serve(command, rest)
        return _run_management_command(command, rest)
    except ConfigurationError as exc:
        return _fail(f"configuration error: {exc}")
    except Exception as exc:  # noqa: BLE001 - only database errors are expected here
        from django.db import DatabaseError

        if not isinstance(exc, DatabaseError):
            raise
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return _fail(
            f"the database is not reachable or not ready ({first_line}); check DATABASE_URL, then try again."
        )
    except KeyboardInterrupt:
        return _fail("interrupted.", 130)


if __name__ == "__main__":
    sys.exit(main())
