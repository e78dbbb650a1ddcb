"""Run pysaml2 as an identity provider inside the test process.

The interoperability tests need an IdP that nobody on this project wrote, so
that our AuthnRequests and our Response validation are checked against
someone else's reading of the SAML specifications rather than against our own
test helpers. pysaml2 is that IdP. It signs with Debian's ``xmlsec1`` binary,
which is why :func:`require_xmlsec1` fails loudly (never skips) when the
binary is missing.

Two ways to use it:

* in-process, by calling :meth:`PysamlIdP.parse_authn_request` and
  :meth:`PysamlIdP.respond` directly (the interop tests);
* over HTTP on a loopback port, through :meth:`PysamlIdP.wsgi_app` and
  :func:`serve_idp`, for browser tests that need a real IdP to redirect to.

Nothing here imports Django: ``tests/saml`` runs without it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import shutil
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

XMLSEC1 = "/usr/bin/xmlsec1"

BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
AC_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

RSA_OAEP_MGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
TRIPLE_DES_CBC = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"
AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
AES256_CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
AES128_GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
# xmlsec1's --session-key names for the content-encryption algorithms above.
_SESSION_KEYS = {
    AES128_CBC: "aes-128",
    AES256_CBC: "aes-256",
    AES128_GCM: "aes-128",
    AES256_GCM: "aes-256",
}

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MS_CLAIMS = "http://schemas.microsoft.com/identity/claims/"


def require_xmlsec1(path: str = XMLSEC1) -> str:
    """Return the xmlsec1 path, or fail with the fix when it is missing.

    A missing binary must turn the interop tests red, not skip them: a
    skipped interop test looks like a passing one in a summary line.
    """
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("xmlsec1")
        hint = f" (one was found at {found}, but pysaml2 is configured for {path})" if found else ""
        raise AssertionError(
            f"pysaml2 needs Debian's xmlsec1 binary at {path}{hint}. "
            "Install it with: apt-get install -y xmlsec1 (the project's test script does this)."
        )
    return path


@dataclass(frozen=True)
class KeyPair:
    """An RSA key and its self-signed certificate, as PEM bytes and DER."""

    key_pem: bytes
    cert_pem: bytes

    @property
    def cert_der(self) -> bytes:
        """Return the certificate in DER, the form IdentityProvider trusts."""
        return x509.load_pem_x509_certificate(self.cert_pem).public_bytes(
            serialization.Encoding.DER
        )

    @property
    def cert_base64(self) -> str:
        """Return the certificate as the base64 text that goes in ds:X509Certificate."""
        return base64.b64encode(self.cert_der).decode("ascii")

    @classmethod
    def generate(
        cls, common_name: str, *, bits: int = 2048, curve: ec.EllipticCurve | None = None
    ) -> KeyPair:
        """Generate a fresh key (RSA, or ECDSA on ``curve``) and a self-signed certificate valid around today.

        Keys are made per test session rather than checked in, so that no
        test depends on a certificate's expiry date.
        """
        key = (
            ec.generate_private_key(curve)
            if curve is not None
            else rsa.generate_private_key(public_exponent=65537, key_size=bits)
        )
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3 * 365))
            .sign(key, hashes.SHA256())
        )
        return cls(
            key_pem=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        )

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """Write key and certificate files, which pysaml2 and xmlsec1 read by path."""
        directory.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = directory / f"{stem}.key", directory / f"{stem}.crt"
        key_path.write_bytes(self.key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(self.cert_pem)
        return key_path, cert_path


@dataclass(frozen=True)
class User:
    """The person the IdP signs in, with Entra ID's default claims."""

    email: str = "ada.lovelace@example.org"
    given_name: str = "Ada"
    surname: str = "Lovelace"
    object_id: str = "0c2c5f3a-9c1e-4a59-8d0f-6f7b1c2d3e4f"
    name_id_format: str = NAMEID_EMAIL
    extra: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def claims(self) -> dict[str, list[str]]:
        """Return the attributes to assert, named as Entra ID names them."""
        claims = {
            CLAIMS + "emailaddress": [self.email],
            CLAIMS + "givenname": [self.given_name],
            CLAIMS + "surname": [self.surname],
            CLAIMS + "name": [self.email],
            MS_CLAIMS + "objectidentifier": [self.object_id],
            MS_CLAIMS + "displayname": [f"{self.given_name} {self.surname}"],
        }
        claims.update({name: list(values) for name, values in self.extra.items()})
        return claims


