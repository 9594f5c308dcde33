"""The security headers every answer of ours carries, the API's and the dashboards' alike: no MIME sniffing, no
referrer beyond our origin, never framed (ops/caddy/Caddyfile sets the same on what the proxy passes on)."""

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
