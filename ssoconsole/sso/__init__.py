"""Identity providers of a tenant: metadata import and refresh, attribute mapping, SP identity.

The SAML core (``ssoconsole.saml``) knows nothing of tenants or the database;
this app keeps what an administrator configured and turns it into the core's
frozen configuration dataclasses in one place (:mod:`ssoconsole.sso.saml_config`).
"""
