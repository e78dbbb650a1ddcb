"""The client address and scheme come from forwarding headers only when a trusted proxy sent them."""

from __future__ import annotations

import ipaddress

import pytest
from django.test import Client

from ssoconsole.config import ConfigurationError, parse_networks
from ssoconsole.core.proxies import resolve

PROXIES = parse_networks("10.0.0.0/24, 2001:db8:ff::/48, 127.0.0.1", "SSOCONSOLE_TRUSTED_PROXIES")


def meta(peer, xff=None, proto=None, forwarded=None):
    m = {"REMOTE_ADDR": peer}
    if xff is not None:
        m["HTTP_X_FORWARDED_FOR"] = xff
    if proto is not None:
        m["HTTP_X_FORWARDED_PROTO"] = proto
    if forwarded is not None:
        m["HTTP_FORWARDED"] = forwarded
    return m


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say():
    assert resolve(meta("203.0.113.9", "198.51.100.1", "https"), ()) == ("203.0.113.9", None)


def test_a_forged_header_from_an_untrusted_peer_is_ignored():
    assert resolve(meta("203.0.113.9", "10.0.0.1, 198.51.100.1", "https"), PROXIES) == (
        "203.0.113.9",
        None,
    )


def test_a_trusted_proxy_names_its_client_and_scheme():
    assert resolve(meta("10.0.0.5", "198.51.100.1", "https"), PROXIES) == (
        "198.51.100.1",
        "https",
    )


def test_the_chain_is_walked_from_the_right_and_stops_at_the_first_untrusted_hop():
    """Entries left of the first untrusted hop were written by the client and are never believed."""
    chain = "192.0.2.66, 198.51.100.1, 10.0.0.7"  # forged, real client, inner proxy
    assert resolve(meta("10.0.0.5", chain), PROXIES)[0] == "198.51.100.1"


def test_a_chain_of_only_trusted_hops_gives_the_leftmost():
    assert resolve(meta("10.0.0.5", "10.0.0.9, 10.0.0.7"), PROXIES)[0] == "10.0.0.9"


def test_junk_in_the_chain_stops_the_walk_at_the_last_trusted_hop():
    assert resolve(meta("10.0.0.5", "198.51.100.1, unknown, 10.0.0.7"), PROXIES)[0] == "10.0.0.7"
    assert resolve(meta("10.0.0.5", "not-an-address"), PROXIES)[0] == "10.0.0.5"


def test_rfc7239_forwarded_is_read_with_ports_quotes_and_ipv6():
    header = 'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711";proto=https'
    assert resolve(meta("10.0.0.5", forwarded=header), PROXIES) == ("2001:db8:cafe::17", "https")
    assert resolve(meta("10.0.0.5", forwarded="for=198.51.100.3:8080"), PROXIES)[0] == (
        "198.51.100.3"
    )


def test_ipv6_and_ipv4_mapped_peers_match_their_networks():
    assert resolve(meta("2001:db8:ff:1::2", "198.51.100.1"), PROXIES)[0] == "198.51.100.1"
    assert resolve(meta("::ffff:10.0.0.5", "198.51.100.1"), PROXIES)[0] == "198.51.100.1"


def test_a_scheme_other_than_http_or_https_is_ignored():
    assert resolve(meta("10.0.0.5", "198.51.100.1", "javascript"), PROXIES)[1] is None


def test_a_very_long_chain_is_cut_to_its_last_hops():
    chain = ", ".join(["10.0.0.9"] * 5000 + ["198.51.100.1"])
    assert resolve(meta("10.0.0.5", chain), PROXIES)[0] == "198.51.100.1"


def test_a_bad_proxy_setting_is_refused_with_an_example():
    with pytest.raises(ConfigurationError, match="10.0.0.0/24"):
        parse_networks("10.0.0.0/33", "SSOCONSOLE_TRUSTED_PROXIES")
    assert parse_networks("", "X") == ()
    assert parse_networks("10.1.2.3", "X") == (ipaddress.ip_network("10.1.2.3/32"),)


@pytest.fixture
def behind_proxy(settings):
    settings.SSOCONSOLE_TRUSTED_PROXIES = PROXIES


def test_the_audit_log_records_the_forwarded_client(db, behind_proxy, plain_user):
    from ssoconsole.audit.models import AuditEvent

    client = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.44")
    client.post("/login", {"step": "password", "username": plain_user.username, "password": "no"})
    event = AuditEvent.objects.filter(action="auth.signin").latest("created_at")
    assert event.ip_address == "198.51.100.44"


def test_https_at_the_proxy_makes_the_request_secure_and_sends_hsts(db, behind_proxy, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    secure = Client(REMOTE_ADDR="10.0.0.5").get(
        "/login", HTTP_X_FORWARDED_FOR="198.51.100.44", HTTP_X_FORWARDED_PROTO="https"
    )
    assert "Strict-Transport-Security" in secure
    forged = Client(REMOTE_ADDR="203.0.113.9").get("/login", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in forged


def test_two_clients_behind_one_proxy_are_throttled_apart(db, behind_proxy, plain_user, password):
    """The password rule per username and address counts each forwarded client on its own."""
    from ssoconsole.accounts import signin

    def attempt(forwarded_for, secret="wrong-password"):
        return Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded_for).post(
            "/login", {"step": "password", "username": plain_user.username, "password": secret}
        )

    for _ in range(signin.USERNAME_ADDRESS_RULE.limit):
        assert attempt("198.51.100.1").status_code == 401
    assert attempt("198.51.100.1", password).status_code == 429
    assert attempt("198.51.100.2", password).status_code == 302


def test_an_agent_hand_off_records_the_forwarded_client_as_started_from(db, behind_proxy):
    """The approval page's "started from" names the person's address, not the proxy's."""
    import json

    from ssoconsole.agents.models import AgentSignIn

    response = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.77").post(
        "/api/v1/agents/sign-in",
        data=json.dumps({"deviceName": "Laptop"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert AgentSignIn.objects.get().requested_from == "198.51.100.77"
