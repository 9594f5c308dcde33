"""Configuration rules shared by the thin clients: the server URL rule and typed values from files and environment."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """The configuration names a rule it breaks."""


def check(ok: bool, name: str, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{name} {rule}")


def check_server_url(url: str, allow_insecure_http: bool) -> None:
    """HTTPS is required between agent and server (spec 5.2); plain HTTP only to this machine or when allowed."""
    parts = urlsplit(url)
    check(parts.scheme in ("https", "http") and bool(parts.hostname), "server_url", "must be an http(s) URL")
    if parts.scheme == "http" and not allow_insecure_http:
        check(
            is_loopback(parts.hostname or ""),
            "server_url",
            "must use https (plain http only for localhost or with allow_insecure_http)",
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def convert(name: str, kind: type, raw: object) -> Any:
    """Turn a file or environment value into the field's type (`kind`), naming the key when it can't."""
    try:
        if kind is bool and isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return lowered in ("1", "true", "yes", "on")
        if kind is int and isinstance(raw, float | bool):
            raise ValueError(raw)
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a {kind.__name__}, got {raw!r}") from None
