"""Comma-separated settings and CIDR networks, parsed the same way by the settings' checks and the access rules."""

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_network


def split_list(value: str) -> list[str]:
    """A comma-separated setting as its non-empty items."""
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_networks(items: Iterable[str]) -> tuple[IPv4Network | IPv6Network, ...]:
    """CIDR networks (a bare address is a /32 or /128); a malformed one raises ValueError naming it."""
    networks = []
    for item in items:
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
    return tuple(networks)
