"""SCIM 2.0 service provider (RFC 7643, RFC 7644): users and groups pushed by an identity provider.

Mounted at ``/scim/v2/<tenantId>/``; see docs/scim.md for what is supported and why.
"""
