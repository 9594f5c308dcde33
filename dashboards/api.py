"""The only module that calls the service: every read and write of the dashboards goes through here.

A domain's own module (fleet_api.py, ...) is built on the public calls below and never on anything private here:

- read: a cached GET (params left empty are left out).
- count: a to-do count shown on every page, cached per person for a minute.
- own: the signed-in person's own record, which changes only through writes: cached per person.
- reference: reference data every user with the same grants in its domain reads alike: cached once per role and
  scope (never across scopes).
- fetch: an uncached GET, for what must be current (a job's progress, a record being edited).
- download: the file's bytes on demand, for st.download_button's deferred data.
- export_url: a list's CSV download link, for st.link_button.
- write: POST/PUT/PATCH/DELETE; it clears the cached reads of what it changed.

What a write clears: every path is in an area (a domain, or the platform's accounts and activity: AREAS) and a
collection (its first two segments), and every cached read's key holds the number of the last write to what it reads
(`Writes`), in the reader's scope: a read or count its area (a domain's lists and figures are made from all its
records), a steady read (own, reference) its collection and those it is made from, and the accounts (a grant's change);
and the reader's own part of its area. A write marks its area and collection (and the activity), in the writer's
scope (every scope's for an unscoped writer), or only the writer's own part (PERSON), or nothing (NOTHING); the reads
it changed miss, the others keep their entries. The TTLs bound what this server cannot see: a change made
elsewhere (another dashboards server, a job, a station) shows within them.

Each raises ApiError with the API's Japanese message (or one saying the API could not be reached), and each sends the
browser's address with the dashboards' key (APP_DASHBOARDS_KEY, which the API holds too), so the API throttles logins
and audits by the person's address rather than the dashboards' server's."""

import mimetypes
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import httpx
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

DEFAULT_API_URL = "http://127.0.0.1:8000"  # service/config.py's default for both its addresses
TOKEN_KEY = "auth_token"
RENEWED_TOKEN_HEADER = "X-Renewed-Token"  # a fresh token after a write that ended the caller's own (a password change)
CALLER_STATE_HEADER = "X-Caller-State"  # every signed-in answer's: what GET /auth/me says of the caller, digested
SESSION_COOKIE = "daicho_session"  # set and cleared by POST /api/auth/session(/end)
# The browser's device token (set with the session cookie, kept after a logout): sent with the browser's sign-ins, it
# makes the browser a known device, which signs in while its account is locked by failures from elsewhere
DEVICE_COOKIE = "daicho_device"
COOKIE_CHANGE_KEY = "auth_cookie_change"
READ_TTL_SECONDS = 30
COUNT_TTL_SECONDS = 60
STEADY_TTL_SECONDS = 300  # what changes only through a write, which clears it: own() and reference()
# Writes forgets a part written longer ago than this, long after every cached read keyed before that write has expired
# (each sign-in's token is a part of its own: without this, the server's memory would grow with every one)
WRITES_KEPT_SECONDS = 12 * STEADY_TTL_SECONDS
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TIMEOUT = httpx.Timeout(15.0, connect=3.0)
DASHBOARDS_KEY_HEADER = "X-Dashboards-Key"  # the API believes the forwarded address only with its key
DASHBOARDS_CLIENT_HEADER = "X-Dashboards-Client"
Files: TypeAlias = Mapping[str, Any] | Sequence[tuple[str, Any]]
PLATFORM = "platform"  # identity's PLATFORM: its admins see every domain unscoped
ACCOUNTS, ACTIVITY = "accounts", "activity"  # the platform's areas: users and grants; the audit log and messages
# Each path's area, by its first segment (the platform's by its first two); an area is named by the grant domain its
# readers' scope comes from, the platform's by what they hold.
AREAS = {
    "fleet": "fleet",
    "reservations": "reservations",
    "loaners": "loaners",
    "crm": "crm",
    "entry-logs": "entry_logs",
    "entry-exit-logs": "entry_logs",
    "attendance": "entry_logs",
    "auth": ACCOUNTS,
    "admin/users": ACCOUNTS,
    "admin/groups": ACCOUNTS,
    "admin/scim-tokens": ACCOUNTS,
    "admin/roles": ACCOUNTS,
    "admin/vocabulary": ACCOUNTS,
    "admin/audit": ACTIVITY,
    "admin/outbox": ACTIVITY,
}
PLATFORM_AREAS = frozenset({ACCOUNTS, ACTIVITY})
# What a write there changes besides its own area and the activity every write leaves: a grant changes what every
# area shows its holder (and its domain's lists of people), and CRM's users are accounts.
ALSO_CHANGED = {
    "admin/users": tuple(dict.fromkeys(AREAS.values())),
    "admin/groups": tuple(dict.fromkeys(AREAS.values())),  # a group's grants are its members'
    "crm/users": (ACCOUNTS,),
}
# A Writes key part: one scope's data, every scope's (an unscoped write), anything of the area, one person's own.
SCOPE_PART, EVERY_SCOPE, ANYTHING, PERSON_PART = "scope", "every scope", "anything", "person"


