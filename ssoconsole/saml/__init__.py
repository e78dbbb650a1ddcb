"""A framework-free SAML 2.0 service-provider core.

Plain Python over bytes and frozen dataclasses: no Django, no settings, no
database, no clock or randomness of its own (``now`` and ``new_id`` are
parameters). The application passes configuration in (see ``config``) and
maps the exceptions of ``errors`` to HTTP responses in one place.
"""
