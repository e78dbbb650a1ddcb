"""The built-in development identity provider: a small, local imitation of Entra ID.

It exists so that the demo and the end-to-end tests can walk the tutorial on
one machine. It is mounted under ``/devidp/`` only when
``SSOCONSOLE_DEVIDP_ENABLED`` is set, and it shares no code with the service
provider's SAML validation in ``ssoconsole.saml``: a bug common to the signer
and the verifier would hide itself.
"""
