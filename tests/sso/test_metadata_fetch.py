"""Metadata by URL against a local HTTPS server whose certificate comes from a test CA made at test time."""

from __future__ import annotations

import ssl
import time

import pytest

from ssoconsole.core.errors import DomainError
from ssoconsole.sso import errors as e
from ssoconsole.sso.metadata_fetch import (
    DEFAULT_ALLOWED_HOSTS,
    MetadataFetcher,
    address_is_public,
    host_allowed,
)
from ssoconsole.sso.models import AuthProvider, MetadataSource
from ssoconsole.sso.providers import create_provider

from . import helpers
from .helpers import Route


def strict(**kwargs) -> MetadataFetcher:
    """A fetcher with production rules (private hosts not allowed), resolving through a fake DNS."""
    kwargs.setdefault("allow_private", False)
    return MetadataFetcher(**kwargs)


# --- pure URL rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, allowed",
    [
        ("login.microsoftonline.com", True),
        ("acme.okta.com", True),
        ("a.b.okta-emea.com", True),
        ("okta.com", False),
        ("evilokta.com", False),
        ("login.microsoftonline.com.evil.test", False),
        ("LOGIN.MICROSOFTONLINE.COM.", True),
        ("auth.pingone.eu", True),
        ("adfs.contoso.com", False),
        ("accounts.google.com", True),
        ("sso.jumpcloud.com", True),
        ("x.sso.jumpcloud.com", False),
    ],
)
def test_allow_list_matching(host, allowed):
    assert host_allowed(host, DEFAULT_ALLOWED_HOSTS) is allowed


@pytest.mark.parametrize(
    "address, public",
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("ff02::1", False),
        ("20.190.128.1", True),
        ("2603:1036::1", True),
    ],
)
def test_only_public_addresses_are_accepted(address, public):
    assert address_is_public(address) is public


def test_non_https_is_refused():
    with pytest.raises(e.MetadataURLNotHttps) as info:
        strict().check_url(
            "http://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml"
        )
    assert info.value.code == "sso.metadata_url_not_https" and "https://" in info.value.message


def test_custom_domain_is_refused_with_upload_advice():
    """AD FS and other custom domains are refused; the message says so and says to upload the file."""
    with pytest.raises(e.MetadataHostNotAllowed) as info:
        strict(resolver=lambda h, p: pytest.fail("must not resolve")).check_url(
            "https://adfs.contoso.com/FederationMetadata/2007-06/FederationMetadata.xml"
        )
    message = info.value.message
    assert "custom domains are not supported" in message and "upload" in message.lower()
    assert info.value.code == "sso.metadata_host_not_allowed" and info.value.field == "metadataUrl"


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "fd12::1"])
def test_allowed_host_resolving_to_internal_address_is_refused(address):
    """DNS that points a standard domain at an internal address is refused before any connection."""
    fetcher = strict(resolver=lambda h, p: ["20.190.128.1", address])
    with pytest.raises(e.MetadataAddressForbidden) as info:
        fetcher.fetch(
            "https://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml"
        )
    assert address in info.value.message


def test_ip_literal_and_localhost_are_refused_without_the_setting():
    with pytest.raises(e.MetadataHostNotAllowed):
        strict().check_url("https://127.0.0.1/metadata")
    with pytest.raises(e.MetadataHostNotAllowed):
        strict().check_url("https://localhost/metadata")


@pytest.mark.parametrize(
    "url, error",
    [
        ("", e.MetadataURLInvalid),
        ("https://", e.MetadataURLInvalid),
        ("https://u:p@acme.okta.com/m", e.MetadataURLInvalid),
        ("https://acme.okta.com:8443/m", e.MetadataURLInvalid),
        ("ftp://acme.okta.com/m", e.MetadataURLNotHttps),
        ("https://acme.okta.com:99999/m", e.MetadataURLInvalid),
    ],
)
def test_malformed_urls_are_refused(url, error):
    with pytest.raises(error):
        strict(resolver=lambda h, p: ["20.190.128.1"]).check_url(url)


