"""The dev IdP's own metadata URLs are answered in-process, so the demo's Step 3 "Enter URL" works on 127.0.0.1.

Everything else still goes through the fetcher's rules: the shortcut opens
no scheme, host or address to the network (docs/decisions/demo-metadata-url.md).
"""

from __future__ import annotations

import uuid

import pytest

from devidp.conftest import BASE_URL
from ssoconsole.devidp import services
from ssoconsole.devidp.local_metadata import federation_metadata
from ssoconsole.sso import errors as e
from ssoconsole.sso.metadata_fetch import MetadataFetcher
from ssoconsole.sso.metadata_store import read_metadata

pytestmark = pytest.mark.django_db


class NoNetwork:
    """A resolver that fails the test if the fetcher ever tries the network."""

    def __call__(self, host, port):
        raise AssertionError(f"the fetcher tried to resolve {host}:{port}")


def test_the_apps_metadata_url_is_answered_without_the_network(app):
    """Exactly the URL the SAML page shows yields the same document the public URL serves."""
    url = services.federation_metadata_url(app)
    assert url.startswith("http://")  # what the fetcher's rules would refuse
    body = MetadataFetcher(resolver=NoNetwork()).fetch(url)
    parsed = read_metadata(body, now=services.active_certificate(app).not_before).parsed
    assert parsed.entity_id == services.entity_id(app.directory)
    assert body.startswith(b"\xef\xbb\xbf")
    assert federation_metadata(app).count(b"X509Certificate>") == body.count(b"X509Certificate>")


def test_the_provider_can_be_created_from_the_url(app, tenant):
    """The console's create_provider path (Step 3, Enter URL) accepts the dev IdP's URL."""
    from ssoconsole.sso.providers import create_provider

    provider = create_provider(
        tenant, "Dev IdP", metadata_url=services.federation_metadata_url(app)
    )
    assert provider.metadata_url == services.federation_metadata_url(app)
    assert provider.sso_url_redirect == services.sso_url(app.directory)


@pytest.mark.parametrize(
    "suffix",
    [
        "devidp/{d}/federationmetadata/2007-06/other.xml?appid={a}",
        "devidp/{d}/saml2?appid={a}",
        "devidp/../admin/{d}/federationmetadata/2007-06/federationmetadata.xml?appid={a}",
        "devidp/{d}/federationmetadata/2007-06/federationmetadata.xml?appid={a}#x",
    ],
)
def test_other_urls_under_the_base_url_still_meet_every_rule(app, suffix):
    """Only the exact metadata shape is answered locally; the rest is refused as plain http."""
    url = f"{BASE_URL}/" + suffix.format(d=app.directory_id, a=app.id)
    with pytest.raises(e.MetadataURLNotHttps):
        MetadataFetcher(resolver=NoNetwork()).fetch(url)


def test_another_host_is_not_answered_locally(app):
    """The dev IdP's path on a different host is an ordinary URL for the fetcher."""
    url = services.federation_metadata_url(app).replace(BASE_URL, "http://evil.example")
    with pytest.raises(e.MetadataURLNotHttps):
        MetadataFetcher(resolver=NoNetwork()).fetch(url)


def test_a_stale_app_id_says_to_copy_the_url_again(app):
    """A deleted app (or a reset demo database) is a 404-like refusal with a next step, not an http complaint."""
    url = services.federation_metadata_url(app).replace(str(app.id), str(uuid.uuid4()))
    with pytest.raises(e.MetadataHTTPError, match="Copy the App Federation Metadata Url again"):
        MetadataFetcher(resolver=NoNetwork()).fetch(url)


def test_disabled_dev_idp_answers_nothing_locally(app, settings):
    """In a production configuration the shortcut does not exist: the URL is refused like any http URL."""
    url = services.federation_metadata_url(app)
    settings.SSOCONSOLE_DEVIDP_ENABLED = False
    with pytest.raises(e.MetadataURLNotHttps):
        MetadataFetcher(resolver=NoNetwork()).fetch(url)
