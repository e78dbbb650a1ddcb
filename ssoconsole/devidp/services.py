"""What an Entra administrator does, as functions: the seeding API and the admin pages' back end.

``ssoconsole demo --configured`` and the walk-through test call these to do
the tutorial's Step 2 without a browser; the admin pages call the same
functions, so both paths enforce the same rules. Invalid input raises
``ssoconsole.core.errors.ValidationFailed`` naming the field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.contrib.auth.hashers import check_password as _check_hash
from django.contrib.auth.hashers import make_password
from django.db import transaction

from ssoconsole.core import clock
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.devidp import certificates, links, request_signature
from ssoconsole.devidp.models import (
    GALLERY_SSOCONSOLE,
    AppAssignment,
    Directory,
    DirectoryUser,
    EnterpriseApp,
    SigningAlgorithm,
    SigningCertificate,
    SigningOption,
)

MAX_REPLY_URLS = 256  # Entra's limit per app


# Directories -----------------------------------------------------------------


def create_directory(name: str, *, directory_id: uuid.UUID | str | None = None) -> Directory:
    """Create a directory (an Entra tenant); ``directory_id`` fixes its tenant id."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A directory needs a name.", field="name")
    return Directory.objects.create(id=directory_id or uuid.uuid4(), name=name)


def get_or_create_directory(name: str, *, directory_id: uuid.UUID | str | None = None) -> Directory:
    """Return the directory with ``directory_id`` (or, without one, named ``name``), creating it if missing."""
    existing = (
        Directory.objects.filter(id=directory_id)
        if directory_id
        else Directory.objects.filter(name=name.strip())
    ).first()
    return existing or create_directory(name, directory_id=directory_id)


# Users -------------------------------------------------------------------------


def create_user(
    directory: Directory,
    upn: str,
    given_name: str = "",
    surname: str = "",
    password: str = "",
    *,
    display_name: str | None = None,
    mail: str | None = None,
    object_id: uuid.UUID | str | None = None,
) -> DirectoryUser:
    """Create a test user; mail defaults to the UPN and the display name to "Given Surname"."""
    upn = upn.strip()
    if "@" not in upn or upn.startswith("@") or upn.endswith("@") or any(c.isspace() for c in upn):
        raise ValidationFailed("The user principal name must look like name@domain.", field="upn")
    if DirectoryUser.objects.filter(directory=directory, upn__iexact=upn).exists():
        raise ValidationFailed(f"The directory already has a user {upn}.", field="upn")
    if len(password) < 8:
        raise ValidationFailed("The password must have at least 8 characters.", field="password")
    display = (display_name or f"{given_name} {surname}").strip() or upn.split("@")[0]
    return DirectoryUser.objects.create(
        id=object_id or uuid.uuid4(),
        directory=directory,
        upn=upn,
        given_name=given_name.strip(),
        surname=surname.strip(),
        display_name=display,
        mail=upn if mail is None else mail.strip(),
        password=make_password(password),
    )


def get_or_create_user(
    directory: Directory,
    upn: str,
    given_name: str = "",
    surname: str = "",
    password: str = "",
    **kwargs,
) -> DirectoryUser:
    """Return the directory's user with this UPN (unchanged), or create it."""
    existing = DirectoryUser.objects.filter(directory=directory, upn__iexact=upn.strip()).first()
    return existing or create_user(directory, upn, given_name, surname, password, **kwargs)


def set_account_enabled(user: DirectoryUser, enabled: bool) -> DirectoryUser:
    """Block or allow sign-in ("Account enabled"); blocking also ends the user's IdP sessions at once."""
    user.account_enabled = enabled
    user.save(update_fields=["account_enabled"])
    if not enabled:
        user.sessions.all().delete()
    return user


def check_credentials(directory: Directory, username: str, password: str) -> DirectoryUser | None:
    """Return the user whose UPN (case-insensitive) and password match, else ``None``."""
    user = DirectoryUser.objects.filter(directory=directory, upn__iexact=username.strip()).first()
    if user is None:
        make_password(
            password
        )  # same cost as a real check, so timing does not reveal which UPNs exist
        return None
    return user if _check_hash(password, user.password) else None


# Enterprise applications -----------------------------------------------------


