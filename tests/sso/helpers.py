"""Test-time builders: IdP certificates, IdP metadata documents, a test CA and a local HTTPS server.

Everything is generated when the tests run, so no key material is committed
and certificate dates are always relative to now.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_cert(
    cn: str, *, days_valid: int = 365, days_before: int = 1, issuer=None, san=None, ca: bool = False
):
    """Return ``(key, certificate)``; self-signed unless ``issuer=(key, cert)`` is given. EC keys keep it fast."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer_key, issuer_name = (key, name) if issuer is None else (issuer[0], issuer[1].subject)
    start = now() - dt.timedelta(days=days_before)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days_valid + days_before))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()),
            critical=False,
        )
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return key, builder.sign(issuer_key, hashes.SHA256())


def der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def idp_metadata(
    entity_id: str = "https://sts.windows.net/test-tenant/",
    certs=(),
    *,
    sso_url: str = "https://login.microsoftonline.com/test-tenant/saml2",
    valid_until: dt.datetime | None = None,
    cache_duration: str | None = None,
) -> bytes:
    """Return an EntityDescriptor with one IDPSSODescriptor carrying ``certs`` as signing keys."""
    attrs = f' entityID="{entity_id}"'
    if valid_until is not None:
        attrs += f' validUntil="{valid_until.strftime("%Y-%m-%dT%H:%M:%SZ")}"'
    if cache_duration is not None:
        attrs += f' cacheDuration="{cache_duration}"'
    keys = "".join(
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{base64.b64encode(der(c)).decode()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for c in certs
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}"{attrs}>'
        f'<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{keys}'
        f"<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
        f'<md:SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/>'
        f"</md:IDPSSODescriptor></md:EntityDescriptor>"
    ).encode()


def entities_metadata(count: int, cert) -> bytes:
    """Return an EntitiesDescriptor listing ``count`` identity providers (a federation feed)."""
    inner = b"".join(
        idp_metadata(f"https://idp{i}.example.org/", [cert]).split(b"?>", 1)[1]
        for i in range(count)
    )
    return f'<md:EntitiesDescriptor xmlns:md="{MD}">'.encode() + inner + b"</md:EntitiesDescriptor>"


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol3;"/>"""

HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in to your account</body></html>"


# --- a local HTTPS server with a test CA ------------------------------------------------------


@dataclass
class TestCA:
    key: object
    cert: x509.Certificate
    pem_path: Path

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.pem_path))


def make_ca(tmp: Path) -> TestCA:
    key, cert = make_cert("ssoconsole test CA", days_valid=30, ca=True)
    path = tmp / "test-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return TestCA(key, cert, path)


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    chunked: bool = False


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """Clients that hang up on purpose (size cap, refused TLS) are expected here, not errors."""


class HTTPSServer:
    """Serve ``routes`` (path -> Route) over TLS on 127.0.0.1 with a certificate from the test CA."""

    def __init__(self, ca: TestCA, tmp: Path) -> None:
        key, cert = make_cert(
            "localhost",
            days_valid=2,
            issuer=(ca.key, ca.cert),
            san=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
        )
        cert_path, key_path = tmp / "server.pem", tmp / "server.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.hits.append(self.path)
                route = server.routes.get(self.path, Route(404, b"not found"))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(route.body), 65536):
                        part = route.body[i : i + 65536]
                        self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert_path), str(key_path))
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"https://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accept TCP connections (through the kernel backlog) and never say anything: a URL that never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()