@dataclass(frozen=True)
class ReceivedRequest:
    """What the IdP understood of an AuthnRequest, after pysaml2 accepted it."""

    id: str
    issuer: str
    acs_url: str | None
    protocol_binding: str | None
    destination: str | None
    name_id_format: str | None
    allow_create: bool | None
    force_authn: bool
    requested_authn_context: tuple[str, ...]
    comparison: str | None
    relay_state: str | None
    signed_redirect: bool
    xml: str


class PysamlIdP:
    """A pysaml2 ``Server`` configured as an Entra-like IdP for one or more SPs.

    ``base_url`` is where the IdP's endpoints live (``/sso/redirect``,
    ``/sso/post``, ``/metadata``); it only has to be a real address when the
    IdP is served over HTTP. ``sp_metadata`` is the metadata of every SP the
    IdP will answer, as XML bytes: pysaml2 refuses requests from, and cannot
    address responses to, SPs it has no metadata for.
    """

    def __init__(
        self,
        *,
        workdir: Path,
        sp_metadata: Sequence[bytes],
        keys: KeyPair | None = None,
        base_url: str = "https://idp.example.test",
        entity_id: str | None = None,
        want_authn_requests_signed: bool = False,
        sign_response: bool = False,
        sign_assertion: bool = True,
        lifetime_minutes: int = 60,
        user: User | None = None,
    ) -> None:
        from saml2 import server
        from saml2.config import IdPConfig

        self.xmlsec_binary = require_xmlsec1()
        self.workdir = Path(workdir)
        self.keys = keys or KeyPair.generate("pysaml2 test IdP")
        self.base_url = base_url.rstrip("/")
        self.entity_id = entity_id or f"{self.base_url}/metadata"
        self.sso_url_redirect = f"{self.base_url}/sso/redirect"
        self.sso_url_post = f"{self.base_url}/sso/post"
        self.sign_response = sign_response
        self.sign_assertion = sign_assertion
        self.user = user or User()
        key_file, cert_file = self.keys.write(self.workdir, "idp-signing")

        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": self.xmlsec_binary,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "metadata": {"inline": [_text(m) for m in sp_metadata]},
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
                "allow_unknown_attributes": True,
                # pysaml2 compares request IssueInstants with the system clock.
                "accepted_time_diff": 60,
                "service": {
                    "idp": {
                        "name": "pysaml2 test IdP",
                        "endpoints": {
                            "single_sign_on_service": [
                                (self.sso_url_redirect, BINDING_REDIRECT),
                                (self.sso_url_post, BINDING_POST),
                            ],
                        },
                        "name_id_format": [NAMEID_EMAIL],
                        "want_authn_requests_signed": want_authn_requests_signed,
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": lifetime_minutes},
                                "attribute_restrictions": None,
                                # Entra ID sends no NameFormat; pysaml2 always
                                # sends one, and the SP must not care.
                                "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                            },
                        },
                    },
                },
            }
        )
        self.config = config
        self.server = server.Server(config=config)

    # --- metadata --------------------------------------------------------------------------

    def metadata_xml(self, *, signed: bool = False, valid_hours: int | None = None) -> bytes:
        """Return the IdP's metadata as pysaml2's ``create_metadata_string`` writes it.

        ``signed`` signs the EntityDescriptor with the IdP key (RSA-SHA256),
        as federation metadata is; ``valid_hours`` sets validUntil.
        """
        from saml2.metadata import create_metadata_string

        # pysaml2 takes an EntityDescriptor's validUntil from the config's
        # valid_for (hours), not from create_metadata_string's ``valid``.
        saved, self.config.valid_for = self.config.valid_for, valid_hours
        try:
            text = create_metadata_string(
                None,
                config=self.config,
                sign=signed,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
        finally:
            self.config.valid_for = saved
        return text if isinstance(text, bytes) else text.encode("utf-8")

    def add_sp_metadata(self, xml: bytes) -> None:
        """Trust one more SP, e.g. a tenant created while the IdP is being served."""
        self.server.metadata.load("inline", _text(xml))

    # --- requests --------------------------------------------------------------------------

    def parse_authn_request(
        self, message: Mapping[str, str] | str, *, binding: str = BINDING_REDIRECT
    ) -> ReceivedRequest:
        """Accept an AuthnRequest as pysaml2's IdP does, or raise pysaml2's exception.

        ``message`` is the query (or form) parameters, or a raw query string.
        For HTTP-Redirect the signature over the query string is checked
        against the SP metadata's signing certificate when the IdP wants
        signed requests, which is the check that SAML Bindings 3.4.4.1 is
        about.
        """
        params = _params(message)
        request = self.server.parse_authn_request(
            params["SAMLRequest"],
            binding,
            relay_state=params.get("RelayState"),
            sigalg=params.get("SigAlg"),
            signature=params.get("Signature"),
        )
        if request is None:
            raise AssertionError("pysaml2 returned no request (issue instant out of range?)")
        message_obj = request.message
        policy = message_obj.name_id_policy
        requested = message_obj.requested_authn_context
        return ReceivedRequest(
            id=message_obj.id,
            issuer=message_obj.issuer.text.strip(),
            acs_url=message_obj.assertion_consumer_service_url,
            protocol_binding=message_obj.protocol_binding,
            destination=message_obj.destination,
            name_id_format=policy.format if policy is not None else None,
            allow_create=_xs_boolean(policy.allow_create if policy is not None else None),
            force_authn=message_obj.force_authn in ("true", "1"),
            requested_authn_context=tuple(
                ref.text.strip() for ref in (requested.authn_context_class_ref if requested else [])
            ),
            comparison=requested.comparison if requested is not None else None,
            relay_state=params.get("RelayState"),
            signed_redirect=bool(params.get("Signature")),
            xml=request.xmlstr
            if isinstance(request.xmlstr, str)
            else request.xmlstr.decode("utf-8"),
        )

    # --- responses -------------------------------------------------------------------------

    def respond(
        self,
        *,
        in_response_to: str | None,
        sp_entity_id: str,
        acs_url: str,
        user: User | None = None,
        sign_response: bool | None = None,
        sign_assertion: bool | None = None,
        encrypt_for: bytes | None = None,
        content_encryption: str = AES256_CBC,
        signature_algorithm: str = SIG_RSA_SHA256,
        digest_algorithm: str = DIGEST_SHA256,
    ) -> bytes:
        """Build a signed Response XML for ``user``, as pysaml2's IdP would send it.

        ``in_response_to=None`` makes an unsolicited (IdP-initiated) response.
        The response goes to ``acs_url`` with the audience ``sp_entity_id``:
        the two are separate so that a test can address one SP's ACS with an
        assertion meant for another.

        ``signature_algorithm`` and ``digest_algorithm`` are XML-DSig URIs
        (RSA-SHA256 and SHA-256 by default, as Entra ID signs); they must fit
        the IdP key (e.g. ecdsa-sha256 for an EC key).

        ``encrypt_for`` (the SP's encryption certificate, PEM) turns the
        assertion into an EncryptedAssertion with RSA-OAEP key transport.
        pysaml2 7.5 itself only encrypts with Triple-DES, so that is what
        ``content_encryption=TRIPLE_DES_CBC`` gives; for AES the signed
        assertion is encrypted by the same xmlsec1 backend with an AES
        template, which is what a pysaml2 deployment that configures AES gets.
        """
        from saml2.s_utils import factory
        from saml2.saml import NameID

        user = user or self.user
        sign_response = self.sign_response if sign_response is None else sign_response
        sign_assertion = self.sign_assertion if sign_assertion is None else sign_assertion
        builtin_encryption = encrypt_for is not None and content_encryption == TRIPLE_DES_CBC
        if encrypt_for is not None and not builtin_encryption and sign_response:
            raise ValueError(
                "AES encryption here signs the assertion only; use sign_response=False"
            )
        response = self.server.create_authn_response(
            identity=user.claims(),
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=sp_entity_id,
            name_id=factory(NameID, format=user.name_id_format, text=user.email),
            authn={"class_ref": AC_PASSWORD, "authn_auth": self.entity_id},
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            sign_alg=signature_algorithm,
            digest_alg=digest_algorithm,
            encrypt_assertion=builtin_encryption,
            encrypt_cert_assertion=encrypt_for.decode("ascii") if builtin_encryption else None,
            encrypt_assertion_self_contained=True,
        )
        text = str(response)
        if encrypt_for is not None and not builtin_encryption:
            text = self._encrypt(text, encrypt_for, content_encryption)
        return text.encode("utf-8")

    def _encrypt(self, response_xml: str, cert_pem: bytes, content_encryption: str) -> str:
        """Move the signed Assertion into an EncryptedAssertion and encrypt it with xmlsec1."""
        from lxml import etree
        from saml2.sigver import ASSERT_XPATH, pre_encryption_part

        if content_encryption not in _SESSION_KEYS:
            raise ValueError(f"unsupported content encryption {content_encryption}")
        saml = "urn:oasis:names:tc:SAML:2.0:assertion"
        root = etree.fromstring(response_xml.encode("utf-8"))
        assertion = root.find(f"{{{saml}}}Assertion")
        wrapper = etree.Element(f"{{{saml}}}EncryptedAssertion")
        assertion.addprevious(wrapper)
        wrapper.append(assertion)  # exclusive C14N keeps the assertion's signature valid here
        cert_path = self.workdir / f"sp-encryption-{_token()}.crt"
        cert_path.write_bytes(cert_pem)
        cert_base64 = "".join(
            line
            for line in cert_pem.decode("ascii").splitlines()
            if line and not line.startswith("-----")
        )
        template = pre_encryption_part(
            msg_enc=content_encryption, key_enc=RSA_OAEP_MGF1P, encrypt_cert=cert_base64
        )
        return self.server.sec.encrypt_assertion(
            etree.tostring(root).decode("utf-8"),
            str(cert_path),
            template,
            key_type=_SESSION_KEYS[content_encryption],
            node_xpath=ASSERT_XPATH,
        )

    def respond_b64(self, **kwargs: object) -> str:
        """Return :meth:`respond`'s XML as the SAMLResponse form value (SAML Bindings 3.5.4)."""
        return base64.b64encode(self.respond(**kwargs)).decode("ascii")  # type: ignore[arg-type]

    def answer(self, request: ReceivedRequest, *, user: User | None = None) -> tuple[str, str]:
        """Answer an accepted request: return the ACS URL and the SAMLResponse value.

        The ACS URL comes from the SP metadata unless the request named one
        that the metadata lists, which is how an IdP must treat a requested
        AssertionConsumerServiceURL (SAML Core 3.4.1).
        """
        acs_url = self._acs_url(request)
        value = self.respond_b64(
            in_response_to=request.id, sp_entity_id=request.issuer, acs_url=acs_url, user=user
        )
        return acs_url, value

    def _acs_url(self, request: ReceivedRequest) -> str:
        known = [
            endpoint["location"]
            for endpoint in self.server.metadata.assertion_consumer_service(
                request.issuer, BINDING_POST
            )
        ]
        if not known:
            raise AssertionError(
                f"The IdP has no HTTP-POST ACS in the metadata of {request.issuer}."
            )
        if request.acs_url is None:
            return known[0]
        if request.acs_url not in known:
            raise AssertionError(
                f"ACS URL {request.acs_url} is not in the metadata of {request.issuer}: {known}"
            )
        return request.acs_url

    # --- HTTP ------------------------------------------------------------------------------

    def wsgi_app(self, environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
        """Serve the IdP: ``GET /metadata``, ``GET /sso/redirect`` and ``POST /sso/post``.

        A received AuthnRequest is answered at once for :attr:`user` with an
        auto-submitting HTTP-POST form to the SP's ACS, the way an IdP does
        after its own login page. Refused requests get a 400 with pysaml2's
        reason, so a browser test shows why.
        """
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path == "/metadata" and method == "GET":
                return _reply(
                    start_response, "200 OK", "application/samlmetadata+xml", self.metadata_xml()
                )
            if path == "/sso/redirect" and method == "GET":
                request = self.parse_authn_request(
                    environ.get("QUERY_STRING", ""), binding=BINDING_REDIRECT
                )
            elif path == "/sso/post" and method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length).decode("ascii")
                request = self.parse_authn_request(body, binding=BINDING_POST)
            else:
                return _reply(start_response, "404 Not Found", "text/plain", b"not found")
        except Exception as exc:  # pysaml2 signals refusals with many exception types
            message = f"pysaml2 refused the request: {type(exc).__name__}: {exc}"
            return _reply(start_response, "400 Bad Request", "text/plain", message.encode("utf-8"))
        acs_url, value = self.answer(request)
        page = post_form(acs_url, value, request.relay_state)
        return _reply(start_response, "200 OK", "text/html; charset=utf-8", page)


def post_form(action: str, saml_response: str, relay_state: str | None) -> bytes:
    """Return an auto-submitting HTTP-POST binding form (SAML Bindings 3.5.4)."""
    fields = [("SAMLResponse", saml_response)] + (
        [("RelayState", relay_state)] if relay_state else []
    )
    inputs = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value, quote=True)}"/>'
        for name, value in fields
    )
    page = (
        "<!DOCTYPE html><html><head><title>pysaml2 test IdP</title></head>"
        '<body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(action, quote=True)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )
    return page.encode("utf-8")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def serve_idp(host: str = "127.0.0.1", port: int = 0, **idp_kwargs: object) -> Iterator[PysamlIdP]:
    """Run a :class:`PysamlIdP` over HTTP on a loopback port for the duration of the block.

    The socket is bound first so that the IdP's entity ID and endpoints can
    name the real port. Only loopback addresses are accepted: the test IdP
    signs anyone in and must never be reachable from elsewhere.
    """
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        raise ValueError(f"The test IdP only listens on loopback addresses, not {host!r}.")
    httpd: WSGIServer = make_server(host, port, _not_ready, handler_class=_QuietHandler)
    bound_port = httpd.server_address[1]
    idp = PysamlIdP(base_url=f"http://{host}:{bound_port}", **idp_kwargs)  # type: ignore[arg-type]
    httpd.set_app(idp.wsgi_app)
    thread = threading.Thread(target=httpd.serve_forever, name="pysaml2-idp", daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _not_ready(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    return _reply(start_response, "503 Service Unavailable", "text/plain", b"starting")


def _reply(start_response, status: str, content_type: str, body: bytes) -> list[bytes]:  # type: ignore[no-untyped-def]
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _params(message: Mapping[str, str] | str) -> dict[str, str]:
    """Decode a query string exactly once; pysaml2 re-encodes values to check signatures."""
    if isinstance(message, str):
        parsed = parse_qs(
            urlsplit(message).query if "?" in message else message, keep_blank_values=True
        )
        return {name: values[0] for name, values in parsed.items()}
    return dict(message)


def _xs_boolean(value: str | None) -> bool | None:
    """Read an xs:boolean attribute ("true"/"1", "false"/"0"), or None when absent."""
    return None if value is None else value in ("true", "1")


def _token() -> str:
    """Return a short random file-name part, so concurrent responses never share a file."""
    import secrets

    return secrets.token_hex(8)


def _text(xml: bytes | str) -> str:
    return xml.decode("utf-8") if isinstance(xml, bytes) else xml