def _validate_url(value: str, field: str, label: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(
            f"{label} must be an absolute http(s) URL, not '{value}'.", field=field
        )
    if parts.fragment:
        raise ValidationFailed(f"{label} must not contain a fragment (#...).", field=field)
    return value


def _validate_identifier(directory: Directory, identifier: str, app: EnterpriseApp | None) -> str:
    identifier = identifier.strip()
    if not identifier:
        return ""
    if ":" not in identifier or any(c.isspace() for c in identifier):
        raise ValidationFailed(
            "The Identifier (Entity ID) must be a URI, such as https://sso.example.com/<tenant-id>.",
            field="identifier",
        )
    clash = EnterpriseApp.objects.filter(directory=directory, identifier=identifier)
    if app is not None:
        clash = clash.exclude(pk=app.pk)
    other = clash.first()
    if other is not None:
        raise ValidationFailed(
            f"Another application in this directory ({other.name}) already uses the Identifier '{identifier}'.",
            field="identifier",
        )
    return identifier


def _validate_reply_urls(reply_urls: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for url in reply_urls:
        if url.strip() and url.strip() not in cleaned:
            cleaned.append(_validate_url(url, "reply_urls", "A Reply URL"))
    if len(cleaned) > MAX_REPLY_URLS:
        raise ValidationFailed(
            f"An application can have at most {MAX_REPLY_URLS} Reply URLs.", field="reply_urls"
        )
    return cleaned


@transaction.atomic
def create_app(
    directory: Directory,
    name: str = "ssoconsole",
    identifier: str = "",
    reply_urls: Iterable[str] = (),
    sign_on_url: str = "",
    relay_state: str = "",
    *,
    enabled_for_sign_in: bool = True,
    assignment_required: bool = True,
    visible_to_users: bool = True,
    signing_option: str = SigningOption.SIGN_ASSERTION,
    signing_algorithm: str = SigningAlgorithm.SHA256,
    app_id: uuid.UUID | str | None = None,
    now: dt.datetime | None = None,
) -> EnterpriseApp:
    """Add the ssoconsole gallery app, with its SAML settings and a new active signing certificate."""
    name = name.strip() or "ssoconsole"
    app = EnterpriseApp(
        id=app_id or uuid.uuid4(), directory=directory, gallery_app=GALLERY_SSOCONSOLE, name=name
    )
    app.enabled_for_sign_in = enabled_for_sign_in
    app.assignment_required = assignment_required
    app.visible_to_users = visible_to_users
    app.signing_option = SigningOption(signing_option)
    app.signing_algorithm = SigningAlgorithm(signing_algorithm)
    _apply_saml(app, identifier, reply_urls, sign_on_url, relay_state)
    app.save()
    add_certificate(app, active=True, now=now)
    return app


def get_or_create_app(
    directory: Directory,
    name: str = "ssoconsole",
    identifier: str = "",
    reply_urls: Iterable[str] = (),
    sign_on_url: str = "",
    relay_state: str = "",
    **kwargs,
) -> EnterpriseApp:
    """Return the app with this Identifier (or, without one, this name) unchanged, or create it."""
    query = (
        {"identifier": identifier.strip()}
        if identifier.strip()
        else {"name": name.strip() or "ssoconsole"}
    )
    existing = EnterpriseApp.objects.filter(directory=directory, **query).first()
    return existing or create_app(
        directory, name, identifier, reply_urls, sign_on_url, relay_state, **kwargs
    )


def _apply_saml(
    app: EnterpriseApp,
    identifier: str,
    reply_urls: Iterable[str],
    sign_on_url: str,
    relay_state: str,
) -> None:
    app.identifier = _validate_identifier(
        app.directory, identifier, app if app.pk and not app._state.adding else None
    )
    app.reply_urls = _validate_reply_urls(reply_urls)
    app.sign_on_url = (
        _validate_url(sign_on_url, "sign_on_url", "The Sign on URL") if sign_on_url.strip() else ""
    )
    app.relay_state = relay_state.strip()


def configure_saml(
    app: EnterpriseApp,
    identifier: str,
    reply_urls: Iterable[str],
    sign_on_url: str = "",
    relay_state: str = "",
) -> EnterpriseApp:
    """Save the Basic SAML Configuration (Identifier, Reply URLs, Sign on URL, Relay State)."""
    _apply_saml(app, identifier, reply_urls, sign_on_url, relay_state)
    app.save(update_fields=["identifier", "reply_urls", "sign_on_url", "relay_state"])
    return app


def set_properties(
    app: EnterpriseApp,
    *,
    enabled_for_sign_in: bool,
    assignment_required: bool,
    visible_to_users: bool,
) -> EnterpriseApp:
    """Save the app's Properties page."""
    app.enabled_for_sign_in = enabled_for_sign_in
    app.assignment_required = assignment_required
    app.visible_to_users = visible_to_users
    app.save(update_fields=["enabled_for_sign_in", "assignment_required", "visible_to_users"])
    return app


def set_signing(
    app: EnterpriseApp, *, signing_option: str, signing_algorithm: str
) -> EnterpriseApp:
    """Save the SAML Signing Certificate panel's Signing Option and Signing Algorithm."""
    app.signing_option = SigningOption(signing_option)
    app.signing_algorithm = SigningAlgorithm(signing_algorithm)
    app.save(update_fields=["signing_option", "signing_algorithm"])
    return app


def set_request_verification(
    app: EnterpriseApp, *, require_signed_requests: bool, certificates_pem: str
) -> EnterpriseApp:
    """Save "Verification certificates": the PEM certificates, and whether unsigned requests are refused."""
    try:
        certificates = request_signature.load_certificates(certificates_pem)
    except ValueError as exc:
        raise ValidationFailed(
            f"The verification certificates could not be read: {exc}", field="certificates_pem"
        ) from None
    if require_signed_requests and not certificates:
        raise ValidationFailed(
            "Add at least one verification certificate before requiring signed requests.",
            field="certificates_pem",
        )
    app.require_signed_requests = require_signed_requests
    app.verification_certificates = certificates_pem.strip()
    app.save(update_fields=["require_signed_requests", "verification_certificates"])
    return app


# Certificates ----------------------------------------------------------------


@transaction.atomic
def add_certificate(
    app: EnterpriseApp, *, active: bool = False, now: dt.datetime | None = None
) -> SigningCertificate:
    """Create a new signing certificate; like Entra's "New Certificate" it is inactive unless asked."""
    pair = certificates.generate(now or clock.now())
    if active:
        SigningCertificate.objects.filter(app=app, active=True).update(active=False)
    return SigningCertificate.objects.create(
        app=app,
        certificate_pem=pair.certificate_pem,
        private_key_pem=pair.private_key_pem,
        thumbprint=pair.thumbprint,
        not_before=pair.not_before,
        not_after=pair.not_after,
        active=active,
    )


@transaction.atomic
def activate_certificate(certificate: SigningCertificate) -> SigningCertificate:
    """Make ``certificate`` the one that signs; the others stay in the metadata until they expire."""
    SigningCertificate.objects.filter(app=certificate.app, active=True).update(active=False)
    certificate.active = True
    certificate.save(update_fields=["active"])
    return certificate


def active_certificate(app: EnterpriseApp) -> SigningCertificate:
    """Return the certificate that signs for ``app``.

    Every app gets one when it is created, as in Entra; an app that lost it
    (rows edited by hand) gets a new one rather than a server error.
    """
    return SigningCertificate.objects.filter(app=app, active=True).first() or add_certificate(
        app, active=True
    )


def published_certificates(app: EnterpriseApp, now: dt.datetime) -> list[SigningCertificate]:
    """Return the certificates the metadata lists: the active one first, then unexpired inactive ones."""
    return list(
        SigningCertificate.objects.filter(app=app, not_after__gt=now).order_by(
            "-active", "-created_at"
        )
    )


# Users and groups --------------------------------------------------------------


def assign(app: EnterpriseApp, user: DirectoryUser) -> AppAssignment:
    """Assign ``user`` to ``app`` (idempotent)."""
    if user.directory_id != app.directory_id:
        raise ValidationFailed(
            "Only users of the application's directory can be assigned.", field="user"
        )
    assignment, _ = AppAssignment.objects.get_or_create(app=app, user=user)
    return assignment


def unassign(app: EnterpriseApp, user: DirectoryUser) -> None:
    AppAssignment.objects.filter(app=app, user=user).delete()


def is_assigned(app: EnterpriseApp, user: DirectoryUser) -> bool:
    return AppAssignment.objects.filter(app=app, user=user).exists()


# URLs ----------------------------------------------------------------------------


def federation_metadata_url(app: EnterpriseApp) -> str:
    """Return the app's App Federation Metadata Url, as Entra's SAML page shows it."""
    return links.federation_metadata_url(app.directory_id, app.id)


def entity_id(directory: Directory) -> str:
    """Return the directory's IdP entity ID (Entra's "Microsoft Entra Identifier")."""
    return links.entity_id(directory.id)


def sso_url(directory: Directory) -> str:
    """Return the SSO endpoint (Entra's "Login URL")."""
    return links.sso_url(directory.id)
