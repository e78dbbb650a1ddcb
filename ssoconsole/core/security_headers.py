"""Content-Security-Policy and Permissions-Policy on every response (console, API, dev IdP, refusals).

The policy allows scripts and styles from the console's own static files
only: no inline ``<script>``, no ``style=""`` attribute, no ``eval``, nothing
from another origin, no framing, no ``<base>``. An injected tag that escaped
the templates' escaping would still run nothing. Pages that need behaviour
(the POST-binding auto-submit, copy buttons, tree indentation) load it from
``static/`` files; layout that used inline styles uses classes.

``form-action`` is deliberately absent: the username step's POST is
answered with a redirect to the identity provider, and browsers apply
``form-action`` to the redirect after a form submission, so any value
short of the IdP's origin would break single sign-on. The IdP origins vary
per tenant; the POST-binding page posts to the IdP as well.
"""

from __future__ import annotations

_DIRECTIVES = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(_DIRECTIVES)
# Nothing in the console uses a device or sensor; copy buttons write to the clipboard.
_FEATURES = (
    "accelerometer=()",
    "autoplay=()",
    "camera=()",
    "display-capture=()",
    "geolocation=()",
    "gyroscope=()",
    "magnetometer=()",
    "microphone=()",
    "midi=()",
    "payment=()",
    "publickey-credentials-get=()",
    "usb=()",
    "clipboard-write=(self)",
)
PERMISSIONS_POLICY = ", ".join(_FEATURES)


class SecurityHeadersMiddleware:
    """Add the two policies to every response that does not set its own."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
