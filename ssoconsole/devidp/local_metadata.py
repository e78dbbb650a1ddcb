"""The dev IdP's App Federation Metadata, for its own URL, without a network round trip.

The tutorial's Step 3 pastes the App Federation Metadata Url into the
console ("Enter URL"). In the demo that URL is the dev IdP's, under the
console's own base URL, and usually plain http on 127.0.0.1: the metadata
fetcher's rules (https only, public addresses only, standard IdP domains
only) refuse it, and they are right to. Rather than loosening those rules
for a whole host or scheme, the fetcher asks this module first when the dev
IdP is enabled: a URL that is exactly one of the dev IdP's own metadata URLs
is answered from the database in-process; anything else gets ``None`` and
goes through every rule as usual. Nothing is fetched over the network, so
there is nothing to forge a request to (docs/decisions/demo-metadata-url.md).

The same function builds the document for the public metadata view, so the
in-process answer and the one a browser downloads are made the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

from ssoconsole.core import clock
from ssoconsole.core.urls import absolute
from ssoconsole.devidp import links, services
from ssoconsole.devidp.metadata import build_metadata
from ssoconsole.devidp.models import EnterpriseApp

_PATH = re.compile(
    r"(?P<directory>[0-9a-fA-F-]{36})/federationmetadata/2007-06/federationmetadata\.xml"
)


class LocalMetadataNotFound(LookupError):
    """A dev IdP metadata URL names a directory or application that does not exist."""


def federation_metadata(app: EnterpriseApp, *, now: dt.datetime | None = None) -> bytes:
    """Return ``app``'s signed federation metadata, listing every unexpired certificate, active first."""
    now = now or clock.now()
    active = services.active_certificate(app)
    return build_metadata(
        entity_id=links.entity_id(app.directory_id),
        sso_url=links.sso_url(app.directory_id),
        certificates=[c.certificate_pem for c in services.published_certificates(app, now)],
        signing_key_pem=active.private_key_pem,
        signing_cert_pem=active.certificate_pem,
        now=now,
    )


def app_for_url(url: str) -> EnterpriseApp | None:
    """Return the app whose App Federation Metadata Url ``url`` is, ``None`` when it is not a dev IdP URL.

    Only the exact shape the dev IdP hands out matches: the configured base
    URL (scheme, host, port and path prefix compared as text), ``/devidp/``,
    a directory id, Entra's metadata path and an ``appid`` query parameter.
    Raises ``LocalMetadataNotFound`` when the shape matches but the directory
    or app does not exist, so the administrator learns the URL is stale
    instead of being told that http is not allowed.
    """
    if not getattr(settings, "SSOCONSOLE_DEVIDP_ENABLED", False) or not isinstance(url, str):
        return None
    prefix = absolute("/devidp/")
    url = url.strip()
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    match = _PATH.fullmatch(url[len(prefix) :].split("?", 1)[0])
    if match is None or parts.fragment:
        return None
    try:
        directory_id = uuid.UUID(match["directory"])
        (app_id_text,) = parse_qs(parts.query, strict_parsing=False).get("appid", [""])
        app_id = uuid.UUID(app_id_text)
    except ValueError:
        raise LocalMetadataNotFound(
            "This dev IdP metadata URL has no valid appid. Copy the App Federation Metadata Url again from the "
            "application's Single sign-on page in the dev IdP."
        ) from None
    app = (
        EnterpriseApp.objects.filter(directory_id=directory_id, id=app_id)
        .select_related("directory")
        .first()
    )
    if app is None:
        raise LocalMetadataNotFound(
            "The dev IdP has no enterprise application with this directory and appid (it may have been deleted, "
            "or the demo database was reset). Copy the App Federation Metadata Url again from the dev IdP."
        )
    return app


def document_for_url(url: str) -> bytes | None:
    """Return the metadata for one of the dev IdP's own metadata URLs, or ``None`` for any other URL."""
    app = app_for_url(url)
    return None if app is None else federation_metadata(app)


def metadata_source(url: str) -> bytes | None:
    """The sso app's local source (registered in ``DevIdpConfig.ready``): this dev IdP's documents.

    Answers only while the dev IdP is enabled (``SSOCONSOLE_DEVIDP``); an unknown
    app of one of its own URLs is a 404 like a real download would be.
    """
    from django.conf import settings

    from ssoconsole.sso import errors

    if not settings.SSOCONSOLE_DEVIDP_ENABLED:
        return None
    try:
        return document_for_url(url)
    except LocalMetadataNotFound as exc:
        raise errors.MetadataHTTPError(str(exc), details={"status": 404}) from None
