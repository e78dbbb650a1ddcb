"""REST API v1 at ``/api/v1/`` (django-ninja; see docs/decisions/rest-api.md).

Layout: ``app`` builds the API object and its error handlers, ``auth`` decides
who calls and whether they may, ``parsing`` and ``validation`` make input
strict, ``errors`` renders every failure, ``schemas/`` holds the pydantic
models the OpenAPI document is generated from, ``endpoints/`` one module per
resource, each calling the same services as the console.
"""
