"""Every error the API answers speaks Japanese: its message and each detail's, whatever rule the request broke (the
English rule stays in `code` and each detail's `rule`)."""

import re

import pytest
from pydantic import BaseModel, Field, ValidationError

from service.errors import rule_message, validation_message
from tests.factories import auth_headers, make_user
from tests.service.fleet.conftest import CONTACTS

JAPANESE = re.compile(r"[ぁ-んァ-ヶ一-龠]")
METHODS = ("get", "post", "put", "patch", "delete")
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"  # service/identity/scim/errors.py
PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def messages(body: dict) -> list[str]:
    """The error's message and every detail's; a SCIM route's detail (it answers RFC 7644's shape)."""
    if "error" not in body and SCIM_ERROR in body.get("schemas", []):
        return [body["detail"]]
    error = body["error"]
    details = error["details"] if isinstance(error["details"], list) else []
    return [error["message"], *(d["message"] for d in details if isinstance(d, dict) and "message" in d)]


def assert_japanese(response) -> list[str]:
    assert response.status_code >= 400, response.text
    said = messages(response.json())
    assert all(JAPANESE.search(text) for text in said), f"{response.request.method} {response.request.url}: {said}"
    return said


@pytest.fixture
def admin(db):
    user = make_user(db, "admin", grants={"platform": "admin"})
    db.commit()
    return user


def test_missing_fields_name_the_field(client):
    said = assert_japanese(client.post("/api/auth/login", json={}))
    assert {"ログインID: 必須項目です", "パスワード: 必須項目です"} <= set(said)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "login_id",
            "a b",
            "ログインID: 形式が正しくありません（英数字と「.」「_」「@」「-」の3〜64文字で入力してください）",
        ),
        ("name", "x" * 101, "氏名: 100文字以内で入力してください"),
        ("password", "short", "パスワード: 8文字以上で入力してください"),
        (
            "email",
            "not-an-address",
            "メールアドレス: 形式が正しくありません（「名前@ドメイン」の形（例: name@example.com）で入力してください）",
        ),
        ("is_active", "yes", "有効: true または false で指定してください"),
        ("name", 5, "氏名: 文字列で指定してください"),
        ("name", "a\x01b", "氏名: 制御文字（U+0001）は使用できません"),
    ],
)
def test_each_broken_rule_is_said_in_japanese(client, admin, field, value, expected):
    user = {"login_id": "someone", "name": "某", "password": "long-enough-1"}
    response = client.post("/api/admin/users", json=user | {field: value}, headers=auth_headers(admin))
    assert response.status_code == 422
    assert expected in assert_japanese(response)


def test_a_choice_field_lists_its_choices(client, admin):
    body = {"company_name": "顧客", **CONTACTS, "contract_type": "gold"}
    response = client.post("/api/fleet/customers", json=body, headers=auth_headers(admin))
    expected = "契約種別: 次のいずれかを指定してください: 'basic'、'standard'、'premium'"
    assert expected in assert_japanese(response)
    assert response.json()["error"]["details"][0]["rule"] == "enum"  # kinds.ContractType


def test_numbers_and_ranges_in_the_path_and_query(client, admin):
    said = assert_japanese(client.delete("/api/admin/users/abc/grants/fleet", headers=auth_headers(admin)))
    assert "ユーザー: 整数で指定してください" in said
    said = assert_japanese(client.get("/api/admin/users", params={"page_size": 1000}, headers=auth_headers(admin)))
    assert "表示件数: 100以下の値を指定してください" in said
    said = assert_japanese(client.get("/api/admin/users", params={"page": 0}, headers=auth_headers(admin)))
    assert "ページ: 1以上の値を指定してください" in said


def test_malformed_json_keeps_its_code_and_says_so_in_japanese(client):
    response = client.post("/api/auth/login", content=b'{"login_id": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert "JSONの形式が正しくありません" in assert_japanese(response)


def test_unknown_route_and_wrong_method(client):
    response = client.get("/api/no-such-thing")
    assert response.json()["error"] == {"code": "not_found", "message": "指定されたAPIは存在しません", "details": None}
    response = client.put("/api/health")
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert assert_japanese(response) == ["このAPIはこのメソッドに対応していません（使用できるメソッド: GET）"]


class Sample(BaseModel):
    """Rules beyond the routes' walk: each field breaks one (fields without words: 入力項目, never their names)."""

    count: int = Field(gt=0)
    ratio: float = Field(lt=0.75)
    tags: list[str] = Field(min_length=1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"count": 0}, "入力項目: 0より大きい値を指定してください"),
        ({"count": 1.5}, "入力項目: 整数で指定してください（小数は指定できません）"),
        ({"ratio": 2}, "入力項目: 0.75未満の値を指定してください"),
        ({"ratio": "x"}, "入力項目: 数値で指定してください"),
        ({"tags": []}, "入力項目: 1件以上指定してください"),
        ({"tags": "x"}, "入力項目: 配列で指定してください"),
    ],
)
def test_pydantic_rules_in_japanese(values, expected):
    with pytest.raises(ValidationError) as raised:
        Sample.model_validate({"count": 1, "ratio": 0.5, "tags": ["a"]} | values)
    assert validation_message(raised.value.errors()[0]) == expected


def test_our_validators_keep_their_own_japanese_and_an_english_one_gets_a_japanese_fallback():
    own = {"type": "value_error", "loc": ("x",), "msg": "Value error, 日付が正しくありません", "input": 1, "ctx": {}}
    english = {"type": "value_error", "loc": ("x",), "msg": "Value error, bad thing", "input": 1, "ctx": {}}
    assert rule_message(own) == "日付が正しくありません"
    assert rule_message(english) == "値が正しくありません"


def wrong_method(operations: dict) -> str | None:
    return next((method for method in METHODS if method not in operations), None)


def garbage_calls(path: str, operations: dict) -> list[tuple[str, str, dict]]:
    """(method, url, request options) that each break a rule before any work is done: a method the path does not
    take, ids that are not numbers, a body that is not JSON, required query parameters left out."""
    url = PATH_PARAMETER.sub("x", path)
    calls = []
    method = wrong_method(operations)
    if method:
        calls.append((method, url, {}))
    for method, operation in operations.items():
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            calls.append((method, url, {"content": b"{not json", "headers": {"content-type": "application/json"}}))
        elif body:
            calls.append((method, url, {"content": b"garbage", "headers": {"content-type": "multipart/form-data"}}))
        elif "{" in path or any(p.get("required") for p in operation.get("parameters", [])):
            calls.append((method, url, {}))
    return calls


def test_every_route_refuses_garbage_in_japanese(client, admin):
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, url, options in garbage_calls(path, operations):
            headers = auth_headers(admin) | options.pop("headers", {})
            assert_japanese(client.request(method.upper(), url, headers=headers, **options))
