"""ssoconsole: a self-hosted, multi-tenant console with SAML 2.0 single sign-on.

This module must stay free of Django imports: ``ssoconsole.saml`` is imported
by environments that do not have Django installed.
"""

__version__ = "0.1.0"