class Changes(Enum):
    """What a write changes, so which cached reads it clears (write(..., changes=...))."""

    SCOPE = "scope"  # the area's data in the writer's scope (every scope's for an unscoped writer)
    PERSON = "person"  # only the writer's own part of the area (their notifications read, their saved views)
    NOTHING = "nothing"  # nothing stored (a dry run)


SCOPE, PERSON, NOTHING = Changes.SCOPE, Changes.PERSON, Changes.NOTHING


class ApiError(Exception):
    """The API's {"error": {...}} answer, or a Japanese message when the API could not be reached."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def base_url() -> str:
    return os.environ.get("APP_API_URL", DEFAULT_API_URL).rstrip("/")


def token() -> str | None:
    return st.session_state.get(TOKEN_KEY)


def keep_in_browser(bearer: str | None, device: str | None = None) -> None:
    """Have the browser's session cookie follow this token (None: forget it), and its device cookie this device
    token when one is given; auth.sync_cookie sends them next run."""
    if bearer is None:
        st.session_state[COOKIE_CHANGE_KEY] = ("/auth/session/end", {})
        return
    st.session_state[COOKIE_CHANGE_KEY] = ("/auth/session", {"token": bearer} | ({"device": device} if device else {}))


def browser_url(path: str) -> str:
    """The session cookie belongs to the host the browser posts to, and only the dashboards' own host's cookies reach
    them: APP_PUBLIC_BASE_URL when set, else the service's default scheme and port under the page's host name. Never
    APP_API_URL (`http://api:8000`), which no browser resolves."""
    public = os.environ.get("APP_PUBLIC_BASE_URL")
    address = urlsplit((public or DEFAULT_API_URL).rstrip("/"))
    shown = page_host()
    if shown and (not public or (address.hostname in LOOPBACK_HOSTS and shown in LOOPBACK_HOSTS)):
        host = f"[{shown}]" if ":" in shown else shown
        address = address._replace(netloc=f"{host}:{address.port}" if address.port else host)
    return f"{urlunsplit(address)}/api{path}"


def page_host() -> str | None:
    """The host name in the browser's address bar (st.context.url, else the Host header); None outside a browser."""
    shown = st.context.url or f"//{st.context.headers.get('Host', '')}"
    try:
        return urlsplit(shown).hostname
    except ValueError:
        return None


def browser_address() -> str | None:
    """Streamlit reads the connection's peer, or the X-Forwarded-For of a proxy it trusts (APP_TRUSTED_PROXIES); None
    over loopback or outside a browser session (an AppTest session has no connection)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def forwarding_headers(browser: str | None) -> dict[str, str]:
    """The browser's address for the API with the key that makes the API believe it; none without either."""
    key = dashboards_key()
    return {DASHBOARDS_KEY_HEADER: key, DASHBOARDS_CLIENT_HEADER: browser} if key and browser else {}


def dashboards_key() -> str:
    return os.environ.get("APP_DASHBOARDS_KEY", "")


def export_url(path: str, **filters: Any) -> str:
    """The browser signs the download in with its session cookie."""
    query = str(httpx.QueryParams(_clean(filters)))
    return f"{browser_url(path)}?{query}" if query else browser_url(path)


