"""A provider's Attribute Mapping, Organizations in use and advanced SAML settings pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.models import AuthProvider
from ssoconsole.tenancy.models import Organization, SSOMode
from ssoconsole.tenancy.services import effective_sso_of

from .conftest import add_provider

pytestmark = pytest.mark.django_db

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


@pytest.fixture
def provider(world):
    return add_provider(world).provider


def url(name, provider):
    return reverse(f"console:identity_provider_{name}", args=[provider.id])


def fresh(provider):
    return AuthProvider.objects.get(id=provider.id)


# --- attribute mapping --------------------------------------------------------------------------


def test_mapping_page_explains_the_defaults(provider, acme_identity_admin):
    response = acme_identity_admin.get(url("mapping", provider))
    body = response.content.decode()
    assert response.context["form"]["use_default"].value() is True
    for text in (
        "Use default mapping",
        "Use NameID",
        "Use attribute tag",
        CLAIMS + "givenname",
        "urn:oid:2.5.4.42",
        CLAIMS + "surname",
        "lastName",
    ):
        assert text in body


def test_tutorial_step_4_mapping_is_saved_and_audited(provider, acme_identity_admin):
    response = acme_identity_admin.post(
        url("mapping", provider),
        {
            "username_source": "attribute",
            "username_attribute": CLAIMS + "name",
            "first_name_attribute": CLAIMS + "givenname",
            "last_name_attribute": CLAIMS + "surname",
        },
        follow=True,
    )
    assert "Attribute mapping of “Acme IdP” saved." in response.content.decode()
    p = fresh(provider)
    assert (
        p.use_default_mapping,
        p.username_attribute,
        p.first_name_attribute,
        p.last_name_attribute,
    ) == (False, CLAIMS + "name", CLAIMS + "givenname", CLAIMS + "surname")
    assert CLAIMS + "name" in response.content.decode()  # shown on the details page
    assert AuditEvent.objects.filter(action="auth_provider.mapping_changed").exists()
    # Back to the default: the attribute fields are cleared.
    acme_identity_admin.post(
        url("mapping", provider), {"use_default": "on", "username_attribute": "ignored"}
    )
    assert fresh(provider).use_default_mapping and fresh(provider).username_attribute == ""


def test_nameid_with_names_only(provider, acme_identity_admin):
    acme_identity_admin.post(
        url("mapping", provider),
        {
            "username_source": "nameid",
            "username_attribute": "x",
            "first_name_attribute": "firstName",
        },
    )
    p = fresh(provider)
    assert (p.use_default_mapping, p.username_attribute, p.first_name_attribute) == (
        False,
        "",
        "firstName",
    )


@pytest.mark.parametrize(
    "data, field, text",
    [
        (
            {"username_source": "attribute", "username_attribute": ""},
            "username_attribute",
            "Enter the attribute tag",
        ),
        ({}, "username_source", "Choose where the username comes from"),
        (
            {"username_source": "attribute", "username_attribute": "has spaces"},
            "username_attribute",
            "without spaces",
        ),
    ],
)
def test_mapping_errors_are_shown_and_nothing_changes(
    provider, acme_identity_admin, data, field, text
):
    response = acme_identity_admin.post(url("mapping", provider), data)
    assert response.status_code == 200
    assert text in response.context["form"].errors[field][0]
    assert fresh(provider).use_default_mapping is True


# --- organizations in use -----------------------------------------------------------------------


def test_orgs_page_shows_the_tree_with_checkboxes_inherit_choices_and_effective_settings(
    world, provider, acme_identity_admin
):
    body = acme_identity_admin.get(url("orgs", provider)).content.decode()
    for org in (world.top, world.child, world.grandchild):
        assert f'name="use" value="{org.id}"' in body
    assert (
        f'name="inherit" value="{world.top.id}"' not in body
    )  # the top org has nothing to inherit from
    assert f'name="inherit" value="{world.child.id}" id="inherit-{world.child.id}" checked' in body
    assert "enables SSO with this provider for <strong>all organizations</strong>" in body


def test_test_org_first_then_the_top_org_with_inheritance(world, provider, acme_identity_admin):
    """Tutorial steps 5 and 6: a test org, then everyone through the top org."""
    response = acme_identity_admin.post(
        url("orgs", provider),
        {"use": [str(world.grandchild.id)], "inherit": [str(world.child.id)]},
        follow=True,
    )
    assert (
        "Organizations in use saved: 1 organization now sign in with “Acme IdP”."
        in response.content.decode()
    )
    assert effective_sso_of(world.grandchild).provider_id == provider.id
    assert not effective_sso_of(world.child).uses_sso
    response = acme_identity_admin.post(
        url("orgs", provider),
        {"use": [str(world.top.id)], "inherit": [str(world.child.id), str(world.grandchild.id)]},
        follow=True,
    )
    assert "3 organizations now sign in" in response.content.decode()
    for org in (world.top, world.child, world.grandchild):
        assert effective_sso_of(org).provider_id == provider.id
    assert Organization.objects.get(id=world.grandchild.id).sso_mode == SSOMode.INHERIT
    tree = acme_identity_admin.get(reverse("console:org_list")).content.decode()
    assert tree.count("Single sign-on · Acme IdP") == 3
    assert AuditEvent.objects.filter(action="auth_provider.orgs_changed").count() == 2


def test_selecting_an_inheriting_org_needs_no_unticking(world, provider, acme_identity_admin):
    """The inherit box starts ticked on inheriting orgs; selecting such an org is what the admin means."""
    response = acme_identity_admin.post(
        url("orgs", provider),
        {"use": [str(world.child.id)], "inherit": [str(world.child.id), str(world.grandchild.id)]},
    )
    assert response.status_code == 302
    assert Organization.objects.get(id=world.child.id).sso_mode == SSOMode.PROVIDER


def test_an_org_that_both_uses_and_inherits_is_refused(world, provider, acme_identity_admin):
    Organization.objects.filter(id=world.child.id).update(sso_mode=SSOMode.NONE)
    response = acme_identity_admin.post(
        url("orgs", provider), {"use": [str(world.child.id)], "inherit": [str(world.child.id)]}
    )
    assert (
        response.status_code == 200
        and "cannot both use the provider and inherit" in response.content.decode()
    )
    assert Organization.objects.get(id=world.child.id).sso_mode == SSOMode.NONE
    assert response.context["rows"][1]["checked"]  # the choices are kept


def test_other_tenants_orgs_cannot_be_switched(world, other, provider, acme_identity_admin):
    acme_identity_admin.post(url("orgs", provider), {"use": [str(other.child.id)]})
    assert Organization.objects.get(id=other.child.id).sso_mode == SSOMode.INHERIT


# --- advanced SAML settings ---------------------------------------------------------------------


def advanced(**changes):
    data = {
        "authn_context": "",
        "authn_context_comparison": "exact",
        "digest_method": "http://www.w3.org/2001/04/xmlenc#sha256",
        "signature_method": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "name_id_format": "",
        "clock_skew_seconds": "180",
    }
    data.update(changes)
    return data


def test_advanced_page_names_the_settings_and_their_defaults(provider, acme_identity_admin):
    response = acme_identity_admin.get(url("advanced", provider))
    body = response.content.decode()
    for text in (
        "Authentication context class reference",
        "Authentication context comparison",
        "Digest method",
        "Signature method",
        "Sign AuthnRequests",
        "NameID format requested",
        "ForceAuthn",
        "Clock skew",
        "Allow SHA-1 (insecure)",
        "AADSTS75011",
        "MSIS7102",
        "test organization first",
    ):
        assert text in body, text
    assert response.context["form"]["authn_context"].value() == ""  # none requested by default
    for value in ("exact", "minimum", "maximum", "better"):
        assert f'value="{value}"' in body


def test_advanced_settings_are_saved_and_audited(provider, acme_identity_admin):
    response = acme_identity_admin.post(
        url("advanced", provider),
        advanced(
            authn_context="urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
            authn_context_comparison="minimum",
            sign_requests="on",
            force_authn="on",
            clock_skew_seconds="300",
            name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        ),
        follow=True,
    )
    assert "Advanced SAML settings of “Acme IdP” saved." in response.content.decode()
    p = fresh(provider)
    assert (
        p.authn_context_class_ref.endswith(":Password"),
        p.authn_context_comparison,
        p.sign_requests,
        p.force_authn,
        p.clock_skew_seconds,
    ) == (True, "minimum", True, True, 300)
    assert AuditEvent.objects.filter(action="auth_provider.settings_changed").exists()
    acme_identity_admin.post(
        url("advanced", provider),
        advanced(authn_context="other", authn_context_other="urn:example:ac:mfa"),
    )
    assert fresh(provider).authn_context_class_ref == "urn:example:ac:mfa"
    form = acme_identity_admin.get(url("advanced", provider)).context["form"]
    assert (form["authn_context"].value(), form["authn_context_other"].value()) == (
        "other",
        "urn:example:ac:mfa",
    )


def test_sha1_needs_the_insecure_switch(provider, acme_identity_admin):
    sha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    response = acme_identity_admin.post(url("advanced", provider), advanced(signature_method=sha1))
    assert response.status_code == 200
    assert "SHA-1 is not accepted" in response.context["form"].errors["signature_method"][0]
    assert fresh(provider).signature_method.endswith("rsa-sha256")
    response = acme_identity_admin.post(
        url("advanced", provider), advanced(signature_method=sha1, insecure_allow_sha1="on")
    )
    assert response.status_code == 302 and fresh(provider).signature_method == sha1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"clock_skew_seconds": "601"}, "clock_skew_seconds"),
        ({"authn_context": "other"}, "authn_context_other"),
        ({"authn_context": "other", "authn_context_other": "not a uri"}, "authn_context"),
    ],
)
def test_advanced_errors_are_shown_next_to_the_field(provider, acme_identity_admin, changes, field):
    response = acme_identity_admin.post(url("advanced", provider), advanced(**changes))
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert (
        fresh(provider).clock_skew_seconds == 180 and fresh(provider).authn_context_class_ref == ""
    )
