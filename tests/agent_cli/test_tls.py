"""TLS: a certificate the agent cannot verify is refused with what to do; --ca-file trusts a private CA."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class NotAnApi(BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<h1>Not here</h1>")

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on loopback with a self-signed certificate for 127.0.0.1; yields (url, cert path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agent test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = HTTPServer(("127.0.0.1", 0), NotAnApi)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert_path
    server.shutdown()
    server.server_close()


def test_an_unverifiable_certificate_is_refused_with_what_to_do(agent_world, tls_server):
    url, _ = tls_server
    outcome = agent_world.run("login", "--server", url)
    assert outcome.status == 1
    assert (
        "The TLS certificate of 127.0.0.1" in outcome.err and "could not be verified" in outcome.err
    )
    assert "--ca-file PATH" in outcome.err and "Do not turn verification off" in outcome.err


def test_ca_file_trusts_a_private_certificate_authority(agent_world, tls_server):
    url, cert_path = tls_server
    outcome = agent_world.run("login", "--server", url, "--ca-file", str(cert_path))
    assert outcome.status == 1
    assert "could not be verified" not in outcome.err
    assert (
        "not the way an ssoconsole server does" in outcome.err
    )  # TLS passed; the test server is no API


def test_https_to_a_plain_http_server_says_the_server_does_not_speak_tls(agent_world, app_url):
    outcome = agent_world.run("login", "--server", app_url.replace("http://", "https://"))
    assert outcome.status == 1
    assert "TLS connection to" in outcome.err and "speaks https" in outcome.err


@pytest.mark.parametrize("content", [None, "hello"], ids=["missing", "not-pem"])
def test_a_ca_file_that_cannot_be_used_is_named_with_what_to_give(agent_world, tmp_path, content):
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content)
    outcome = agent_world.run("login", "--server", "https://127.0.0.1:9", "--ca-file", str(path))
    assert outcome.status == 1
    assert f"Cannot use {path} as --ca-file" in outcome.err and "PEM" in outcome.err
