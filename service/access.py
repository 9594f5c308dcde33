"""Who the caller is by address: the dashboards' hop, and the network access rules (fleet §5.1 ALLOWED_HOSTS /
ALLOWED_IPS, the reservations console's internal networks). Networks are parsed once; an empty rule lets everyone in."""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from service.config import get_settings
from service.errors import Forbidden, error_response
from service.networks import parse_networks, split_list


@dataclass(frozen=True, slots=True)
class NetworkRule:
    networks: tuple[IPv4Network | IPv6Network, ...] = ()

    @classmethod
    def of(cls, setting: str) -> "NetworkRule":
        return cls(parse_networks(split_list(setting)))

    def admits(self, client: str | None) -> bool:
        if not self.networks:
            return True
        try:
            address = ip_address(client or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)


@dataclass(frozen=True, slots=True)
class HostRule:
    """`*.example.jp` matches its subdomains."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, setting: str) -> "HostRule":
        items = [item.lower() for item in split_list(setting)]
        return cls(
            frozenset(item for item in items if not item.startswith("*.")),
            tuple(item[1:] for item in items if item.startswith("*.")),
        )

    def admits(self, host_header: str | None) -> bool:
        if not self.names and not self.suffixes:
            return True
        host = _host_name(host_header or "")
        return host in self.names or host.endswith(self.suffixes)


def _host_name(header: str) -> str:
    """ "[::1]:8000" → "[::1]", "tms.example.jp:443" → "tms.example.jp"."""
    header = header.lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if ":" in header else header


def scope_host(scope: Scope) -> str | None:
    return scope_header(scope, b"host")


def scope_client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def scope_header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return value.decode("latin-1")
    return None


DASHBOARDS_KEY_HEADER = "X-Dashboards-Key"  # APP_DASHBOARDS_KEY: the request comes from the dashboards
DASHBOARDS_CLIENT_HEADER = "X-Dashboards-Client"


class DashboardsHop:
    """With the key (compared in constant time) the browser address the dashboards forward becomes the request's client,
    so the login throttle, the access rules and the audit log see the person's address. Without it, with a wrong one or
    a value that is no IP address, the header is ignored."""

    def __init__(self, app: ASGIApp, *, key: str) -> None:
        self.app, self.key = app, key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        browser = self.forwarded_browser(scope) if scope["type"] in ("http", "websocket") else None
        if browser is not None:
            scope = {**scope, "client": (browser, 0)}
        await self.app(scope, receive, send)

    def forwarded_browser(self, scope: Scope) -> str | None:
        key = scope_header(scope, DASHBOARDS_KEY_HEADER.lower().encode())
        forwarded = scope_header(scope, DASHBOARDS_CLIENT_HEADER.lower().encode())
        if key is None or forwarded is None or not hmac.compare_digest(key.encode("latin-1"), self.key):
            return None
        try:
            return str(ip_address(forwarded.strip()))
        except ValueError:
            return None


def dashboards_hop(app: ASGIApp, settings) -> ASGIApp:
    return DashboardsHop(app, key=settings.dashboards_key) if settings.dashboards_key else app


HOST_RULE = {"rule": "allowed_hosts"}
ADDRESS_MESSAGE = "このネットワークからはアクセスできません"


def address_refused(rule: str = "allowed_ips") -> JSONResponse:
    return error_response(403, "address_not_allowed", ADDRESS_MESSAGE, {"rule": rule})


class AccessGuard:
    """Refuses a host not in ALLOWED_HOSTS (400) or a caller outside ALLOWED_IPS (403). Ahead of the middleware stack,
    so every route (API, /metrics, /mcp) is covered."""

    def __init__(self, app: ASGIApp, *, hosts: HostRule, networks: NetworkRule) -> None:
        self.app, self.hosts, self.networks = app, hosts, networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if not self.hosts.admits(scope_host(scope)):
            refusal = error_response(400, "host_not_allowed", "このホスト名ではアクセスできません", HOST_RULE)
        elif not self.networks.admits(scope_client(scope)):
            refusal = address_refused()
        else:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        await refusal(scope, receive, send)


def access_guard(app: ASGIApp, settings) -> ASGIApp:
    if not (settings.allowed_hosts or settings.allowed_ips):
        return app
    return AccessGuard(app, hosts=HostRule.of(settings.allowed_hosts), networks=NetworkRule.of(settings.allowed_ips))


@lru_cache(maxsize=8)
def _rule_of(setting: str) -> NetworkRule:
    return NetworkRule.of(setting)


def require_network(setting: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        if not _rule_of(getattr(get_settings(), setting)).admits(request.client.host if request.client else None):
            raise Forbidden(ADDRESS_MESSAGE, code="address_not_allowed", details={"rule": setting})

    return check
