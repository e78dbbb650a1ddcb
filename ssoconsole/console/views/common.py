"""Helpers used by all of the console's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render

from ssoconsole.core.errors import NotFound

T = TypeVar("T")
PAGE_SIZE = 50


# Up to this many orgs, pages show the whole tree (the Organizations page, the users filter's
# drop-down); a bigger tree is shown a level at a time or searched, so that a page of a tenant with
# 10,000 orgs costs what it costs with 100.
WHOLE_TREE_MAX = 300


def get_or_404(getter: Callable[..., T], *args) -> T:
    """Call a service getter and turn its ``NotFound`` into a 404 page.

    Services treat another tenant's record as absent, so a foreign id looks
    exactly like a missing one from the outside.
    """
    try:
        return getter(*args)
    except NotFound as exc:
        raise Http404(exc.message) from None


# Counting every match of a list costs a pass over them (a second or so at a million users):
# lists count at most this many and then say "more than".
COUNT_MAX = 10_000


class BoundedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_MAX`` (``capped`` says so): 200 pages of 50."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            counted = self.object_list[: COUNT_MAX + 1].count()
        else:
            counted = len(self.object_list)
        self.capped = counted > COUNT_MAX
        return min(counted, COUNT_MAX)


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    """Return the requested page; out-of-range or malformed numbers give the nearest valid page.

    The first page is read before anything is counted: when it is not full,
    its length is the count, and a selective search costs one query, not two.
    """
    paginator = BoundedPaginator(queryset, per_page)
    number = request.GET.get("page")
    if not isinstance(queryset, QuerySet) or number not in (None, "", "1"):
        return paginator.get_page(number)
    rows = list(queryset[:per_page])
    if len(rows) < per_page:
        paginator.count, paginator.capped = min(len(rows), COUNT_MAX), len(rows) > COUNT_MAX
    page = paginator.get_page(1)
    page.object_list = rows
    return page


def query_without_page(request) -> str:
    """Return the current query string minus ``page``, for pagination links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def post_only(view):
    """Let only POST through; a GET (a bookmarked or reloaded form address) gets a page that says why.

    Django's ``require_POST`` answers with an empty 405, which leaves a person
    looking at a blank page.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            response = render(request, "console/errors/405.html", status=405)
            response["Allow"] = "POST"
            return response
        return view(request, *args, **kwargs)

    return wrapper
