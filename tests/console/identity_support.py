"""Shared set-up of the Identity Management console tests: IdP metadata, a local HTTPS IdP, its settings.

The console calls the real services, which fetch over the network; the
HTTPS server and test CA of the sso tests stand in for the identity
provider, and the settings that allow 127.0.0.1 and that CA are set only in
the tests that use them.
"""

from __future__ import annotations

import functools

import pytest
from sso import helpers
from sso.conftest import https_idp, test_ca  # noqa: F401 - fixtures that the sso tests define

from ssoconsole.sso import metadata_store
from ssoconsole.sso.metadata_fetch import MetadataFetcher

from .conftest import idp_metadata  # noqa: F401 - re-exported for the test modules

ENTRA_ENTITY = "https://sts.windows.net/test-tenant/"


@pytest.fixture
def local_idp(settings, https_idp, test_ca):  # noqa: F811 - the imported fixtures
    """A metadata server on 127.0.0.1 that the console may fetch from, trusting the test CA for it."""
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)
    return https_idp


@pytest.fixture
def quick_timeouts(monkeypatch):
    """Shorten the fetcher's timeouts so a URL that never answers fails in about a second."""
    monkeypatch.setattr(
        metadata_store,
        "MetadataFetcher",
        functools.partial(MetadataFetcher, connect_timeout=0.5, read_timeout=0.5, deadline=1),
    )


def serve(
    server,
    path: str,
    body: bytes,
    status: int = 200,
    content_type: str = "application/samlmetadata+xml",
) -> str:
    """Publish ``body`` at ``path`` on the local IdP and return its URL."""
    server.routes[path] = helpers.Route(status, body, {"Content-Type": content_type})
    return server.url(path)