def test_unresolvable_host():
    def nxdomain(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(e.MetadataHostUnresolvable):
        strict(resolver=nxdomain).check_url("https://nope.okta.com/app/x/sso/saml/metadata")


def test_setting_allows_private_hosts(settings):
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = True
    assert MetadataFetcher().check_url("https://127.0.0.1:8443/m").address == "127.0.0.1"
    settings.SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS = False
    with pytest.raises(e.MetadataHostNotAllowed):
        MetadataFetcher().check_url("https://127.0.0.1:8443/m")


def test_configurable_allow_list(settings):
    settings.SSOCONSOLE_METADATA_ALLOWED_HOSTS = ["idp.example.edu"]
    fetcher = MetadataFetcher(allow_private=False, resolver=lambda h, p: ["20.190.128.1"])
    assert fetcher.check_url("https://idp.example.edu/metadata").host == "idp.example.edu"
    with pytest.raises(e.MetadataHostNotAllowed):
        fetcher.check_url("https://login.microsoftonline.com/x")


# --- against the local HTTPS server -----------------------------------------------------------------


def test_fetch_over_verified_tls(https_idp, fetcher, metadata_a):
    https_idp.routes["/metadata.xml"] = Route(
        body=metadata_a, headers={"Content-Type": "application/xml"}
    )
    assert fetcher.fetch(https_idp.url("/metadata.xml")) == metadata_a


def test_name_is_checked_against_the_certificate_not_the_address(https_idp, fetcher, metadata_a):
    """Connecting to the resolved address still verifies the certificate for the host name (SNI)."""
    https_idp.routes["/m"] = Route(body=metadata_a)
    pinned = MetadataFetcher(
        allow_private=True, ssl_context=fetcher.ssl_context, resolver=lambda h, p: ["127.0.0.1"]
    )
    assert pinned.fetch(https_idp.url("/m", host="localhost")) == metadata_a


def test_untrusted_certificate_is_refused(https_idp, metadata_a):
    """Without the test CA the server's certificate is not trusted (certifi's CAs only)."""
    https_idp.routes["/m"] = Route(body=metadata_a)
    with pytest.raises(e.MetadataTLSFailed) as info:
        MetadataFetcher(allow_private=True).fetch(https_idp.url("/m"))
    assert "certificate" in info.value.message.lower()


def test_create_provider_from_url(tenant, admin, https_idp, fetcher, metadata_a):
    https_idp.routes["/fed/metadata.xml"] = Route(body=b"\xef\xbb\xbf" + metadata_a)
    p = create_provider(
        tenant,
        "Entra",
        metadata_url=https_idp.url("/fed/metadata.xml"),
        actor=admin,
        fetcher=fetcher,
    )
    assert p.metadata_source == MetadataSource.URL and p.metadata_url == https_idp.url(
        "/fed/metadata.xml"
    )
    assert p.entity_id == "https://sts.windows.net/test-tenant/" and p.next_refresh_at is not None


def test_same_host_redirect_is_followed(https_idp, fetcher, metadata_a):
    https_idp.routes["/old"] = Route(302, headers={"Location": "/new"})
    https_idp.routes["/new"] = Route(body=metadata_a)
    assert fetcher.fetch(https_idp.url("/old")) == metadata_a


@pytest.mark.parametrize(
    "location",
    [
        "https://localhost:{port}/m",
        "https://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:{port}/m",
        "https://10.0.0.1/m",
    ],
)
def test_redirect_to_another_host_is_refused(https_idp, fetcher, metadata_a, location):
    """A redirect elsewhere (another name, an internal address, plain http) is refused, not followed."""
    https_idp.routes["/m"] = Route(body=metadata_a)
    https_idp.routes["/r"] = Route(301, headers={"Location": location.format(port=https_idp.port)})
    with pytest.raises(e.MetadataRedirectRefused) as info:
        fetcher.fetch(https_idp.url("/r"))
    assert "upload" in info.value.message
    assert https_idp.hits == ["/r"]


def test_redirect_loop_stops(https_idp, fetcher):
    https_idp.routes["/a"] = Route(302, headers={"Location": "/b"})
    https_idp.routes["/b"] = Route(302, headers={"Location": "/a"})
    with pytest.raises(e.MetadataTooManyRedirects):
        fetcher.fetch(https_idp.url("/a"))


def test_url_that_never_answers_times_out_quickly(test_ca):
    silent = helpers.SilentServer()
    try:
        fetcher = MetadataFetcher(
            allow_private=True,
            ssl_context=test_ca.client_context(),
            connect_timeout=0.5,
            read_timeout=0.5,
        )
        started = time.monotonic()
        with pytest.raises(e.MetadataFetchTimeout) as info:
            fetcher.fetch(f"https://127.0.0.1:{silent.port}/metadata")
        assert time.monotonic() - started < 3
        assert "did not answer in time" in info.value.message
    finally:
        silent.close()


def test_connection_refused(fetcher):
    closed = helpers.SilentServer()
    port = closed.port
    closed.close()
    with pytest.raises(e.MetadataConnectionFailed) as info:
        fetcher.fetch(f"https://127.0.0.1:{port}/metadata")
    assert (
        info.value.code == "sso.metadata_connection_failed"
        and "try again in a few minutes" in info.value.message
        and info.value.transient
    )


def test_http_error_status(https_idp, fetcher):
    with pytest.raises(e.MetadataHTTPError) as info:
        fetcher.fetch(https_idp.url("/missing"))
    assert "404" in info.value.message


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_download_is_cut_off(https_idp, fetcher, chunked):
    """The cap holds whether or not the server declares the length: the body is streamed and counted."""
    https_idp.routes["/big"] = Route(
        body=b"<x>" + b" " * (2 * 1024 * 1024) + b"</x>", chunked=chunked
    )
    with pytest.raises(e.MetadataTooLarge) as info:
        fetcher.fetch(https_idp.url("/big"))
    assert info.value.code == "sso.metadata_too_large"


@pytest.mark.parametrize(
    "body, code",
    [(helpers.HTML_PAGE, "saml.metadata_not_xml"), (helpers.XML_BOMB, "saml.xml_forbidden")],
    ids=["html", "xml-bomb"],
)
def test_bad_documents_by_url_store_nothing(tenant, https_idp, fetcher, body, code):
    https_idp.routes["/m"] = Route(body=body, headers={"Content-Type": "text/html"})
    with pytest.raises(DomainError) as info:
        create_provider(tenant, "Bad", metadata_url=https_idp.url("/m"), fetcher=fetcher)
    assert info.value.code == code
    assert not AuthProvider.objects.exists()


def test_entities_descriptor_and_unsigned_metadata_by_url(tenant, https_idp, fetcher, idp_certs):
    https_idp.routes["/fed"] = Route(body=helpers.entities_metadata(50, idp_certs["a"]))
    https_idp.routes["/nocert"] = Route(body=helpers.idp_metadata(certs=[]))
    with pytest.raises(DomainError) as info:
        create_provider(tenant, "Fed", metadata_url=https_idp.url("/fed"), fetcher=fetcher)
    assert (
        info.value.code == "saml.metadata_entity_ambiguous" and "and 30 more" in info.value.message
    )
    with pytest.raises(DomainError) as info:
        create_provider(tenant, "NoCert", metadata_url=https_idp.url("/nocert"), fetcher=fetcher)
    assert info.value.code == "saml.metadata_no_signing_certificate"
    assert not AuthProvider.objects.exists()


def test_default_context_uses_a_ca_bundle(settings, test_ca):
    """SSOCONSOLE_METADATA_CA_BUNDLE replaces certifi's bundle (TLS-inspecting proxies)."""
    from ssoconsole.sso.metadata_fetch import default_ssl_context

    settings.SSOCONSOLE_METADATA_CA_BUNDLE = str(test_ca.pem_path)
    context = default_ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.okta.com/m",
        "https://acme.okta.com/pa th\n",
        "https://[::1/m",
        "https://acme.okta.com/%zz",
        "https://acme.okta.com/\x00",
        "https://xn--80ak6aa92e.okta.com/m",
        "https://bücher.okta.com/m",
        "https://acme.okta.com:0/m",
        "https://.okta.com/m",
        "https://acme.okta.com/" + "a" * 3000,
        12345,
        None,
    ],
)
def test_odd_urls_end_in_a_domain_error_never_a_crash(url):
    """Whatever an administrator pastes, the answer is a refusal with a sentence, not an exception."""
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(helpers.HTML_PAGE))

    fetcher = strict(resolver=lambda h, p: ["20.190.128.1"], transport=httpx.MockTransport(handler))
    try:
        fetcher.fetch(url)
    except DomainError as exc:
        assert exc.code.startswith("sso.") and exc.message
    else:  # a URL that made it through reaches the (mock) server and returns its body
        assert isinstance(url, str)


