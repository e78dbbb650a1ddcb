"""Absolute URLs, always built from the configured base URL (never the Host header)."""

from __future__ import annotations

from django.conf import settings


def absolute(path: str) -> str:
    """Return ``path`` (starting with ``/``) joined to ``SSOCONSOLE_BASE_URL``."""
    if not path.startswith("/"):
        raise ValueError("path must start with '/'")
    return settings.SSOCONSOLE_BASE_URL + path


def sp_entity_id(tenant_id) -> str:
    return absolute(f"/{tenant_id}")


def sp_acs_url(tenant_id) -> str:
    return absolute(f"/sso/{tenant_id}/acs")


def sp_metadata_url(tenant_id) -> str:
    return absolute(f"/sso/{tenant_id}/metadata")


def login_url() -> str:
    return absolute("/login")
