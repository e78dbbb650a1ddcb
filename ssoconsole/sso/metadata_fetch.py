"""Download IdP metadata from a URL without becoming a proxy into the private network.

A metadata URL is typed by a tenant administrator and fetched by the server,
which makes it a server-side request forgery vector. The rules, in order:

1. https only, no credentials in the URL, default port only;
2. the host is a standard IdP domain from an allow-list (custom domains,
   AD FS among them, upload the file instead);
3. the name is resolved here, every address must be public, and the
   connection goes to the checked address, with TLS SNI and certificate
   verification for the name (so DNS cannot change the answer between the
   check and the connect);
4. the TLS certificate is verified against trusted CAs (certifi);
5. connect/read timeouts, an overall deadline, a streamed size cap;
6. redirects only to the same scheme, host and port, at most a few.

``SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS`` lifts rules 2 and 3 (and the port
rule) for local development and tests; TLS verification always stays on.

When the development identity provider is enabled (the demo), its own
metadata URLs under the configured base URL are answered in-process by the
local source it registers (``register_local_source``) before any rule applies, so that the
tutorial's "Enter URL" works on 127.0.0.1 without allowing http or loopback
for anything else (docs/decisions/demo-metadata-url.md).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import httpx
from django.conf import settings

from ssoconsole.sso import errors as e

DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = (
    # Microsoft Entra ID, its US government and China (21Vianet) clouds.
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
    # Okta (production, preview, EMEA cells).
    "*.okta.com",
    "*.oktapreview.com",
    "*.okta-emea.com",
    "accounts.google.com",
    "*.onelogin.com",
    # Ping Identity (PingFederate cloud and PingOne regions).
    "*.pingidentity.com",
    "*.pingone.com",
    "*.pingone.eu",
    "*.pingone.asia",
    "sso.jumpcloud.com",
    "*.duosecurity.com",
    "*.auth0.com",
)
MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
DEADLINE = 20.0

Resolver = Callable[[str, int], Sequence[str]]
# Answers a URL without the network, or returns None to let the rules and the download decide.
LocalSource = Callable[[str], "bytes | None"]

# Sources of metadata served by this very deployment, registered by the apps that serve them (the
# development identity provider registers itself when it is enabled); asked before any download.
_local_sources: list[LocalSource] = []


def register_local_source(source: LocalSource) -> None:
    """Let an app answer for metadata URLs it serves itself: ``source(url)`` returns bytes or None."""
    if source not in _local_sources:
        _local_sources.append(source)


def _registered_document(url: str) -> bytes | None:
    for source in _local_sources:
        document = source(url)
        if document is not None:
            return document
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` to its addresses with the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def default_ssl_context() -> ssl.SSLContext:
    """Return a context that trusts certifi's CA bundle (or ``SSOCONSOLE_METADATA_CA_BUNDLE``) and checks host names.

    The setting exists for deployments whose outbound traffic passes a
    TLS-inspecting proxy with its own CA; it replaces, not extends, the bundle.
    """
    return ssl.create_default_context(
        cafile=getattr(settings, "SSOCONSOLE_METADATA_CA_BUNDLE", None) or certifi.where()
    )


def allowed_hosts() -> tuple[str, ...]:
    """Return the configured allow-list (``SSOCONSOLE_METADATA_ALLOWED_HOSTS`` or the shipped one)."""
    return tuple(getattr(settings, "SSOCONSOLE_METADATA_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS))


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    """Tell whether ``host`` equals a pattern, or is a subdomain of a ``*.domain`` pattern.

    ``*.okta.com`` matches ``acme.okta.com`` and ``a.b.okta.com`` but not
    ``okta.com`` or ``evilokta.com``.
    """
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def address_is_public(address: str) -> bool:
    """Tell whether ``address`` is a globally routable unicast address.

    Loopback, private (RFC 1918, ULA), link-local (cloud metadata services
    live at 169.254.169.254), multicast, reserved, unspecified and carrier-grade
    NAT (CGNAT) ranges are all refused; an IPv4-mapped or 6to4 IPv6 address is
    judged by its IPv4 part.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # A 6to4 address (2002::/16) is carried to the IPv4 address it embeds by the nearest relay,
        # and Python calls every 6to4 address global: judge it, like a mapped one, by that IPv4 part.
        # (NAT64, IPv4-compatible and IPv4-translated forms lie in ::/8, which is_reserved refuses.)
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
    )


@dataclass(frozen=True)
class FetchTarget:
    """A checked URL: the name for TLS and Host, and the address to connect to."""

    url: str
    host: str
    port: int
    path: str
    address: str


