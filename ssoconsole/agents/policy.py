"""Where a tenant's agent sign-ins may start: a list of networks its administrators choose.

Starting a hand-off needs no sign-in, so anyone can start one and send the
link to a tenant's user (device-code phishing). A tenant whose agents only
ever sign in from its offices or VPN lists those networks here; a hand-off
started anywhere else is then refused on the approval page, before anyone
can approve it. An empty list (the default) allows every network.
"""

from __future__ import annotations

import ipaddress

from ssoconsole.agents.errors import NetworkInvalid, TooManyNetworks
from ssoconsole.agents.models import AgentSignInPolicy
from ssoconsole.audit.log import record

MAX_NETWORKS = 50
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(tenant) -> list[Network]:
    row = AgentSignInPolicy.objects.filter(tenant=tenant).first()
    if row is None or not row.allowed_networks.strip():
        return []
    return [ipaddress.ip_network(n, strict=False) for n in row.allowed_networks.split()]


def parse_networks(values) -> list[Network]:
    """Return the CIDR ranges of ``values`` (a list of strings); refuse anything else, naming it."""
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise NetworkInvalid(
            "allowedNetworks must be a list of CIDR ranges.", field="allowedNetworks"
        )
    if len(values) > MAX_NETWORKS:
        raise TooManyNetworks(f"List at most {MAX_NETWORKS} networks.", field="allowedNetworks")
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise NetworkInvalid(
                f"{value[:60]!r} is not a network; write it as 203.0.113.0/24 or 2001:db8::/48.",
                field="allowedNetworks",
            ) from None
    return networks


def set_allowed_networks(tenant, values, *, actor=None, request=None) -> list[Network]:
    """Replace the tenant's list (an empty list allows every network); audited."""
    networks = parse_networks(values)
    before = [str(n) for n in allowed_networks(tenant)]
    AgentSignInPolicy.objects.update_or_create(
        tenant=tenant, defaults={"allowed_networks": "\n".join(str(n) for n in networks)}
    )
    record(
        "agent.policy_changed",
        tenant=tenant,
        actor=actor,
        target=tenant,
        target_type="tenant",
        data={"before": before, "after": [str(n) for n in networks]},
        request=request,
    )
    return networks


def start_allowed(tenant, address: str | None) -> bool:
    """Tell whether a hand-off started from ``address`` may be approved by a user of ``tenant``."""
    networks = allowed_networks(tenant)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == n.version and ip in n for n in networks)
