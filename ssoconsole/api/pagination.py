"""``page``/``pageSize`` pagination, the same for every list of the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db.models import QuerySet

from ssoconsole.api.schemas.common import PageQuery

T = TypeVar("T")


# Lists that can hold a whole big tenant (the users) count at most this many matches: counting a
# million rows cost more than the page itself (the console's lists stop at the same number).
COUNT_MAX = 10_000


def paginate(
    source: QuerySet | Sequence,
    query: PageQuery,
    present: Callable[[list], list],
    *,
    count_max: int | None = None,
) -> dict:
    """Return ``{items, page, pageSize, total}`` for one page of ``source``.

    ``present`` turns the page's rows into response items, so that it can
    fetch related data for the page only. A page past the end is empty,
    not an error: a list can shrink between two requests. With ``count_max``
    counting stops there: ``total`` is then at most ``count_max`` and
    ``totalIsExact`` says whether there are more (pages beyond still work).
    """
    start = (query.page - 1) * query.page_size
    rows = list(source[start : start + query.page_size])
    if not isinstance(source, QuerySet):
        total = len(source)
    elif query.page == 1 and len(rows) < query.page_size:
        total = len(rows)  # the first page is not full: it is everything (one query, not two)
    elif count_max is None:
        total = source.count()
    else:
        total = source[: count_max + 1].count()
    page = {
        "items": present(rows),
        "page": query.page,
        "page_size": query.page_size,
        "total": total if count_max is None else min(total, count_max),
    }
    if count_max is not None:
        page["total_is_exact"] = total <= count_max
    return page
