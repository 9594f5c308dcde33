"""The relying party: OpenID Connect's authorization code flow with PKCE (S256), state and nonce, with Authlib's client,
against the endpoints the provider's discovery document names (APP_OIDC_ISSUER). No database here: what a sign-in
under way keeps, and who it finds, is company_sign_in.py's."""

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from service import links
from service.config import get_settings

DISCOVERY_PATH = "/.well-known/openid-configuration"
SCOPES = "openid email profile"
DISCOVERY_TTL_SECONDS = 3600
TIMEOUT_SECONDS = 10.0
ID_TOKEN_LEEWAY_SECONDS = 60
DEFAULT_ALGORITHMS = ["RS256"]  # OpenID Connect Core 3.1.3.7: RS256 unless the client registered otherwise


class ProviderFailed(Exception):
    """The provider could not be reached, refused the code, or sent an ID token that does not hold (its reason is for
    the log, never for the person: they are told to try again)."""


@dataclass(frozen=True)
class Identity:
    """What the provider says of the person: `sub`, `email`, whether the provider verified that address, `name`."""

    subject: str
    email: str
    email_verified: bool
    name: str


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


def provider_metadata() -> dict[str, Any]:
    """The discovery document (OpenID Connect Discovery 1.0), kept an hour; its `issuer` must be the one configured."""
    issuer = get_settings().oidc_issuer.rstrip("/")
    with _discovery_lock:
        kept = _discovered.get(issuer)
        if kept is not None and time.monotonic() - kept[0] < DISCOVERY_TTL_SECONDS:
            return kept[1]
    metadata = _get_json(issuer + DISCOVERY_PATH)
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderFailed(f"the discovery document names issuer {metadata.get('issuer')!r}, not {issuer!r}")
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(name)]
    if missing:
        raise ProviderFailed(f"the discovery document has no {', '.join(missing)}")
    with _discovery_lock:
        _discovered[issuer] = (time.monotonic(), metadata)
    return metadata


def forget_provider() -> None:
    """Read the discovery document again at the next sign-in (a provider changed its endpoints or settings)."""
    with _discovery_lock:
        _discovered.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderFailed(f"{url}: {exc}") from exc
    if not isinstance(body, dict):
        raise ProviderFailed(f"{url}: not a JSON object")
    return body


def _client(metadata: dict[str, Any]):
    """Authlib's OAuth 2 client for this product's registration; the secret goes as HTTP Basic unless the provider
    takes it only in the body."""
    from authlib.integrations.httpx_client import OAuth2Client

    settings = get_settings()
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scope=SCOPES,
        redirect_uri=links.oidc_callback(),
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
        timeout=TIMEOUT_SECONDS,
    )


def authorization_url(*, state: str, nonce: str, code_verifier: str) -> str:
    """Where the browser goes to sign in at the provider."""
    metadata = provider_metadata()
    with _client(metadata) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier
        )
    return url


def check_response_issuer(issuer: str | None) -> None:
    """RFC 9207: a provider that names itself in its answer (`iss`) must be the one configured, or the answer is another
    provider's, mixed up with ours."""
    if issuer is not None and issuer.rstrip("/") != str(provider_metadata()["issuer"]).rstrip("/"):
        raise ProviderFailed(f"the answer comes from issuer {issuer!r}")


def identity_from_code(*, code: str, code_verifier: str, nonce: str) -> Identity:
    """Exchange the callback's code (with PKCE's verifier) for tokens, and read the person from the ID token once its
    signature (the provider's published keys), issuer, audience, expiry and nonce hold."""
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.httpx_client._compat import httpx2  # the HTTP client Authlib's client is built on

    metadata = provider_metadata()
    try:
        with _client(metadata) as client:
            token = client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=code_verifier)
    except (AuthlibBaseError, httpx2.HTTPError, ValueError) as exc:
        raise ProviderFailed(f"token endpoint: {exc}") from exc
    if not token.get("id_token"):
        raise ProviderFailed("the token response holds no ID token")
    claims = _checked_claims(metadata, token, nonce)
    return Identity(
        subject=str(claims["sub"]),
        email=str(claims.get("email") or ""),
        email_verified=_email_verified(claims),
        name=str(claims.get("name") or ""),
    )


def _checked_claims(metadata: dict[str, Any], token: dict[str, Any], nonce: str) -> dict[str, Any]:
    from authlib.common.errors import AuthlibBaseError
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry

    algorithms = metadata.get("id_token_signing_alg_values_supported") or DEFAULT_ALGORITHMS
    try:
        keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"]))  # type: ignore[arg-type]
        decoded = jwt.decode(
            token["id_token"], keys, registry=JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "values": [metadata["issuer"]]}, "sub": {"essential": True}},
            {"nonce": nonce, "client_id": get_settings().oidc_client_id, "access_token": token.get("access_token")},
        )
        claims.validate(leeway=ID_TOKEN_LEEWAY_SECONDS)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        raise ProviderFailed(f"ID token: {exc}") from exc
    return dict(claims)


def _email_verified(claims: dict[str, Any]) -> bool:
    """`email_verified` (Google Workspace, most providers); Microsoft Entra ID sends none and says instead, in the
    optional claim `xms_edov`, that the address's domain is verified as the tenant's own (docs/identity.md)."""
    return any(claims.get(name) in (True, "true") for name in ("email_verified", "xms_edov"))
