"""A small OpenID Provider for the in-process tests, served over real HTTP in a thread: discovery, an authorization
endpoint that signs in the account the test chose (no page), a token endpoint that checks the client's secret, the
redirect URI and PKCE's S256 verifier, and JWKS; its ID tokens signed RS256 with joserfc. What it does is what a
certified provider does for the flow the service uses; tests/browser/test_company_sign_in.py signs in through panva's
certified `oidc-provider` in Chromium."""

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.live_server import START_TIMEOUT_SECONDS, answers
from tests.support.ports import free_port
from tests.support.waiting import wait_until

CLIENT_ID = "daicho-test"
CLIENT_SECRET = "test-client-secret-0123456789"


@dataclass
class Account:
    subject: str
    email: str = ""
    email_verified: bool = True
    name: str = ""


@dataclass
class Provider:
    """`signs_in` is the account the next authorization request signs in (as if its person typed their password)."""

    issuer: str
    redirect_uri: str
    signs_in: Account | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    nonce_override: str | None = None  # an ID token with another nonce than the one asked for (a replayed token)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        asked = request.query_params
        wrong = (
            asked.get("client_id") != CLIENT_ID
            or asked.get("redirect_uri") != self.redirect_uri
            or asked.get("response_type") != "code"
            or asked.get("code_challenge_method") != "S256"
            or "openid" not in asked.get("scope", "").split()
            or not asked.get("nonce")
            or not asked.get("state")
        )
        if wrong or self.signs_in is None:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"account": self.signs_in, "nonce": asked["nonce"], "challenge": asked["code_challenge"]}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode({'code': code, 'state': asked['state']})}", 302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        granted = self.codes.pop(str(form.get("code")), None)  # a code is used once
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if granted is None or form.get("redirect_uri") != self.redirect_uri or challenge != granted["challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        account: Account = granted["account"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": account.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or granted["nonce"],
            "email": account.email,
            "email_verified": account.email_verified,
            "name": account.name,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    port = free_port()
    provider = Provider(issuer=f"http://127.0.0.1:{port}", redirect_uri=redirect_uri)
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="oidc-provider", daemon=True)
    thread.start()
    discovery = f"{provider.issuer}/.well-known/openid-configuration"
    wait_until(lambda: answers(discovery), timeout=START_TIMEOUT_SECONDS, message="the test provider to answer")
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
