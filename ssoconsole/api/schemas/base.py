"""Base classes that make every schema camelCase on the wire and strict on input."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """A response body: Python names in code, camelCase names in JSON and in the OpenAPI document."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
    )


class InputModel(BaseModel):
    """A request body or query: camelCase names only, unknown names refused, no type coercion for JSON values.

    ``snake_case`` spellings are unknown fields rather than silent aliases, so
    a typo never passes unnoticed. Optional fields of PATCH bodies default to
    ``None`` without accepting ``null``; ``model_fields_set`` tells which were sent.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        extra="forbid",
    )


def text(max_length: int, *, min_length: int = 0, description: str | None = None):
    """Return a strict string type with a documented maximum length."""
    return Annotated[
        StrictStr, Field(max_length=max_length, min_length=min_length, description=description)
    ]


Flag = StrictBool