def test_injected_transport_sees_the_checked_address_and_the_name():
    """The request goes to the resolved address; Host and TLS server name carry the host name."""
    import httpx

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=httpx.ByteStream(b"<ok/>"))

    fetcher = strict(resolver=lambda h, p: ["20.190.128.1"], transport=httpx.MockTransport(handler))
    assert (
        fetcher.fetch(
            "https://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml?appid=1"
        )
        == b"<ok/>"
    )
    (request,) = seen
    assert (
        request.url.host == "20.190.128.1"
        and request.headers["host"] == "login.microsoftonline.com"
    )
    assert request.url.query == b"appid=1"
    assert request.extensions["sni_hostname"] == "login.microsoftonline.com"
    assert request.headers["accept-encoding"] == "identity"


def test_international_host_names_are_compared_in_idna(settings):
    settings.SSOCONSOLE_METADATA_ALLOWED_HOSTS = ["*.xn--bcher-kva.example"]
    fetcher = MetadataFetcher(allow_private=False, resolver=lambda h, p: ["20.190.128.1"])
    assert fetcher.check_url("https://idp.bücher.example/m").host == "idp.xn--bcher-kva.example"


def test_the_consoles_own_sp_metadata_url_is_named_as_such(settings):
    """A newcomer pastes the console's SP metadata URL: the refusal says what it is and what to paste."""
    from ssoconsole.sso.errors import MetadataURLIsOwnSP
    from ssoconsole.sso.metadata_fetch import MetadataFetcher

    settings.SSOCONSOLE_BASE_URL = "http://127.0.0.1:8000"
    own = "http://127.0.0.1:8000/sso/3f2c6f4e-6f0a-4d52-9a43-6c1d2e0b7a11/metadata"
    with pytest.raises(MetadataURLIsOwnSP) as refused:
        MetadataFetcher().check_url(own)
    assert "own service provider metadata" in refused.value.message
    assert "App Federation Metadata Url" in refused.value.message
