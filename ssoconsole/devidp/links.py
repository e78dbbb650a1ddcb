"""The dev IdP's public URLs, all absolute and built from the configured base URL.

Entity ID scheme: Entra's issuer is ``https://sts.windows.net/<tenant-id>/``;
the dev IdP's is ``{BASE}/devidp/<tenant-id>/`` (same trailing slash), so that
an SP never confuses it with the real Entra and every directory has its own.
"""

from __future__ import annotations

from ssoconsole.core.urls import absolute


def entity_id(directory_id) -> str:
    return absolute(f"/devidp/{directory_id}/")


def sso_url(directory_id) -> str:
    return absolute(f"/devidp/{directory_id}/saml2")


def federation_metadata_url(directory_id, app_id) -> str:
    return absolute(
        f"/devidp/{directory_id}/federationmetadata/2007-06/federationmetadata.xml?appid={app_id}"
    )


def myapps_url(directory_id) -> str:
    return absolute(f"/devidp/{directory_id}/myapps")


def cookie_path(directory_id) -> str:
    """Return the path the IdP session cookie is scoped to: one directory's endpoints only."""
    return f"/devidp/{directory_id}/"
