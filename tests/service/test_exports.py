"""Every list's CSV download (service/exports.py): the whole filtered list as one streamed file, and the download
links a browser follows with the dashboards' session cookie (only those routes take it, never from another site)."""

import io
from datetime import datetime

import httpx
import pytest
from fastapi import Depends
from fastapi.routing import APIRoute, iter_route_contexts
from openpyxl import load_workbook
from sqlalchemy import select

from service.config import get_settings
from service.credentials import SESSION_COOKIE, download_link
from service.exports import Download, FileStream, ListExport, download, entities, field, file_choice
from service.identity.models import User
from service.main import create_app
from tests.factories import auth_headers, make_user, token_for
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.service.outbox.helpers import enqueue_committed
from tests.support.clock import JAPAN
from tests.support.downloads import csv_download, xlsx_download
from tests.support.live_server import serving

TERMINALS = "/api/fleet/terminals"


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(get_settings(), "export_batch", 2)


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


@pytest.fixture
def operator_token(db) -> str:
    customer = make_customer(db, "ABC商事")
    make_terminal(db, customer, serial="TC-1", enrolled=False)
    user = make_user(db, "fleet-op", grants={"fleet": "operator"})
    db.commit()
    return token_for(user)


def calls(dependant) -> set:
    """Every function in a route's dependency tree."""
    return {dependant.call}.union(*(calls(sub) for sub in dependant.dependencies))


def test_only_the_download_routes_take_the_session_cookie(app):
    takes_cookie, downloads = set(), set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            if download_link in calls(route.dependant):
                takes_cookie.add((tuple(route.methods), route.path))
            answer = route.original_route.response_class
            if isinstance(answer, type) and issubclass(answer, FileStream):
                downloads.add((tuple(route.methods), route.path))
    assert takes_cookie == downloads and len(downloads) >= 24
    assert {methods for methods, _ in downloads} == {("GET",)}


def test_a_download_link_signs_in_with_the_session_cookie(client, operator_token):
    rows = csv_download(client.get(f"{TERMINALS}/export", headers=cookie(operator_token)))
    assert [row[1] for row in rows[1:]] == ["TC-1"]
    same_site = cookie(operator_token) | {"Sec-Fetch-Site": "same-site"}
    assert client.get(f"{TERMINALS}/export", headers=same_site).status_code == 200


