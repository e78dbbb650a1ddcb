"""``page``/``pageSize`` pagination, the same for every list of the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db.models import QuerySet

from ssoconsole.api.schemas.common import PageQuery

T = TypeVar("T")


def paginate(
    source: QuerySet | Sequence, query: PageQuery, present: Callable[[list], list]
) -> dict:
    """Return ``{items, page, pageSize, total}`` for one page of ``source``.

    ``present`` turns the page's rows into response items, so that it can
    fetch related data for the page only. A page past the end is empty,
    not an error: a list can shrink between two requests.
    """
    total = source.count() if isinstance(source, QuerySet) else len(source)
    start = (query.page - 1) * query.page_size
    rows = list(source[start : start + query.page_size])
    return {
        "items": present(rows),
        "page": query.page,
        "page_size": query.page_size,
        "total": total,
    }