@dataclass
class MetadataFetcher:
    """Fetch metadata bytes under the rules above; every collaborator can be injected for tests.

    ``allow_private`` defaults to the setting; ``ssl_context`` to certifi's
    CAs; ``resolver`` to the system resolver; ``transport`` to httpx's own.
    """

    allow_private: bool | None = None
    allowed_hosts: Sequence[str] | None = None
    local_source: LocalSource | None = None
    ssl_context: ssl.SSLContext | None = None
    resolver: Resolver = system_resolver
    transport: httpx.BaseTransport | None = None
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    deadline: float = DEADLINE
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS

    def __post_init__(self) -> None:
        if self.allow_private is None:
            self.allow_private = bool(
                getattr(settings, "SSOCONSOLE_ALLOW_PRIVATE_METADATA_HOSTS", False)
            )
        if self.allowed_hosts is None:
            self.allowed_hosts = allowed_hosts()
        if self.local_source is None and _local_sources:
            self.local_source = _registered_document

    def check_url(self, url: str) -> FetchTarget:
        """Validate ``url`` and resolve its host, or raise the error that says what to change."""
        if not isinstance(url, str) or not url.strip() or len(url) > 2000:
            raise e.MetadataURLInvalid(
                "Enter the metadata URL (at most 2000 characters), starting with https://."
            )
        url = url.strip()
        if _is_own_sp_metadata(url):
            raise e.MetadataURLIsOwnSP(
                f"{url} is this console's own service provider metadata (what you give the identity "
                "provider), not the identity provider's. Paste the identity provider's metadata URL "
                "instead (Entra ID: App Federation Metadata Url), or upload its metadata file."
            )
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise e.MetadataURLInvalid(
                "The metadata URL is not a valid URL. Copy it again from your identity provider."
            ) from None
        if parts.scheme.lower() != "https":
            raise e.MetadataURLNotHttps(
                "The metadata URL must start with https:// so that the metadata cannot be altered on the way. "
                "Use the https URL your identity provider shows, or upload the metadata file instead."
            )
        host = _ascii_host(parts.hostname or "")
        if parts.username is not None or parts.password is not None:
            raise e.MetadataURLInvalid(
                "The metadata URL must not contain a user name or password. Remove them."
            )
        port = 443 if port is None else port
        if not self.allow_private:
            if not host_allowed(host, self.allowed_hosts or ()):
                raise e.MetadataHostNotAllowed(
                    f"{host} is not a standard identity provider domain, and custom domains are not supported "
                    f"for metadata URLs (AD FS always has one). {e.UPLOAD_INSTEAD}",
                    details={"host": host},
                )
            if port != 443:
                raise e.MetadataURLInvalid(
                    "The metadata URL must use the standard https port (443). Remove the port."
                )
        return FetchTarget(
            url=url,
            host=host,
            port=port,
            path=_path_and_query(parts),
            address=self._resolve(host, port),
        )

    def _resolve(self, host: str, port: int) -> str:
        try:
            addresses = list(self.resolver(host, port))
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise e.MetadataHostUnresolvable(
                f"The host name {host} could not be resolved. Check the metadata URL for typing mistakes.",
                details={"host": host},
            )
        if not self.allow_private:
            bad = [a for a in addresses if not address_is_public(a)]
            if bad:
                raise e.MetadataAddressForbidden(
                    f"{host} resolves to a private, loopback or otherwise internal address ({bad[0]}), which the "
                    f"server never connects to. {e.UPLOAD_INSTEAD}",
                    details={"host": host, "address": bad[0]},
                )
        return addresses[0]

    def fetch(self, url: str) -> bytes:
        """Return the body of ``url``, following only same-host redirects."""
        if self.local_source is not None:
            local = self.local_source(url)
            if local is not None:
                return local
        started = time.monotonic()
        target = self.check_url(url)
        with self._client() as client:
            for _hop in range(self.max_redirects + 1):
                location, body = self._get(client, target, started)
                if location is None:
                    return body
                target = self._redirect_target(target, location)
        raise e.MetadataTooManyRedirects(
            f"The metadata URL redirected more than {self.max_redirects} times. Use the final URL, or upload the "
            "metadata file instead."
        )

    def _client(self) -> httpx.Client:
        timeout = httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )
        return httpx.Client(
            verify=self.ssl_context or default_ssl_context(),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # proxies from the environment would bypass the address checks
            transport=self.transport,
        )

    def _get(
        self, client: httpx.Client, target: FetchTarget, started: float
    ) -> tuple[str | None, bytes]:
        """Request one hop; return a redirect's Location, or ``None`` and the body."""
        address = f"[{target.address}]" if ":" in target.address else target.address
        host_header = target.host if target.port == 443 else f"{target.host}:{target.port}"
        try:
            request = client.build_request(
                "GET",
                f"https://{address}:{target.port}{target.path}",
                headers={
                    "Host": host_header,
                    "Accept": "application/samlmetadata+xml, application/xml, text/xml",
                    # The body is read raw and counted as it arrives; compression would defeat the cap.
                    "Accept-Encoding": "identity",
                },
                # TLS uses the name, so the certificate is checked for it, not for the address.
                extensions={"sni_hostname": target.host},
            )
        except httpx.InvalidURL:
            raise e.MetadataURLInvalid(
                "The metadata URL contains characters that are not allowed in a URL. Copy it again from your "
                "identity provider."
            ) from None
        try:
            response = client.send(request, stream=True)
            try:
                if response.is_redirect:
                    return response.headers.get("location", ""), b""
                if response.status_code != 200:
                    raise _http_error(target.host, response.status_code)
                return None, self._read(response, started)
            finally:
                response.close()
        except httpx.TimeoutException:
            raise e.MetadataFetchTimeout(
                f"{target.host} did not answer in time. {e.TRY_AGAIN}"
            ) from None
        except httpx.ConnectError as exc:
            if _caused_by_tls(exc):
                raise e.MetadataTLSFailed(
                    f"The TLS certificate of {target.host} could not be verified against trusted certificate "
                    f"authorities ({exc}). {e.UPLOAD_INSTEAD}"
                ) from None
            raise e.MetadataConnectionFailed(
                f"The server could not connect to {target.host} ({exc}). If the address is right, "
                + e.TRY_AGAIN[0].lower()
                + e.TRY_AGAIN[1:]
            ) from None
        except httpx.HTTPError as exc:
            raise e.MetadataConnectionFailed(
                f"Downloading the metadata from {target.host} broke off "
                f"({exc.__class__.__name__}). {e.TRY_AGAIN}"
            ) from None

    def _read(self, response: httpx.Response, started: float) -> bytes:
        """Read the body in chunks, stopping at the size cap and the overall deadline."""
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise _too_large(self.max_bytes)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > self.max_bytes:
                raise _too_large(self.max_bytes)
            if time.monotonic() - started > self.deadline:
                raise httpx.ReadTimeout("overall deadline exceeded")
            chunks.append(chunk)
        return b"".join(chunks)

    def _redirect_target(self, current: FetchTarget, location: str) -> FetchTarget:
        """Accept a redirect only to the same https host and port, then check it like the original."""
        new_url = urljoin(current.url, location)
        parts = urlsplit(new_url)
        try:
            new_port = parts.port or 443
        except ValueError:
            new_port = -1
        if (
            parts.scheme != "https"
            or (parts.hostname or "").rstrip(".").lower() != current.host.lower()
            or new_port != current.port
        ):
            raise e.MetadataRedirectRefused(
                f"The metadata URL redirects to another host ({parts.hostname or new_url[:100]}), which is refused. "
                "Use the final metadata URL on the identity provider's own domain, or upload the metadata file instead.",
                details={"location": new_url[:500]},
            )
        return self.check_url(new_url)


