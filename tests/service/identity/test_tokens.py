from datetime import UTC, datetime, timedelta

import jwt
import pytest
from jwt.utils import base64url_encode

from service.config import get_settings
from service.errors import Unauthorized
from service.identity.security import decode_token, issue_token

TOKEN = {"sub": "7", "kind": "station", "jti": "ab" * 16, "iat": 1795365955, "exp": 1795394755, "pwf": "0f"}


def test_an_issued_token_carries_whole_second_times_and_the_exact_microsecond():
    now = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC)
    issued = issue_token(subject="3", kind="user", now=now, minutes=60, sid=4)
    unchecked = {"verify_exp": False, "verify_iat": False}
    claims = jwt.decode(issued.token, get_settings().secret_key, algorithms=["HS256"], options=unchecked)
    assert claims["iat"] == int(now.timestamp())
    assert claims["iat_us"] == int(now.timestamp()) * 1_000_000 + 123456
    assert claims["exp"] == int((now + timedelta(minutes=60)).timestamp())
    assert (claims["sub"], claims["kind"], claims["jti"], claims["sid"]) == ("3", "user", issued.jti, 4)
    assert issued.expires_at == now + timedelta(minutes=60)


def test_each_issued_token_has_its_own_id():
    now = datetime.now(UTC)
    first, second = (issue_token(subject="3", kind="user", now=now) for _ in range(2))
    assert first.jti != second.jti and first.token != second.token
    assert decode_token(first.token, kind="user")["jti"] == first.jti


def test_a_token_expires_and_keeps_its_kind():
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    expired = issue_token(subject="3", kind="station", now=long_ago, minutes=60)
    with pytest.raises(Unauthorized) as refused:
        decode_token(expired.token, kind="station")
    assert refused.value.code == "token_expired"
    current = issue_token(subject="3", kind="station", now=datetime.now(UTC))
    with pytest.raises(Unauthorized) as refused:
        decode_token(current.token, kind="user")
    assert refused.value.code == "invalid_token"


def test_a_tampered_token_is_refused():
    issued = issue_token(subject="3", kind="station", now=datetime.now(UTC))
    header, payload, signature = issued.token.split(".")
    forged = base64url_encode(b'{"sub":"4","kind":"station","jti":"x","iat":1,"exp":9999999999}').decode()
    with pytest.raises(Unauthorized) as refused:
        decode_token(f"{header}.{forged}.{signature}", kind="station")
    assert refused.value.code == "invalid_token"
