"""Password hashing and checking (bounded: `PasswordChecks`), and JWT tokens."""

import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import bcrypt
import jwt
from prometheus_client import Counter

from service.config import get_settings
from service.errors import Unauthorized

MAX_PASSWORD_BYTES = 72
TOKEN_EXPIRED = "トークンの有効期限が切れています。再度ログインしてください"
INVALID_TOKEN = "認証トークンが不正です"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE_US = 60_000_000
T = TypeVar("T")


def hash_password(password: str, rounds: int | None = None) -> str:
    secret = password.encode()[:MAX_PASSWORD_BYTES]
    return bcrypt.hashpw(secret, bcrypt.gensalt(rounds or get_settings().bcrypt_rounds)).decode()


# What a flood of logins costs, and what a refusal saved
PASSWORD_CHECKS = Counter("daicho_password_checks", "bcrypt password checks of sign-ins")
CHECK_NICENESS = 10  # an unknown device's check threads' priority below the requests' (nice 0); a known device's
# run at the requests' own: its token proves an earlier sign-in there, and a guesser holds none
_KNOWN_DEVICE: ContextVar[bool] = ContextVar("known_device", default=False)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _checkpw(password, password_hash.encode())
    except ValueError:
        return False


def rehashed(password: str, password_hash: str) -> str | None:
    """After a check that matched: the password hashed at the configured cost when its hash has another, so a change
    of `APP_BCRYPT_ROUNDS` reaches every password at its next sign-in; else None. In a check's thread and turn."""
    rounds = get_settings().bcrypt_rounds
    if bcrypt_cost(password_hash) == rounds:
        return None
    salt = bcrypt.gensalt(rounds)
    return _in_check_thread(bcrypt.hashpw, password.encode()[:MAX_PASSWORD_BYTES], salt).decode()


def bcrypt_cost(password_hash: str) -> int:
    """`$2b$12$…`: the cost between the second and third `$`."""
    return int(password_hash.split("$")[2])


def _checkpw(password: str, password_hash: bytes) -> bool:
    PASSWORD_CHECKS.inc()
    return _in_check_thread(bcrypt.checkpw, password.encode()[:MAX_PASSWORD_BYTES], password_hash)


def _in_check_thread(work: Callable[[bytes, bytes], T], secret: bytes, password_hash: bytes) -> T:
    """An unknown device's bcrypt runs below the requests' priority: when the CPU is short, a flood's checks wait, not
    everyone else's requests (bcrypt lets go of the GIL). A known device's (`PasswordChecks.slot`) runs at theirs:
    a person's morning sign-in is not slowed by a busy machine more than their pages are."""
    return _check_threads(lowered=not _KNOWN_DEVICE.get()).submit(work, secret, password_hash).result()


@lru_cache
def _check_threads(*, lowered: bool) -> ThreadPoolExecutor:
    """PasswordChecks bounds the checks of both at once."""
    workers = get_settings().login_checks_at_once
    name = "password-check" if lowered else "password-check-known"
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=_lower_priority if lowered else None)


def _lower_priority() -> None:
    """Linux keeps one per thread; lowering it needs no privilege."""
    thread = threading.get_native_id()
    os.setpriority(os.PRIO_PROCESS, thread, max(CHECK_NICENESS, os.getpriority(os.PRIO_PROCESS, thread)))


@lru_cache
def _dummy_hash() -> bytes:
    """So a miss costs one check, as a hit does: a well-formed hash at the service's cost whose digest is all zero bits
    (bcrypt's base64 of 23 zero bytes), which no password gives. Made without hashing: concurrent first misses would
    each hash at the requests' priority."""
    return bcrypt.gensalt(get_settings().bcrypt_rounds) + b"." * 31


def burn_password_check(password: str) -> None:
    _checkpw(password, _dummy_hash())


@dataclass
class AddressTurn:
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: int = 0


class PasswordChecks:
    """At most `at_once` checks in all, and one at a time for an address whose failures count (lockout.attempt): a
    guesser's checks take turns while many people behind one office address are not held up. A check waits for its
    turn however long it takes: the login guard (login_guard.py) lets only a few logins into the app at once, so only
    a few ever wait here, and nobody is refused for the machine being slow."""

    def __init__(self, at_once: int) -> None:
        self.slots = threading.BoundedSemaphore(at_once)
        self.lock = threading.Lock()
        self.addresses: dict[str, AddressTurn] = {}

    @contextmanager
    def slot(self, address: str | None, *, known_device: bool = False) -> Iterator[None]:
        """`address` None: the bound in all only. A `known_device`'s check runs at the requests' priority."""
        with self._address_turn(address), self.slots:
            priority = _KNOWN_DEVICE.set(known_device)
            try:
                yield
            finally:
                _KNOWN_DEVICE.reset(priority)

    @contextmanager
    def _address_turn(self, address: str | None) -> Iterator[None]:
        if address is None:
            yield
            return
        with self.lock:
            turn = self.addresses.setdefault(address, AddressTurn())
            turn.waiting += 1
        try:
            with turn.lock:
                yield
        finally:
            with self.lock:
                turn.waiting -= 1
                if not turn.waiting:
                    del self.addresses[address]


@lru_cache
def password_checks() -> PasswordChecks:
    return PasswordChecks(get_settings().login_checks_at_once)


class IssuedToken(NamedTuple):
    token: str
    jti: str
    expires_at: datetime


def issue_token(*, subject: str, kind: str, now: datetime, minutes: int | None = None, **claims: Any) -> IssuedToken:
    settings = get_settings()
    lifetime = minutes or settings.jwt_expiry_minutes
    jti = secrets.token_hex(16)
    issued_us = epoch_microseconds(now)
    payload = {
        "sub": subject,
        "kind": kind,
        "jti": jti,
        "iat": issued_us // 1_000_000,
        "iat_us": issued_us,
        "exp": (issued_us + lifetime * MINUTE_US) // 1_000_000,
        **claims,
    }
    token = jwt.encode(payload, settings.secret_key, algorithm=settings.jwt_algorithm)
    return IssuedToken(token, jti, now + timedelta(minutes=lifetime))


def epoch_microseconds(moment: datetime) -> int:
    """Exact, unlike a float timestamp: `iat` has whole seconds, too coarse to tell a token from a password change."""
    since = moment - EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def issued_before(claims: Mapping[str, Any], moment: datetime) -> bool:
    """To the microsecond; to the second for older tokens."""
    return claims.get("iat_us", claims["iat"] * 1_000_000) < epoch_microseconds(moment)


def decode_token(token: str, *, kind: str) -> dict[str, Any]:
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[settings.jwt_algorithm],
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized(TOKEN_EXPIRED, code="token_expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(INVALID_TOKEN, code="invalid_token") from exc
    if claims.get("kind") != kind:
        raise Unauthorized(INVALID_TOKEN, code="invalid_token")
    return claims
