"""Who works in the history: calls to the API in process, each as the demo login that would make it, and what
the chapters share."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from service.database import session_scope, utcnow
from service.identity import service as identity
from service.identity.security import issue_token

SEED = 20261125
CLERK = "history-clerk"  # created by the history, deactivated at its end: its presence says the history is loaded
CLERK_PASSWORD = "history-clerk-1"
MISTYPED_EMAIL = "invalid-yamada@example.jp"  # a requester's address typed wrong: the sandbox refuses it for good


class HistoryCallFailed(RuntimeError):
    """The demo or the API changed under it."""


@dataclass
class Office:
    """Calls to the API in process, each as the demo login that would make it."""

    client: TestClient
    days: int
    rng: random.Random
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            with session_scope() as db:
                user = identity.find_user_by_login(db, login)
                if user is None:
                    raise HistoryCallFailed(f"demo login {login!r} is missing: load the demo first")
                self.tokens[login] = issue_token(subject=str(user.id), kind="user", now=utcnow()).token
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def call(
        self,
        login: str | None,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (),
        bearer: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """A refusal (or a status not in `expect`) stops the history loudly."""
        headers = self.headers(login) if login else {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = self.client.request(method, path, headers=headers, **kwargs)
        if not (response.status_code in expect if expect else response.is_success):
            raise HistoryCallFailed(f"{method} {path} as {login}: {response.status_code} {response.text[:500]}")
        if response.headers.get("content-type", "").startswith("application/json") and response.content:
            return response.json()
        return None

    def get(self, login: str, path: str, **params: Any) -> Any:
        return self.call(login, "GET", path, params=params)

    def post(self, login: str | None, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call(login, "POST", path, json=body, **kwargs)


Chapter = Callable[[Office], None]
