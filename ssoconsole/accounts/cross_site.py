"""Tell whether a request was started by another site (a link, an image, a form elsewhere).

``GET /login?username=X`` goes straight on to the identity provider; another
site could embed hundreds of such URLs as images and make every visitor's
browser start sign-ins (spending the office's rate, or signing a victim in
through an attacker's account). Browsers say where a request came from in
``Sec-Fetch-Site``; older ones are judged by ``Origin`` or ``Referer``
against the console's own origin (``SSOCONSOLE_BASE_URL``). A request that
says nothing (typed, bookmarked, or from a privacy-stripping browser) is
treated as the person's own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

_OWN = {"same-origin", "none"}


def _origin(url: str) -> str | None:
    parts = urlsplit(url[:2048])
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_another_site(request) -> bool:
    """True when the request came from a page of another origin (``same-site`` included)."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site:
        return fetch_site.strip().lower() not in _OWN
    own = _origin(settings.SSOCONSOLE_BASE_URL)
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return origin.strip().lower() != own
    referer = request.META.get("HTTP_REFERER")
    if referer:
        return _origin(referer) != own
    return False
