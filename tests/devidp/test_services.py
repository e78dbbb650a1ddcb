"""The seeding API that ``ssoconsole demo --configured`` and the walk-through test use."""

from __future__ import annotations

import uuid

import pytest

from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import services
from ssoconsole.devidp.models import Directory, DirectoryUser, EnterpriseApp

pytestmark = pytest.mark.django_db

FIXED = uuid.UUID("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")


def test_get_or_create_variants_are_idempotent(devidp_enabled):
    d1 = services.get_or_create_directory("Demo Directory", directory_id=FIXED)
    d2 = services.get_or_create_directory("Demo Directory", directory_id=FIXED)
    assert d1 == d2 and d1.id == FIXED and Directory.objects.count() == 1
    u1 = services.get_or_create_user(d1, "test.user@demo.example", "Test", "User", "password-123")
    u2 = services.get_or_create_user(d1, "TEST.USER@demo.example", "Other", "Name", "password-456")
    assert u1 == u2 and DirectoryUser.objects.count() == 1
    a1 = services.get_or_create_app(
        d1,
        "ssoconsole",
        identifier="https://sp.example.test/x",
        reply_urls=["https://sp.example.test/acs"],
    )
    a2 = services.get_or_create_app(d1, "renamed", identifier="https://sp.example.test/x")
    assert a1 == a2 and EnterpriseApp.objects.count() == 1
    services.assign(a1, u1)
    services.assign(a1, u1)
    assert a1.assignments.count() == 1


def test_create_user_defaults_and_password_hashing(devidp_enabled):
    d = services.create_directory("D")
    u = services.create_user(d, "sam@x.example", "Sam", "Smith", "password-123")
    assert (u.display_name, u.mail) == ("Sam Smith", "sam@x.example")
    assert "password-123" not in u.password
    assert services.check_credentials(d, "SAM@x.example", "password-123") == u
    assert services.check_credentials(d, "sam@x.example", "nope") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"upn": "no-at-sign", "password": "password-123"}, "upn"),
        ({"upn": "a b@x.example", "password": "password-123"}, "upn"),
        ({"upn": "ok@x.example", "password": "short"}, "password"),
    ],
)
def test_create_user_refuses_bad_input(devidp_enabled, kwargs, field):
    d = services.create_directory("D")
    with pytest.raises(ValidationFailed) as info:
        services.create_user(d, **kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"identifier": "not a uri"}, "identifier"),
        ({"reply_urls": ["/relative/acs"]}, "reply_urls"),
        ({"reply_urls": ["https://x.example/acs#frag"]}, "reply_urls"),
        ({"sign_on_url": "javascript:alert(1)"}, "sign_on_url"),
    ],
)
def test_create_app_refuses_bad_saml_settings(devidp_enabled, kwargs, field):
    d = services.create_directory("D")
    with pytest.raises(ValidationFailed) as info:
        services.create_app(d, "x", **kwargs)
    assert info.value.field == field


def test_reply_urls_are_deduplicated_in_order(devidp_enabled):
    d = services.create_directory("D")
    app = services.create_app(
        d,
        "x",
        identifier="urn:x",
        reply_urls=["https://a.example/1", "https://a.example/2", "https://a.example/1", " "],
    )
    assert app.reply_urls == ["https://a.example/1", "https://a.example/2"]


def test_assigning_a_user_of_another_directory_is_refused(devidp_enabled):
    d1, d2 = services.create_directory("D1"), services.create_directory("D2")
    app = services.create_app(d1, "x")
    stranger = services.create_user(d2, "s@x.example", "S", "T", "password-123")
    with pytest.raises(ValidationFailed):
        services.assign(app, stranger)


def test_urls_follow_the_documented_scheme(devidp_enabled):
    d = services.create_directory("D", directory_id=FIXED)
    app = services.create_app(d, "x", app_id=uuid.UUID(int=7))
    assert services.entity_id(d) == f"http://idp.example.test/devidp/{FIXED}/"
    assert services.sso_url(d) == f"http://idp.example.test/devidp/{FIXED}/saml2"
    assert services.federation_metadata_url(app) == (
        f"http://idp.example.test/devidp/{FIXED}/federationmetadata/2007-06/federationmetadata.xml?appid={uuid.UUID(int=7)}"
    )
