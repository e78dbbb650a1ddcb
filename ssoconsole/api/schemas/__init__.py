"""Request and response schemas of REST API v1 (pydantic models; the OpenAPI document is generated from them)."""
