"""Write the directory's Sign-in logs: every success and every refusal, with its AADSTS code."""

from __future__ import annotations

import datetime as dt

from ssoconsole.devidp.models import (
    Directory,
    DirectoryUser,
    EnterpriseApp,
    SignInEvent,
    SignInResult,
)

WRONG_PASSWORD = "AADSTS50126"


def record(
    directory: Directory,
    *,
    now: dt.datetime,
    request_id: str,
    correlation_id: str,
    app: EnterpriseApp | None = None,
    user: DirectoryUser | None = None,
    username: str = "",
    issuer: str = "",
    error_code: str = "",
    message: str = "",
) -> SignInEvent:
    """Store one attempt; no ``error_code`` means it succeeded."""
    return SignInEvent.objects.create(
        directory=directory,
        app=app,
        user=user,
        username=(user.upn if user else username)[:254],
        issuer=(issuer or (app.identifier if app else ""))[:1024],
        result=SignInResult.FAILURE if error_code else SignInResult.SUCCESS,
        error_code=error_code,
        message=message[:2000],
        request_id=request_id,
        correlation_id=correlation_id,
        created_at=now,
    )
