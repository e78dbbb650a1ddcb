"""Security review: Unicode case mapping must not let a different username reach an existing account.

PostgreSQL's ``UPPER()`` (what Django's ``iexact`` runs there) maps LATIN
SMALL LETTER LONG S (U+017F) to ``S`` and DOTLESS I (U+0131) to ``I``, so
``ſupport@…`` compared ``iexact`` equals ``support@…``. An identity provider
that lets people pick their own identifier (self-service sign-up, an
editable attribute) could then sign its user in as someone else, and each
spelling got its own password-throttle bucket. On SQLite these pass anyway
(its LIKE folds ASCII only); run them with DATABASE_URL on PostgreSQL.
"""

from __future__ import annotations

import pytest

from ssoconsole.accounts import signin
from ssoconsole.accounts.services import find_user_by_username
from ssoconsole.audit.models import AuditEvent
from ssoconsole.core.errors import ValidationFailed
from ssoconsole.sso.signin_checks import find_user

from . import helpers


def test_sso_does_not_sign_in_a_unicode_case_lookalike(browser_client, make_user, sso_org, tenant):
    victim = make_user("support@example.org", org=sso_org, password=None)
    started = browser_client.start(victim.username)
    value = helpers.answer(tenant, started["id"], "\u017fupport@example.org")
    response = browser_client.post_acs(value, started["relay_state"])
    assert response.status_code == 403
    assert browser_client.me().status_code == 401
    assert AuditEvent.objects.filter(reason_code="sso.mapping_username_invalid").exists()


def test_acs_user_lookup_is_not_fooled_by_lookalikes(make_user, sso_org, tenant):
    make_user("support@example.org", org=sso_org, password=None)
    for name in ("\u017fupport@example.org", "\u017fUPPORT@example.org"):
        try:
            find_user(tenant, name)
        except Exception as exc:  # noqa: BLE001 - the refusal class is what matters
            assert type(exc).__name__ == "UnknownUser"
        else:
            raise AssertionError(f"{name!r} found the user support@example.org")


def test_password_lookup_is_not_fooled_by_lookalikes(make_user, tenant):
    make_user("support@example.org")
    make_user("id@example.org")
    assert find_user_by_username("\u017fupport@example.org") is None
    assert find_user_by_username("\u0131d@example.org") is None  # dotless i is not i
    with pytest.raises(ValidationFailed, match="U\\+017F"):
        signin.next_step_for("\u017fupport@example.org")


def test_ordinary_case_differences_still_match(make_user, sso_org, tenant):
    user = make_user("Support@Example.org", org=sso_org, password=None)
    assert find_user(tenant, "SUPPORT@example.ORG").id == user.id
    assert find_user_by_username("support@example.org").id == user.id
