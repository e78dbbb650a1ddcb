"""Identity Management in the console: the provider list, Add Authentication Provider, details, and their errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from sso import helpers

from ssoconsole.audit.models import AuditEvent
from ssoconsole.sso.models import AuthProvider
from ssoconsole.sso.providers import create_provider
from ssoconsole.tenancy import services as tenancy

from .conftest import add_provider
from .identity_support import (  # noqa: F401 - fixtures
    ENTRA_ENTITY,
    https_idp,
    idp_metadata,
    local_idp,
    quick_timeouts,
    serve,
    test_ca,
)

pytestmark = pytest.mark.django_db

ADD = "console:identity_provider_add"


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/xml")


def post_add(client, **data):
    return client.post(reverse(ADD), {"source": "file", **data})


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


# --- the list and the first visit ------------------------------------------------------------------


def test_first_visit_offers_add_provider_next_to_the_sp_values(world, acme_identity_admin):
    body = acme_identity_admin.get(reverse("console:identity")).content.decode()
    assert "No authentication providers" in body and reverse(ADD) in body
    assert f"/sso/{world.tenant.id}/metadata" in body


def test_list_shows_each_provider_with_entity_orgs_certificates_and_refresh(
    world, acme_identity_admin
):
    add_provider(world)
    tenancy.set_org_sso(world.child, "provider", world.provider.id)
    body = acme_identity_admin.get(reverse("console:identity")).content.decode()
    assert "No authentication providers" not in body
    assert "Acme IdP" in body and "https://idp.acme.example/" in body
    assert reverse("console:identity_provider", args=[world.provider.id]) in body
    row = body[body.index("https://idp.acme.example/") :]
    assert "<td>2</td>" in row[:400]  # Engineering and Platform, which inherits
    assert "badge-cert-ok" in body and "Uploaded file" in body
    # The SP values stay on the list, compactly, with their copy buttons.
    assert f"/sso/{world.tenant.id}/acs" in body and body.count("data-copy-target=") == 4


# --- Add Authentication Provider -------------------------------------------------------------------


def test_add_by_file_creates_the_provider_and_shows_its_details(world, acme_identity_admin):
    response = post_add(
        acme_identity_admin,
        display_name="Microsoft Entra ID",
        metadata_file=upload("fm.xml", idp_metadata(ENTRA_ENTITY)),
    )
    provider = AuthProvider.objects.get(tenant=world.tenant)
    assert response.status_code == 302
    assert response["Location"] == reverse("console:identity_provider", args=[provider.id])
    page = acme_identity_admin.get(response["Location"])
    body = page.content.decode()
    assert "Authentication provider “Microsoft Entra ID” created" in body
    assert ENTRA_ENTITY in body and "https://login.microsoftonline.com/test-tenant/saml2" in body
    assert "HTTP-Redirect" in body and "Uploaded file" in body
    assert "Upload new metadata file" in body and "Refresh now" not in body
    assert 'id="not-applied"' in body and "applies to no organization until you assign it" in body
    cert = page.context["certificates"][0]
    assert cert.sha256_fingerprint in body and cert.subject in body
    assert AuditEvent.objects.filter(
        action="auth_provider.created", actor_id=world.users["identity-admin"].id
    ).exists()


def test_add_by_url_from_a_local_https_idp(world, acme_identity_admin, local_idp):
    url = serve(local_idp, "/fm.xml", idp_metadata(ENTRA_ENTITY))
    response = acme_identity_admin.post(
        reverse(ADD), {"display_name": "Entra", "source": "url", "metadata_url": url}
    )
    assert response.status_code == 302
    provider = AuthProvider.objects.get(tenant=world.tenant)
    assert provider.metadata_url == url and provider.entity_id == ENTRA_ENTITY
    body = acme_identity_admin.get(response["Location"]).content.decode()
    assert "Refresh now" in body and url in body and "Next automatic refresh" in body


def _refused_add(client, **data):
    before = (
        AuthProvider.objects.count(),
        AuditEvent.objects.filter(action="auth_provider.created").count(),
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert (
        AuthProvider.objects.count(),
        AuditEvent.objects.filter(action="auth_provider.created").count(),
    ) == before
    return response


def test_a_custom_domain_is_refused_with_upload_advice(world, acme_identity_admin):
    response = _refused_add(
        acme_identity_admin,
        display_name="AD FS",
        source="url",
        metadata_url="https://adfs.acme.example/FederationMetadata/2007-06/FederationMetadata.xml",
    )
    [error] = field_errors(response, "metadata_url")
    assert "custom domain" in error.lower() and "upload" in error.lower()
    body = response.content.decode()
    assert error.split(".")[0] in body and "Traceback" not in body
    assert 'value="AD FS"' in body  # what was typed is kept


def test_http_is_refused(world, acme_identity_admin):
    response = _refused_add(
        acme_identity_admin,
        display_name="Entra",
        source="url",
        metadata_url="http://login.microsoftonline.com/x/federationmetadata.xml",
    )
    assert "https://" in field_errors(response, "metadata_url")[0]


def test_a_url_that_never_answers_times_out_with_a_message(
    world, acme_identity_admin, local_idp, quick_timeouts
):
    silent = helpers.SilentServer()
    try:
        response = _refused_add(
            acme_identity_admin,
            display_name="Slow",
            source="url",
            metadata_url=f"https://127.0.0.1:{silent.port}/fm.xml",
        )
    finally:
        silent.close()
    [error] = field_errors(response, "metadata_url")
    assert "did not answer" in error or "time" in error.lower()


@pytest.mark.parametrize(
    "document, expected",
    [
        (helpers.HTML_PAGE, "not XML"),
        (helpers.XML_BOMB, "DTD"),
        (
            b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/">'
            b'<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>',
            "service provider",
        ),
        (helpers.idp_metadata(ENTRA_ENTITY, []), "signing certificate"),
        (b"", "empty"),
    ],
    ids=["html", "xml-bomb", "no-idp", "no-signing-certificate", "empty"],
)
def test_unusable_files_are_refused_next_to_the_file_field(
    world, acme_identity_admin, document, expected
):
    response = _refused_add(
        acme_identity_admin,
        display_name="Broken",
        source="file",
        metadata_file=upload("fm.xml", document),
    )
    [error] = field_errors(response, "metadata_file")
    assert expected.lower() in error.lower(), error


def test_a_page_served_instead_of_xml_by_url_is_refused_next_to_the_url(
    world, acme_identity_admin, local_idp
):
    url = serve(local_idp, "/login", helpers.HTML_PAGE, content_type="text/html")
    response = _refused_add(
        acme_identity_admin, display_name="Wrong", source="url", metadata_url=url
    )
    assert "not XML" in field_errors(response, "metadata_url")[0]


def test_several_identity_providers_offer_their_entity_ids_and_keep_the_file(
    world, acme_identity_admin
):
    cert = helpers.make_cert("Federation")[1]
    response = _refused_add(
        acme_identity_admin,
        display_name="Federation",
        source="file",
        metadata_file=upload("feed.xml", helpers.entities_metadata(3, cert)),
    )
    assert "3 identity providers" in field_errors(response, "metadata_file")[0]
    body = response.content.decode()
    for i in range(3):
        assert f'name="entity_id" value="https://idp{i}.example.org/"' in body
    carried = response.context["carried"]
    assert 'name="carried_metadata"' in body
    # Choosing one is all that is left: the file travels with the form.
    response = acme_identity_admin.post(
        reverse(ADD),
        {
            "display_name": "Federation",
            "source": "file",
            "carried_metadata": carried,
            "entity_id": "https://idp1.example.org/",
        },
    )
    assert response.status_code == 302
    assert AuthProvider.objects.get(tenant=world.tenant).entity_id == "https://idp1.example.org/"


def test_missing_and_duplicate_values_are_explained(world, acme_identity_admin):
    response = _refused_add(acme_identity_admin, display_name="", source="url", metadata_url="")
    assert field_errors(response, "display_name") and field_errors(response, "metadata_url")
    response = _refused_add(acme_identity_admin, display_name="X", source="file")
    assert "Choose the metadata XML file" in field_errors(response, "metadata_file")[0]
    add_provider(world)
    response = _refused_add(
        acme_identity_admin,
        display_name="acme idp",
        source="file",
        metadata_file=upload("fm.xml", idp_metadata(ENTRA_ENTITY)),
    )
    assert "already exists" in field_errors(response, "display_name")[0]


def test_the_add_form_works_without_javascript(world, acme_identity_admin):
    """Both sources are rendered as real fields under their radio buttons; the radio decides which is read."""
    body = acme_identity_admin.get(reverse(ADD)).content.decode()
    assert (
        'type="radio" name="source" value="url"' in body
        and 'type="radio" name="source" value="file"' in body
    )
    assert 'name="metadata_url"' in body and 'type="file" name="metadata_file"' in body
    assert 'enctype="multipart/form-data"' in body and "Create Provider" in body
    # A URL typed and then "Upload file" chosen: only the file counts.
    response = acme_identity_admin.post(
        reverse(ADD),
        {
            "display_name": "Entra",
            "source": "file",
            "metadata_url": "http://ignored.example/",
            "metadata_file": upload("fm.xml", idp_metadata(ENTRA_ENTITY)),
        },
    )
    assert response.status_code == 302


# --- details ------------------------------------------------------------------------------------


def test_certificates_warn_within_30_days_and_the_list_shows_the_providers_state_not_the_worst(
    world, acme_identity_admin
):
    """An expired certificate left in the metadata after a rollover is a warning, never "sign-in fails".

    With no sign-in yet the provider's state is its longest-lived certificate's.
    """
    soon = helpers.make_cert("Soon", days_valid=10)[1]
    old = helpers.make_cert("Old", days_valid=-5, days_before=400)[1]
    good = helpers.make_cert("Good")[1]
    provider = create_provider(
        world.tenant, "Rollover", metadata_xml=helpers.idp_metadata(ENTRA_ENTITY, [good, soon, old])
    )
    response = acme_identity_admin.get(reverse("console:identity_provider", args=[provider.id]))
    body = response.content.decode()
    assert [c.status for c in response.context["certificates"]] == ["ok", "expiring", "expired"]
    assert 'class="badge badge-cert-expiring"' in body and 'class="warning-text">Expires in' in body
    assert 'class="warning-text">Expired on' in body and "sign-in keeps working" in body
    assert "sign-in fails" not in body.lower()
    for cert in response.context["certificates"]:
        assert cert.sha1_thumbprint in body and cert.sha256_fingerprint in body
    listing = acme_identity_admin.get(reverse("console:identity")).content.decode()
    assert "badge-cert-expired" not in listing and 'class="badge badge-cert-ok"' in listing


def test_details_show_sp_values_settings_and_orgs_in_use(world, acme_identity_admin):
    add_provider(world)
    tenancy.set_org_sso(world.child, "provider", world.provider.id)
    response = acme_identity_admin.get(
        reverse("console:identity_provider", args=[world.provider.id])
    )
    body = response.content.decode()
    assert f"/sso/{world.tenant.id}/metadata" in body and body.count("data-copy-target=") == 4
    assert 'id="orgs-in-use-count">2<' in body and "Engineering" in body and "(inherits)" in body
    assert 'id="not-applied"' not in body
    assert reverse("console:identity_provider_mapping", args=[world.provider.id]) in body
    assert reverse("console:identity_provider_orgs", args=[world.provider.id]) in body
    assert reverse("console:identity_provider_advanced", args=[world.provider.id]) in body
    assert "None requested" in body and "180 seconds" in body


def test_rename_and_its_errors(world, acme_identity_admin):
    add_provider(world)
    second = create_provider(
        world.tenant, "Okta", metadata_xml=idp_metadata("https://okta.example/")
    )
    url = reverse("console:identity_provider_rename", args=[second.id])
    response = acme_identity_admin.post(url, {"display_name": "ACME IDP"})
    assert (
        response.status_code == 200
        and "already exists" in response.context["rename_form"].errors["display_name"][0]
    )
    assert AuthProvider.objects.get(id=second.id).display_name == "Okta"
    response = acme_identity_admin.post(url, {"display_name": "Okta Workforce"}, follow=True)
    assert "Renamed “Okta” to “Okta Workforce”" in response.content.decode()


# --- metadata: refresh and replace --------------------------------------------------------------


def test_refresh_now_picks_up_a_new_certificate_and_shows_a_failure(
    world, acme_identity_admin, local_idp
):
    a, b = helpers.make_cert("A")[1], helpers.make_cert("B")[1]
    url = serve(local_idp, "/fm.xml", helpers.idp_metadata(ENTRA_ENTITY, [a]))
    provider = create_provider(world.tenant, "Entra", metadata_url=url)
    refresh = reverse("console:identity_provider_refresh", args=[provider.id])
    serve(local_idp, "/fm.xml", helpers.idp_metadata(ENTRA_ENTITY, [a, b]))
    body = acme_identity_admin.post(refresh, follow=True).content.decode()
    assert "Metadata refreshed: the identity provider published changes" in body
    assert len(AuthProvider.objects.get(id=provider.id).signing_certificates) == 2
    serve(local_idp, "/fm.xml", b"gone", status=500, content_type="text/plain")
    body = acme_identity_admin.post(refresh, follow=True).content.decode()
    assert "The refresh failed; sign-in keeps using the last good metadata." in body
    assert "badge-failure" in body and "Sign-in keeps using the last good metadata." in body
    assert len(AuthProvider.objects.get(id=provider.id).signing_certificates) == 2


def test_uploading_over_a_url_provider_warns_keeps_the_url_and_asks_before_stopping_it(
    world, acme_identity_admin, local_idp
):
    """The form says the URL stays; only the explicit box turns the provider into a file provider."""
    a, c = helpers.make_cert("A")[1], helpers.make_cert("C")[1]
    url = serve(local_idp, "/fm.xml", helpers.idp_metadata(ENTRA_ENTITY, [a]))
    provider = create_provider(world.tenant, "Entra", metadata_url=url)
    page = reverse("console:identity_provider_metadata", args=[provider.id])
    form = acme_identity_admin.get(page).content.decode()
    assert 'id="upload-keeps-url"' in form and "Stop downloading from the metadata URL" in form

    body = acme_identity_admin.post(
        page,
        {
            "source": "file",
            "metadata_file": upload("c.xml", helpers.idp_metadata(ENTRA_ENTITY, [c])),
        },
        follow=True,
    ).content.decode()
    assert "The metadata URL stays" in body and 'id="metadata-override"' in body
    stored = AuthProvider.objects.get(id=provider.id)
    assert (stored.metadata_source, stored.metadata_url) == ("url", url)

    acme_identity_admin.post(
        page,
        {
            "source": "file",
            "switch_to_file": "on",
            "metadata_file": upload("c.xml", helpers.idp_metadata(ENTRA_ENTITY, [c])),
        },
    )
    stored = AuthProvider.objects.get(id=provider.id)
    assert (stored.metadata_source, stored.metadata_url, stored.next_refresh_at) == (
        "file",
        "",
        None,
    )


def test_refresh_of_an_uploaded_file_says_to_upload_instead(world, acme_identity_admin):
    add_provider(world)
    response = acme_identity_admin.post(
        reverse("console:identity_provider_refresh", args=[world.provider.id]), follow=True
    )
    assert "Upload the new metadata file instead" in response.content.decode()


def test_upload_new_metadata_file_replaces_it_all_or_nothing(world, acme_identity_admin):
    add_provider(world)
    url = reverse("console:identity_provider_metadata", args=[world.provider.id])
    assert acme_identity_admin.get(url).context["form"]["source"].value() == "file"
    response = acme_identity_admin.post(
        url, {"source": "file", "metadata_file": upload("x.xml", helpers.HTML_PAGE)}
    )
    assert response.status_code == 200 and "not XML" in field_errors(response, "metadata_file")[0]
    assert AuthProvider.objects.get(id=world.provider.id).entity_id == "https://idp.acme.example/"
    response = acme_identity_admin.post(
        url,
        {"source": "file", "metadata_file": upload("n.xml", idp_metadata("https://new.example/"))},
    )
    assert response.status_code == 302
    assert AuthProvider.objects.get(id=world.provider.id).entity_id == "https://new.example/"


# --- delete -------------------------------------------------------------------------------------


def test_delete_asks_first_and_is_refused_while_in_use_naming_the_orgs(world, acme_identity_admin):
    add_provider(world)
    url = reverse("console:identity_provider_delete", args=[world.provider.id])
    tenancy.set_org_sso(world.child, "provider", world.provider.id)
    body = acme_identity_admin.get(url).content.decode()
    assert "Engineering" in body and "Delete provider" not in body  # no button that cannot work
    response = acme_identity_admin.post(url)
    assert (
        response.status_code == 200
        and "is used by 1 organization: Engineering" in response.content.decode()
    )
    assert AuthProvider.objects.filter(id=world.provider.id).exists()
    tenancy.set_org_sso(world.child, "inherit")
    assert "Delete provider" in acme_identity_admin.get(url).content.decode()
    response = acme_identity_admin.post(url, follow=True)
    assert "Authentication provider “Acme IdP” deleted." in response.content.decode()
    assert not AuthProvider.objects.filter(id=world.provider.id).exists()


def test_sign_in_failures_are_listed_when_the_sign_in_flow_records_them(world, acme_identity_admin):
    add_provider(world)
    response = acme_identity_admin.get(
        reverse("console:identity_provider", args=[world.provider.id])
    )
    if response.context["failures"] is None:
        pytest.fail("recent_sign_in_failures is expected from ssoconsole.sso.refusal_pages")
    assert "No refused sign-ins through this provider." in response.content.decode()


def test_entra_sample_metadata_as_it_was_current(world, acme_identity_admin, monkeypatch):
    """The real Entra ID document (its certificates expired since) is shown with every certificate expired."""
    from pathlib import Path

    from ssoconsole.sso import providers

    real = providers.obtain_metadata
    monkeypatch.setattr(
        providers,
        "obtain_metadata",
        lambda **kw: real(**{**kw, "now": dt.datetime(2017, 2, 14, tzinfo=dt.UTC)}),
    )
    sample = Path(__file__).resolve().parents[1] / "data" / "idp-samples" / "entra-id"
    sample = sample / "federationmetadata-common.xml"
    response = post_add(
        acme_identity_admin,
        display_name="Entra",
        metadata_file=upload("fm.xml", sample.read_bytes()),
    )
    assert response.status_code == 302
    body = acme_identity_admin.get(response["Location"]).content.decode()
    assert "https://sts.windows.net/{tenantid}/" in body and body.count("badge-cert-expired") == 3