@st.cache_resource(show_spinner=False)
def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=TIMEOUT)


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Leave out filters the user left empty."""
    return {k: v for k, v in (params or {}).items() if v is not None and v != ""}


def _error_from(response: httpx.Response) -> ApiError:
    try:
        body = response.json()["error"]
        return ApiError(response.status_code, body.get("code", "error"), body.get("message", ""), body.get("details"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return ApiError(response.status_code, "error", f"APIでエラーが発生しました（HTTP {response.status_code}）")


def _send(
    url: str,
    method: str,
    path: str,
    *,
    bearer: str | None,
    browser: str | None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    files: Files | None = None,
    data: Mapping[str, Any] | None = None,
    raw: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """The parsed JSON answer (or the body's bytes when raw), or an ApiError."""
    headers = dict(headers or {}) | ({"Authorization": f"Bearer {bearer}"} if bearer else {})
    headers |= forwarding_headers(browser)
    try:
        response = _client(url).request(
            method, f"/api{path}", params=_clean(params), json=json, files=files, data=data, headers=headers
        )
    except httpx.TimeoutException:
        raise ApiError(0, "timeout", "APIサーバーの応答がありません。しばらくしてから再度お試しください。") from None
    except httpx.TransportError:
        message = f"APIサーバー（{url}）に接続できません。しばらくしてから再度お試しください。"
        raise ApiError(0, "unreachable", message) from None
    if response.is_error:
        raise _error_from(response)
    _keep_renewed_token(response)
    _note_caller_state(response, bearer)
    if raw:
        return response.content
    return response.json() if response.content else None


def _keep_renewed_token(response: httpx.Response) -> None:
    """Changing one's own password ends one's token and the API answers with a fresh one: sign on with it."""
    renewed = response.headers.get(RENEWED_TOKEN_HEADER)
    if renewed:
        st.session_state[TOKEN_KEY] = renewed
        keep_in_browser(renewed)


def _note_caller_state(response: httpx.Response, bearer: str | None) -> None:
    """The page run under way reached the service with its person's token: the person is signed in, in this state."""
    state, memo = response.headers.get(CALLER_STATE_HEADER), _run_memo()
    if state and memo is not None and bearer and bearer == token():
        memo["seen"] = state


class Writes:
    """The number (of the writes this server has sent) of the last write to each part of the data (an area or a
    collection, then a part of it: SCOPE_PART and a scope, EVERY_SCOPE, ANYTHING, PERSON_PART and a token), 0 for
    none; a cached read's key holds those of the parts it reads, so a write makes exactly those reads miss (their old
    entries expire with their TTL). A part last written WRITES_KEPT_SECONDS ago is forgotten (0 again): a number is
    never given twice, so a key made before its last write is never hit again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._last: OrderedDict[tuple, tuple[int, float]] = OrderedDict()  # the number and time, the oldest first
        self._lock = threading.Lock()
        self._clock = clock
        self.sent = 0

    def of(self, parts: Iterable[tuple]) -> tuple[int, ...]:
        with self._lock:
            return tuple(self._last.get(part, (0,))[0] for part in parts)

    def add(self, parts: Iterable[tuple]) -> None:
        with self._lock:
            self.sent += 1
            now = self._clock()
            for part in parts:
                self._last.pop(part, None)
                self._last[part] = (self.sent, now)
            while self._last and next(iter(self._last.values()))[1] < now - WRITES_KEPT_SECONDS:
                self._last.popitem(last=False)


WRITES = Writes()  # shared by every session: one per process


def area_of(path: str) -> str:
    return AREAS[_prefix(path, AREAS)]


def collection_of(path: str) -> str:
    """The collection a path reads or writes: its first two segments (crm/masters, loaners/locations)."""
    return "/".join(path.strip("/").split("/")[:2])


def _prefix(path: str, table: Mapping[str, Any]) -> str:
    two = collection_of(path)
    return two if two in table else two.split("/")[0]


def _grants(area: str) -> tuple[tuple[str, str, str | None], ...]:
    """The signed-in user's grants that decide what the area answers them: its domain's and the platform's."""
    domains = {PLATFORM} if area in PLATFORM_AREAS else {PLATFORM, area}
    return tuple(
        (grant["domain"], grant["role"], grant["scope"]) for grant in me()["grants"] if grant["domain"] in domains
    )


def _scope(area: str) -> str | None:
    """The scope the signed-in user reads and writes the area in; None when unscoped (the platform's areas, a
    platform admin, an unscoped grant)."""
    return None if area in PLATFORM_AREAS else _scope_in(area, _grants(area))


def _scope_in(area: str, grants: Iterable[tuple[str, str, str | None]]) -> str | None:
    scopes = {domain: scope for domain, _, scope in grants}
    return None if PLATFORM in scopes else scopes.get(area)


def _read(keys: Iterable[str], scope: str | None) -> list[tuple]:
    """What a read of these areas or collections in this scope depends on: the writes to them in the scope (an
    unscoped reader sees every scope's)."""
    if scope is None:
        return [(key, ANYTHING) for key in keys]
    return [part for key in keys for part in ((key, EVERY_SCOPE), (key, SCOPE_PART, scope))]


def _written(keys: Iterable[str], scope: str | None) -> list[tuple]:
    """What a write to these areas or collections in this scope changes (None: every scope)."""
    return [
        part for key in keys for part in ((key, ANYTHING), (key, SCOPE_PART, scope) if scope else (key, EVERY_SCOPE))
    ]


def _own_part(area: str, bearer: str) -> tuple:
    return (area, PERSON_PART, bearer)


def _written_parts(path: str, changes: Changes) -> list[tuple]:
    """Its area and collection in the writer's scope, the activity every write leaves, and ALSO_CHANGED."""
    area = area_of(path)
    if changes is NOTHING:
        return []
    if changes is PERSON:
        return [_own_part(area, token() or "")]
    parts = _written((area, collection_of(path)), _scope(area))
    for changed in {ACTIVITY, *ALSO_CHANGED.get(_prefix(path, ALSO_CHANGED), ())} - {area}:
        parts += _written((changed,), _scope(changed))
    return parts


def _get(url: str, path: str, params: tuple[tuple[str, Any], ...], bearer: str) -> Any:
    return _send(url, "GET", path, bearer=bearer, browser=browser_address(), params=dict(params))


# The cached reads take only keywords, and their one hashed argument is a string: Streamlit hashes a tuple element by
# element and looks a positional argument's name up in the function's signature, on every call.
@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _cached_read(*, key: str, _url: str, _path: str, _params: tuple, _bearer: str) -> Any:
    """The bearer it is read with is not part of the key."""
    return _get(_url, _path, _params, _bearer)


@st.cache_data(ttl=COUNT_TTL_SECONDS, show_spinner=False)
def _cached_count(*, key: str, _url: str, _path: str, _params: tuple, _bearer: str) -> Any:
    return _get(_url, _path, _params, _bearer)


@st.cache_data(ttl=STEADY_TTL_SECONDS, show_spinner=False)
def _cached_steady(*, key: str, _url: str, _path: str, _params: tuple, _bearer: str) -> Any:
    return _get(_url, _path, _params, _bearer)


def _cached(cache: Callable[..., Any], holder: Hashable, path: str, params: Mapping[str, Any], written: tuple) -> Any:
    """Keyed by whose answer it is (a token, or the grants reference data is shared by), the API's address, the path and
    its parameters, and the write counts of what it reads."""
    url, query = base_url(), tuple(sorted(_clean(params).items()))
    key = repr((holder, url, path, query, written))
    return cache(key=key, _url=url, _path=path, _params=query, _bearer=token() or "")


def _personal(cache: Callable[..., Any], path: str, params: Mapping[str, Any], keys: Sequence[str]) -> Any:
    """Under the user's token, cleared by writes to `keys` in their scope and by their own writes to its area."""
    area, bearer = area_of(path), token() or ""
    return _cached(cache, bearer, path, params, WRITES.of([*_read(keys, _scope(area)), _own_part(area, bearer)]))


def read(path: str, **params: Any) -> Any:
    """Cleared by any write to its area in the user's scope."""
    return _personal(_cached_read, path, params, [area_of(path)])


def count(path: str, **params: Any) -> Any:
    """Cleared as a read is."""
    return _personal(_cached_count, path, params, [area_of(path)])


def _steady(path: str, also: Sequence[str]) -> list[str]:
    """Its collection, the collections it is made from (`also`), and the accounts (a grant's change)."""
    return [collection_of(path), *also, ACCOUNTS]


def own(path: str, *, also: Sequence[str] = (), **params: Any) -> Any:
    """E.g. GET /auth/me, the CRM profile, saved views; `also` names collections it is made from (e.g.
    "crm/agencies")."""
    return _personal(_cached_steady, path, params, _steady(path, also))


def reference(path: str, *, also: Sequence[str] = (), **params: Any) -> Any:
    """Never served to another scope; `also` names collections it is made from."""
    area = area_of(path)
    grants = _grants(area)
    written = WRITES.of(_read(_steady(path, also), _scope_in(area, grants)))
    return _cached(_cached_steady, (area, grants), path, params, written)


def fetch(path: str, **params: Any) -> Any:
    return _send(base_url(), "GET", path, bearer=token(), browser=browser_address(), params=params)


def download(path: str, **params: Any) -> Callable[[], bytes]:
    url, bearer, browser = base_url(), token(), browser_address()
    return lambda: _send(url, "GET", path, bearer=bearer, browser=browser, params=params, raw=True)


def file_part(name: str, content: bytes) -> tuple[str, bytes, str]:
    """A file as a multipart part, its type from its name (an import's .xlsx or CSV)."""
    return name, content, mimetypes.guess_type(name)[0] or "application/octet-stream"


def columns_field(columns: str | None) -> dict[str, str]:
    """An import's mapping step's answer (JSON: the file's column -> the expected one) as its form field."""
    return {"columns": columns} if columns else {}


def write(
    method: str,
    path: str,
    json: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    files: Files | None = None,
    data: Mapping[str, Any] | None = None,
    changes: Changes = SCOPE,
) -> Any:
    """The cached reads of what it changes are cleared whatever the answer (a refusal may say that the cached copy is
    stale)."""
    written = _written_parts(path, changes)
    try:
        return _send(
            base_url(),
            method,
            path,
            bearer=token(),
            browser=browser_address(),
            params=params,
            json=json,
            files=files,
            data=data,
        )
    finally:
        WRITES.add(written)


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _storage_full(*, url: str) -> str | None:
    try:
        _get(url, "/ready", (), "")
    except ApiError as exc:
        if isinstance(exc.details, dict) and exc.details.get("storage") is False:
            return exc.message
    return None


def storage_full() -> str | None:
    """The API's words when its storage runs out (GET /ready answers 503 with storage false:
    「保存領域がいっぱいです…」), else None: the same for everyone, so this server asks once per READ_TTL_SECONDS."""
    return _storage_full(url=base_url())


# Authentication


def login(login_id: str, password: str, device_token: str | None = None, second_factor_code: str | None = None) -> dict:
    """With the device token the browser holds (if any), and the second factor's code once asked for; the answer
    carries the device token it is to keep."""
    credentials = {"login_id": login_id, "password": password}
    if device_token:
        credentials["device_token"] = device_token
    if second_factor_code:
        credentials["second_factor_code"] = second_factor_code
    return _send(base_url(), "POST", "/auth/login", bearer=None, browser=browser_address(), json=credentials)


HANDOFF_PARAMETER = "sign_in"  # the code the company's sign-in comes back with (service/identity/oidc_router.py)
COMPANY_SIGN_IN_START = "/auth/oidc/start"  # where the browser leaves for the company's provider


def sign_in_options() -> dict:
    """What the sign-in page offers: the company's account (`company_account`), and to whom a password (`password`:
    all, admins, off); read at each run of the sign-in page (a small answer, and never one a cache left stale).
    Unreachable: passwords, as the API's answer will then say."""
    try:
        return _send(base_url(), "GET", "/auth/sign-in-options", bearer=None, browser=None)
    except ApiError:
        return {"company_account": False, "password": "all"}


def exchange_sign_in(code: str) -> dict:
    """The session for the hand-off code the company's sign-in came back with, asked for once by this server with the
    dashboards' key; the same answer as a password sign-in's but for a device token."""
    headers = {DASHBOARDS_KEY_HEADER: dashboards_key()} if dashboards_key() else {}
    return _send(
        base_url(),
        "POST",
        "/auth/oidc/exchange",
        bearer=None,
        browser=browser_address(),
        json={"code": code},
        headers=headers,
    )


def change_password(current: str, new: str) -> dict:
    """The signed-in person's own; the API answers with a fresh token (X-Renewed-Token), which this session keeps."""
    body = {"current_password": current, "new_password": new}
    return write("POST", "/auth/password", json=body, changes=PERSON)


def start_second_factor() -> dict:
    """A new authenticator secret, its otpauth URI and QR code (SVG) for the signed-in person."""
    return write("POST", "/auth/second-factor", changes=PERSON)


def confirm_second_factor(code: str) -> list[str]:
    """The recovery codes, answered once the app's code matched."""
    return write("POST", "/auth/second-factor/confirm", json={"code": code}, changes=PERSON)["recovery_codes"]


def logout() -> None:
    write("POST", "/auth/logout", changes=PERSON)


RUN_KEY = "api_run"  # what the page run under way knows of the signed-in user (start_run, me, confirm_run)


def start_run() -> None:
    """A page run begins (streamlit_app.main): it takes the signed-in user once (me), not once per read it makes."""
    st.session_state[RUN_KEY] = {}


def _run_memo() -> dict | None:
    """The memo of the page run under way; none in a fragment's own rerun (it keeps the cache's TTL)."""
    ctx = get_script_run_ctx()
    return None if ctx is None or ctx.fragment_ids_this_run else st.session_state.get(RUN_KEY)


def me() -> dict:
    """The signed-in user, cached (own), taken once per page run (and again after a write was sent); confirm_run
    checks it with the service at the run's end. Every read asks for the user's grants: they find them here."""
    memo, stamp = _run_memo(), (token(), WRITES.sent)
    if memo is None:
        return own("/auth/me")
    if memo.get("stamp") != stamp:
        memo.update(stamp=stamp, user=own("/auth/me"))
    return memo["user"]


def confirm_run() -> bool:
    """At a page run's end: whether the user it was drawn for is who the service says, so that a person deactivated or
    given a new password or other grants elsewhere (by the company's directory over SCIM, on another server) is on the
    right page at their next click. The run's answers with their token said so (X-Caller-State); a run whose reads
    were all cached asks GET /auth/me. An ended session raises ApiError 401, as any read does; False (the cached user
    dropped) when the person's state moved on: the page is to run again."""
    memo = _run_memo()
    if memo is None or "user" not in memo:
        return True
    seen = memo.get("seen") or fetch("/auth/me")["state"]
    if seen == memo["user"].get("state"):
        return True
    WRITES.add([_own_part(ACCOUNTS, token() or "")])
    return False


# Platform administration


def roles() -> list[dict]:
    return reference("/admin/roles")


def vocabulary() -> dict:
    """The accounts' and grants' fields as the admin forms show and check them: {fields: {table: {column: ...}}}."""
    return reference("/admin/vocabulary")


def list_users(*, q: str = "", page: int = 1, page_size: int = 50) -> dict:
    return read("/admin/users", q=q, page=page, page_size=page_size)


def get_user(user_id: int) -> dict:
    return read(f"/admin/users/{user_id}")


def create_user(data: dict) -> dict:
    return write("POST", "/admin/users", data)


def update_user(user_id: int, changes: dict) -> dict:
    return write("PATCH", f"/admin/users/{user_id}", changes)


def reset_second_factor(user_id: int) -> None:
    write("DELETE", f"/admin/users/{user_id}/second-factor")


def set_grant(user_id: int, domain: str, role: str, scope: str | None) -> dict:
    return write("PUT", f"/admin/users/{user_id}/grants/{domain}", {"role": role, "scope": scope})


def remove_grant(user_id: int, domain: str) -> None:
    write("DELETE", f"/admin/users/{user_id}/grants/{domain}")


def list_groups() -> list[dict]:
    return read("/admin/groups")


def create_group(display_name: str, member_ids: list[int]) -> dict:
    return write("POST", "/admin/groups", {"display_name": display_name, "member_ids": member_ids})


def update_group(group_id: int, display_name: str, member_ids: list[int]) -> dict:
    return write("PATCH", f"/admin/groups/{group_id}", {"display_name": display_name, "member_ids": member_ids})


def delete_group(group_id: int) -> None:
    write("DELETE", f"/admin/groups/{group_id}")


def set_group_grant(group_id: int, domain: str, role: str, scope: str | None) -> dict:
    return write("PUT", f"/admin/groups/{group_id}/grants/{domain}", {"role": role, "scope": scope})


def remove_group_grant(group_id: int, domain: str) -> None:
    write("DELETE", f"/admin/groups/{group_id}/grants/{domain}")


def list_scim_tokens() -> list[dict]:
    return read("/admin/scim-tokens")


def make_scim_token(name: str) -> dict:
    """Its `secret` is in this answer alone."""
    return write("POST", "/admin/scim-tokens", {"name": name})


def revoke_scim_token(token_id: int) -> dict:
    return write("POST", f"/admin/scim-tokens/{token_id}/revoke")


def list_audit(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/admin/audit", page=page, page_size=page_size, **filters)


def audit_vocabulary() -> dict:
    """The log filters' codes in words: {domains, actions, target_types} (code -> Japanese)."""
    return reference("/admin/audit/vocabulary")


def verify_audit() -> dict:
    """Recompute the audit chain now (never cached: it is the check itself)."""
    return fetch("/admin/audit/verify")


def outbox_vocabulary() -> dict:
    """送信履歴's codes in words: {statuses, channels} (code -> Japanese)."""
    return reference("/admin/outbox/vocabulary")


def list_outbox(*, page: int = 1, page_size: int = 50, **filters: Any) -> dict:
    return read("/admin/outbox", page=page, page_size=page_size, **filters)


def get_outbox(message_id: int) -> dict:
    return read(f"/admin/outbox/{message_id}")


def retry_outbox(message_id: int) -> dict:
    return write("POST", f"/admin/outbox/{message_id}/retry")
