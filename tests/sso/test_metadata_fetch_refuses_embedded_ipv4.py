"""Security review: IPv6 forms that carry an internal IPv4 address are not public (metadata SSRF)."""

from __future__ import annotations

import pytest

from ssoconsole.sso import errors as e
from ssoconsole.sso.metadata_fetch import MetadataFetcher, address_is_public

# Each of these reaches an internal IPv4 address through a translator or tunnel on the path
# (NAT64 RFC 6052/8215, 6to4 RFC 3056, SIIT RFC 7915), or through the deprecated IPv4-compatible form.
EMBEDDED_INTERNAL = [
    "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix -> 169.254.169.254 (cloud metadata)
    "64:ff9b::a00:1",  # NAT64 -> 10.0.0.1
    "64:ff9b:1::a00:1",  # RFC 8215 local-use NAT64 prefix
    "2002:a9fe:a9fe::1",  # 6to4 -> 169.254.169.254
    "2002:7f00:1::1",  # 6to4 -> 127.0.0.1
    "::ffff:0:a00:1",  # IPv4-translated (SIIT) -> 10.0.0.1
    "::7f00:1",  # IPv4-compatible -> 127.0.0.1
]


@pytest.mark.parametrize("address", EMBEDDED_INTERNAL)
def test_ipv6_with_embedded_internal_ipv4_is_not_public(address):
    assert address_is_public(address) is False


@pytest.mark.parametrize("address", ["2002:14be:8001::1", "2603:1036::1"])
def test_ipv6_with_embedded_public_ipv4_stays_public(address):
    """A 6to4 form of a public address (20.190.128.1) is still fetched."""
    assert address_is_public(address) is True


@pytest.mark.parametrize("address", EMBEDDED_INTERNAL)
def test_allowed_host_resolving_to_embedded_internal_address_is_refused(address):
    fetcher = MetadataFetcher(allow_private=False, resolver=lambda h, p: [address])
    with pytest.raises(e.MetadataAddressForbidden):
        fetcher.check_url(
            "https://login.microsoftonline.com/t/federationmetadata/2007-06/federationmetadata.xml"
        )