def _http_error(host: str, status: int) -> e.MetadataHTTPError:
    """Say what an HTTP status means for the administrator: wait, or fix the URL."""
    if status >= 500 or status in (408, 429):
        message = (
            f"{host} answered the metadata download with HTTP status {status}, a problem on the "
            f"identity provider's side. {e.TRY_AGAIN}"
        )
    else:
        message = (
            f"{host} answered the metadata download with HTTP status {status}: the address is wrong "
            "or no longer published. Copy the metadata URL again from your identity provider (Entra "
            "ID: SAML Certificates > App Federation Metadata Url)."
        )
    return e.MetadataHTTPError(message, details={"status": status})


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def _ascii_host(host: str) -> str:
    """Return the host in lower-case ASCII (IDNA for international names), or refuse it.

    Only DNS names and IP literals pass, so nothing odd reaches the resolver,
    the Host header or the allow-list comparison.
    """
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_host = ""
    if (
        not ascii_host
        or len(ascii_host) > 253
        or not all(_LABEL.fullmatch(label) for label in ascii_host.split("."))
    ):
        raise e.MetadataURLInvalid(
            "The metadata URL has no valid host name. Copy it again from your identity provider."
        )
    return ascii_host


def _caused_by_tls(exc: BaseException) -> bool:
    """Tell whether a connection error came from the TLS handshake (certificate, protocol)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _path_and_query(parts) -> str:
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _too_large(limit: int) -> e.MetadataTooLarge:
    return e.MetadataTooLarge(
        f"The metadata is larger than {limit // 1024} KiB, more than any single identity provider needs. "
        "Check that the URL points at one provider's metadata, not a federation's.",
        field="metadataUrl",
    )


def _is_own_sp_metadata(url: str) -> bool:
    """Tell whether ``url`` is one of this console's SP metadata URLs (``<base>/sso/<tenant>/metadata``)."""
    base = str(getattr(settings, "SSOCONSOLE_BASE_URL", "") or "").rstrip("/")
    if not base or not url.lower().startswith(base.lower() + "/sso/"):
        return False
    rest = url[len(base) + len("/sso/") :].split("?", 1)[0].rstrip("/")
    tenant, _, tail = rest.partition("/")
    return bool(tenant) and tail == "metadata"
