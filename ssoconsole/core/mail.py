"""Send e-mail through the SMTP server that ``SSOCONSOLE_SMTP_URL`` names, or not at all.

Configuration stays in the environment (one URL, read into settings at
start-up): ``smtp://host:25``, ``smtp+starttls://user:password@host:587`` or
``smtps://user:password@host:465``. Without it :func:`mail_configured` is
false and callers skip e-mail; the console's own pages still warn.
The connection is built from settings at call time, so tests can point it at
a local server.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ssoconsole.config import SMTP_SCHEMES

TIMEOUT_SECONDS = 10


def mail_configured() -> bool:
    return bool(getattr(settings, "SSOCONSOLE_SMTP_URL", None))


def sender() -> str:
    """The From address: ``SSOCONSOLE_MAIL_FROM``, else ssoconsole@ the base URL's host."""
    configured = getattr(settings, "SSOCONSOLE_MAIL_FROM", None)
    if configured:
        return configured
    host = urlsplit(settings.SSOCONSOLE_BASE_URL).hostname or "localhost"
    return f"ssoconsole@{host}"


def _connection():
    parts = urlsplit(settings.SSOCONSOLE_SMTP_URL)
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname,
        port=parts.port or SMTP_SCHEMES[parts.scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=parts.scheme == "smtp+starttls",
        use_ssl=parts.scheme == "smtps",
        timeout=TIMEOUT_SECONDS,
    )


def send(subject: str, body: str, recipients: list[str]) -> int:
    """Send one plain-text message to ``recipients`` (each sees only themselves); return how many.

    Raises ``OSError``/``smtplib.SMTPException`` when the server refuses;
    callers decide whether to try again later.
    """
    if not recipients:
        return 0
    connection = _connection()
    messages = [
        EmailMessage(subject, body, sender(), [to], connection=connection) for to in recipients
    ]
    return connection.send_messages(messages) or 0
