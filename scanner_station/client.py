"""The service's scan-station API (entry-logs.md appendix A, §3.6.3) over httpx, with clientkit's wire models.

The client only speaks HTTP: a definitive answer is returned or raised as ApiError (any 4xx, with the service's
{"error": {code, message, details}} body); anything that means "try again later" (no connection, a timeout, a 5xx,
408, 429, or a 2xx body that is not the expected one) is ServiceUnreachable, carrying the answer's Retry-After. What
to do about either is the station's business.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx

from clientkit.backoff import RetryLater, retry_after_seconds
from clientkit.station_api import (
    EntryExitLoginIn,
    EntryExitLoginOut,
    ForgottenCardIn,
    ForgottenCardPeople,
    HeartbeatOut,
    LogRead,
    ScanIn,
    ScanOut,
    UnlockIn,
    UnlockOut,
)

RETRY_LATER_STATUSES = {408, 429}


class ServiceUnreachable(RetryLater):
    """The service did not give a definitive answer; the request may be repeated, not before its Retry-After when it
    sent one. `said` is the service's own words when it answered asking for that (429: too many attempts), for staff
    waiting on the screen."""

    def __init__(self, reason: str, said: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after=retry_after)
        self.said = said


class ApiError(Exception):
    """The service refused the request (4xx)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details if isinstance(details, dict) else {}


class StationClient:
    """One httpx.AsyncClient for the life of the station; point_at() moves it to another server while it runs."""

    def __init__(self, server_url: str, timeout_seconds: float) -> None:
        self.http = httpx.AsyncClient(base_url=_api(server_url), timeout=timeout_seconds)

    def point_at(self, server_url: str) -> None:
        self.http.base_url = _api(server_url)

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, *, token: str | None = None, body: dict | None = None) -> dict:
        return await self._send("POST", path, token=token, body=body)

    async def _send(
        self, method: str, path: str, *, token: str | None = None, body: dict | None = None, params: dict | None = None
    ) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self.http.request(method, path, json=body, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise ServiceUnreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise ServiceUnreachable(f"HTTP {response.status_code}", retry_after=retry_after_seconds(response.headers))
        payload = _json(response)
        error = payload.get("error") if response.status_code >= 400 else None
        if not isinstance(error, dict):
            error = {}
        if response.status_code in RETRY_LATER_STATUSES:
            raise ServiceUnreachable(
                f"HTTP {response.status_code}",
                str(error.get("message", "")),
                retry_after=retry_after_seconds(response.headers),
            )
        if response.status_code >= 400:
            raise ApiError(
                response.status_code,
                str(error.get("code", "error")),
                str(error.get("message", f"HTTP {response.status_code}")),
                error.get("details"),
            )
        return payload

    async def login(
        self, nursery_code: str, password: str, station_id: str, device_token: str | None = None
    ) -> EntryExitLoginOut:
        """The station's token; `device_token` (an earlier login's) makes it a known station, let in past a lock."""
        body = EntryExitLoginIn(
            nursery_code=nursery_code, password=password, station_id=station_id, device_token=device_token
        )
        data = await self._post("/auth/entry-exit-login", body=body.model_dump(by_alias=True))
        with _expected_answer():
            return EntryExitLoginOut.model_validate(data)

    async def heartbeat(self, token: str) -> HeartbeatOut:
        data = await self._post("/auth/heartbeat", token=token)
        with _expected_answer():
            return HeartbeatOut.model_validate(data)

    async def record_scan(
        self,
        token: str,
        *,
        client_scan_id: str,
        station_id: str,
        nursery_id: int,
        parent_id: int,
        entry_type: str,
        scanned_at: datetime,
        sent_at: datetime,
    ) -> ScanOut:
        """POST one scan; the same client_scan_id sent again returns the first record (duplicate) and writes nothing.

        scanned_at is the station's clock at the scan, sent_at its clock now: the service records the scan their
        difference before its own now.
        """
        body = ScanIn(
            parent_id=parent_id,
            entry_type=entry_type,
            nursery_id=nursery_id,
            client_scan_id=client_scan_id,
            station_id=station_id,
            scanned_at=scanned_at,
            sent_at=sent_at,
        )
        data = await self._post("/entry-exit-logs", token=token, body=body.model_dump(mode="json", by_alias=True))
        with _expected_answer():
            return ScanOut.model_validate(data)

    # 「カードを忘れた方」: each request is tried once (a record by hand carries no id the service could deduplicate by)

    async def unlock(self, token: str, *, pin: str, staff_name: str) -> UnlockOut:
        """The station's token and the nursery's PIN give the lookup's token (5 wrong PINs lock it, as a login)."""
        body = UnlockIn(pin=pin, staff_name=staff_name).model_dump(by_alias=True)
        data = await self._post("/entry-exit-logs/forgotten-card/unlock", token=token, body=body)
        with _expected_answer():
            return UnlockOut.model_validate(data)

    async def people(self, unlock_token: str, q: str) -> ForgottenCardPeople:
        """The nursery's parents and today's 「本日のみ」 people by ふりがな, name or the phone's last 4 digits."""
        data = await self._send("GET", "/entry-exit-logs/forgotten-card/people", token=unlock_token, params={"q": q})
        with _expected_answer():
            return ForgottenCardPeople.model_validate(data)

    async def record_by_hand(self, unlock_token: str, *, parent_id: int, entry_type: str, reason: str) -> LogRead:
        """The person's 入 or 出 now, recorded as 手入力 by the staff member who unlocked."""
        body = ForgottenCardIn(parent_id=parent_id, entry_type=entry_type, reason=reason).model_dump(by_alias=True)
        data = await self._post("/entry-exit-logs/forgotten-card/logs", token=unlock_token, body=body)
        with _expected_answer():
            return LogRead.model_validate(data)


def _api(server_url: str) -> str:
    return server_url.rstrip("/") + "/api"


@contextmanager
def _expected_answer() -> Iterator[None]:
    """A 2xx body that is not the expected one (a proxy's page, say) is no answer: try again later."""
    try:
        yield
    except ValueError as exc:
        raise ServiceUnreachable(f"unexpected answer: {exc}") from exc


def _json(response: httpx.Response) -> dict:
    """The body as a dict; a body that is not JSON counts as an empty one."""
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