def test_other_routes_ignore_the_session_cookie(client, operator_token):
    response = client.get(TERMINALS, headers=cookie(operator_token))
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_a_download_another_site_starts_is_refused_with_its_cookie(client, operator_token):
    response = client.get(f"{TERMINALS}/export", headers=cookie(operator_token) | {"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_site"


def test_an_authorization_header_wins_over_the_cookie(client, db, operator_token):
    outsider = auth_headers(make_user(db, "outsider", grants={"crm": "operator"}))
    db.commit()
    assert client.get(f"{TERMINALS}/export", headers=outsider | cookie(operator_token)).status_code == 403
    assert client.get(f"{TERMINALS}/export", headers=cookie("not-a-token")).status_code == 401


def test_a_logged_out_cookie_no_longer_downloads(client, operator_token):
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {operator_token}"}).status_code == 204
    assert client.get(f"{TERMINALS}/export", headers=cookie(operator_token)).status_code == 401


def test_the_user_export_is_every_user_the_search_finds(client, db, small_batches):
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    for n in range(5):
        make_user(db, f"staff-{n}", name=f"=職員{n}", grants={"fleet": ("viewer", None)} if n % 2 else None)
    make_user(db, "other", is_active=False)
    db.commit()
    listed = client.get("/api/admin/users", params={"q": "staff"}, headers=admin).json()
    rows = csv_download(client.get("/api/admin/users/export", params={"q": "staff"}, headers=admin))
    assert rows[0] == [
        *("ID", "ログインID", "氏名", "メールアドレス", "登録元", "ディレクトリのID", "IDプロバイダーのID"),
        *("状態", "権限", "最終ログイン", "ディレクトリから削除"),
    ]
    assert [row[1] for row in rows[1:]] == [user["login_id"] for user in listed["items"]] and listed["total"] == 5
    assert rows[1][2:] == ["'=職員0", "staff-0@example.jp", "ローカル", "", "", "有効", "なし", "", ""]
    assert rows[2][8] == "端末管理: 閲覧のみ"


def test_the_audit_and_outbox_exports_follow_their_filters(client, db, small_batches):
    admin = auth_headers(make_user(db, "root", name="管理者 太郎", grants={"platform": "admin"}))
    db.commit()
    for n in range(3):
        enqueue_committed(recipient=f"p{n}@example.jp", domain="entry_logs")
    enqueue_committed(channel="slack", recipient="#ops", domain="fleet")
    outbox = csv_download(client.get("/api/admin/outbox/export", params={"channel": "email"}, headers=admin))
    listed = client.get("/api/admin/outbox", params={"channel": "email"}, headers=admin).json()
    assert [int(row[0]) for row in outbox[1:]] == [item["id"] for item in listed["items"]] and listed["total"] == 3
    assert outbox[0][:6] == ["ID", "作成日時", "チャネル", "宛先", "件名", "状態"]
    for n in range(3):
        body = {"login_id": f"new{n}", "name": "x", "password": "Long-enough-pass-1"}
        assert client.post("/api/admin/users", json=body, headers=admin).status_code == 201
    entries = client.get("/api/admin/audit", params={"action": "create"}, headers=admin).json()
    audit = csv_download(client.get("/api/admin/audit/export", params={"action": "create"}, headers=admin))
    assert audit[0] == ["番号", "日時", "操作者", "操作", "区分", "対象", "変更内容", "接続元"]
    assert [int(row[0]) for row in audit[1:]] == [entry["seq"] for entry in entries["items"]]
    assert entries["total"] >= 3 and audit[1][2:5] == ["管理者 太郎（root）", "作成", "管理"]
    assert audit[1][5] == entries["items"][0]["target_label"] == "ユーザー x"


def test_the_excel_download_is_the_csvs_rows_as_typed_cells(client, db, small_batches):
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    for n, name in enumerate(["=職員0", "#N/A", "+81 90"]):
        make_user(db, f"staff-{n}", name=name)
    db.commit()
    enqueue_committed(channel="sms", recipient="+819021608580", domain="reservations")
    users = {"q": "staff"}
    rows = xlsx_download(client.get("/api/admin/users/export", params=users | {"format": "xlsx"}, headers=admin))
    assert rows[0] == csv_download(client.get("/api/admin/users/export", params=users, headers=admin))[0]
    listed = client.get("/api/admin/users", params=users, headers=admin).json()["items"]
    assert [row[:3] for row in rows[1:]] == [[str(user["id"]), user["login_id"], user["name"]] for user in listed]
    workbook = load_workbook(io.BytesIO(client.get("/api/admin/outbox/export?format=xlsx", headers=admin).content))
    (sheet,) = workbook.worksheets
    assert (sheet.title, sheet.freeze_panes) == ("送信履歴", "A2")
    message = client.get("/api/admin/outbox", headers=admin).json()["items"][0]
    identifier, created, _, recipient = (cell for cell in sheet[2][:4])
    assert (identifier.value, identifier.data_type, identifier.number_format) == (str(message["id"]), "s", "@")
    assert created.value == datetime.fromisoformat(message["created_at"]).astimezone(JAPAN).replace(
        tzinfo=None, microsecond=0
    )
    assert created.is_date and recipient.value == "090-2160-8580"  # the API's E.164, as dialled


def test_a_shift_jis_download_refuses_a_character_it_has_not_by_name(client, db):
    admin = auth_headers(make_user(db, "root", grants={"platform": "admin"}))
    make_user(db, "staff-0", name="髙橋")
    db.commit()
    shift_jis = {"encoding": "shift_jis"}
    written = client.get("/api/admin/users/export", params=shift_jis, headers=admin)
    assert written.status_code == 200 and written.headers["content-type"] == "text/csv; charset=Shift_JIS"
    assert '"髙橋"' in written.content.decode("cp932") and not written.content.startswith(b"\xef\xbb\xbf")
    make_user(db, "staff-1", name="𠮷田")
    db.commit()
    refused = client.get("/api/admin/users/export", params=shift_jis, headers=admin)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_shift_jis"
    assert refused.json()["error"]["message"].startswith("「𠮷」はShift_JISで書けません")
    assert client.get("/api/admin/users/export", headers=admin).status_code == 200  # UTF-8 writes it


def failing_users_export(good_batches: int) -> ListExport:
    """Every user's login id, its reading failing after `good_batches` batches (as a lost database would fail it)."""
    read: list[int] = []

    def records(db, rows):
        read.append(len(rows))
        if len(read) > good_batches:
            raise RuntimeError("the database went away")
        return entities(db, rows)

    return ListExport(select(User), [User.id], [field("ログインID", "login_id")], records)


@pytest.fixture
def served_exports(db, small_batches):
    """A served app (uvicorn, the service's options) with a users export failing after the batches its path names."""
    for n in range(5):
        make_user(db, f"staff-{n}")
    db.commit()
    app = create_app()

    def users(good_batches: int) -> Download:
        return download(failing_users_export(good_batches), "users", "ユーザー一覧")

    app.add_api_route("/api/failing-users/{good_batches}", users, response_class=Download)
    with serving(app) as base_url:
        yield f"{base_url}/api/failing-users"


def test_a_download_failing_before_its_first_rows_answers_an_error_not_a_file(served_exports):
    response = httpx.get(f"{served_exports}/0")
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"


def test_a_download_failing_midway_is_broken_off_never_ended_as_a_short_file(served_exports):
    rows = csv_download(httpx.get(f"{served_exports}/9"))
    assert [row[0] for row in rows] == ["ログインID", *(f"staff-{n}" for n in range(5))]  # whole when nothing fails
    with httpx.stream("GET", f"{served_exports}/1") as response:
        assert response.status_code == 200  # the header and first batch went out before the fault
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            response.read()


def test_a_shift_jis_download_meeting_a_character_it_has_not_midway_is_broken_off(served_exports, db):
    """The first batches went out before the fault: the download breaks off as any fault's does."""
    make_user(db, "staff-𠮷", name="𠮷田")  # the last user: the third batch of two
    db.commit()
    names = ListExport(select(User), [User.id], [field("氏名", "name")], entities)
    app = create_app()
    app.add_api_route(
        "/api/users",
        lambda: download(names, "users", "ユーザー一覧"),
        response_class=Download,
        dependencies=[Depends(file_choice)],
    )
    with (
        serving(app) as base_url,
        httpx.stream("GET", f"{base_url}/api/users?encoding=shift_jis", timeout=60) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            response.read()
