"""Schemas every part of the API shares: pagination and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ssoconsole.api.schemas.base import ApiModel, InputModel

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


class PageQuery(InputModel):
    """``?page=&pageSize=``; pages count from 1 and hold at most 200 items."""

    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page, 1 to 200."
    )


class PageMeta(ApiModel):
    page: int
    page_size: int
    total: int = Field(description="Number of items on all pages.")


class ErrorBody(ApiModel):
    code: str = Field(
        description="Stable, machine-readable error code, e.g. `unknown_field` or `username_taken`."
    )
    message: str = Field(description="What happened and what to do, for a person.")
    field: str | None = Field(
        None, description="The request field (camelCase) at fault, when there is one."
    )
    details: dict[str, Any] | None = Field(
        None, description="Values that help fix the request, depending on the code."
    )


class ErrorResponse(ApiModel):
    """Every 4xx and 5xx answer of the API has this body."""

    error: ErrorBody
