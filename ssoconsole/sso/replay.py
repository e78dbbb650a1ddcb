"""The replay cache: an assertion is accepted at most once (SAML Profiles 4.1.4.5).

SAML Profiles 4.1.4.5 asks the SP to keep the ID of every bearer assertion it
accepted until the assertion's NotOnOrAfter, and to refuse a second use. The
cache is a table with a unique constraint on (issuer, assertion ID): the
database, not a check-then-insert in Python, decides which of two concurrent
inserts wins, so two server processes can never both accept one assertion
(docs/rules.md#several-processes-behave-as-one). The insert must run inside the caller's transaction, so
that a sign-in that fails later does not leave the assertion burnt.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError

from ssoconsole.core.prepared_insert import PreparedInsert
from ssoconsole.saml.assertion import Assertion
from ssoconsole.sso.errors import AssertionReplayed
from ssoconsole.sso.signin_models import ConsumedAssertion

_INSERT = PreparedInsert(ConsumedAssertion)


def record_consumed(assertion: Assertion, *, tenant, now: datetime) -> None:
    """Remember ``assertion`` as used, or raise :class:`AssertionReplayed` when it was used before.

    Kept until ``replay_cache_until`` (NotOnOrAfter plus the allowed clock
    skew): until then the validator could accept it again. Call it as the
    first write of the caller's ``transaction.atomic()`` block and let the
    refusal leave that block: on PostgreSQL the failed INSERT aborts the
    transaction, so nothing else may run in it (no savepoint is spent on a
    failure that ends the sign-in anyway). :func:`note_first_use` then adds
    when the assertion was first used.
    """
    try:
        _INSERT(
            ConsumedAssertion(
                issuer=assertion.issuer[:1024],
                assertion_id=assertion.assertion_id[:256],
                tenant=tenant,
                consumed_at=now,
                expires_at=assertion.replay_cache_until,
            )
        )
    except IntegrityError:
        raise AssertionReplayed(
            expected="an assertion not used before",
            actual=f"assertion {assertion.assertion_id} from {assertion.issuer}",
        ) from None


def note_first_use(error: AssertionReplayed, assertion: Assertion) -> None:
    """Add when ``assertion`` was first accepted to ``error`` (run outside the failed transaction)."""
    first = (
        ConsumedAssertion.objects.filter(
            issuer=assertion.issuer[:1024], assertion_id=assertion.assertion_id[:256]
        )
        .values_list("consumed_at", flat=True)
        .first()
    )
    error.context["firstUsedAt"] = first.isoformat() if first else None


def purge_expired(*, now: datetime) -> int:
    """Forget assertions that can no longer be accepted anyway; return how many rows went.

    Run by the housekeeping job (:mod:`ssoconsole.sso.housekeeping`), not by
    sign-ins: one indexed DELETE keeps the table at about one row per
    sign-in of the last assertion lifetime.
    """
    deleted, _ = ConsumedAssertion.objects.filter(expires_at__lt=now).delete()
    return deleted
