"""The substring index on provisioned users' e-mail addresses, for ``emails co/sw/ew`` filters.

The filter compares :class:`~ssoconsole.scim.models.ScimEmail` ``value``
(lower-cased when stored, like the filter's text) with ``LIKE``; the index
finds the candidate rows and that condition still decides
(``ssoconsole.core.trigram``): an FTS5 trigram table on SQLite, whose rowid is
the e-mail row's own id, and a ``pg_trgm`` GIN index on ``value`` on
PostgreSQL, which serves the ``LIKE`` as it is.
"""

from __future__ import annotations

from django.db.models.expressions import RawSQL

from ssoconsole.core.trigram import MIN_SUBSTRING, TrigramIndex, phrase

EMAIL_INDEX = TrigramIndex(
    table="scim_scimemail",
    columns=("value",),
    name="scim_email_search",
    integer_key=True,
    pg_expression='"value"',
    label="e-mail search index",
)


def email_candidates(text: str, using: str = "default") -> RawSQL | None:
    """SQLite: the ids of the e-mail rows whose value contains ``text``, a superset, from the index.

    ``None`` when the index cannot help (not SQLite, fewer than 3 characters, no
    FTS table, too many candidates): the condition alone then decides.
    """
    if len(text) < MIN_SUBSTRING:
        return None
    return EMAIL_INDEX.candidates(phrase(text), using)
