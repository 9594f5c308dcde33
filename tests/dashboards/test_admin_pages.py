"""管理 pages: users and grants, the audit log and its tamper check, the shared paginated table."""

import httpx
import pytest

from service.fleet.models import Customer
from tests.dashboards.conftest import button, open_page, texts, turn_page
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from tests.service.entry_logs.world import make_world

USERS = "app_pages/admin/users.py"
AUDIT = "app_pages/admin/audit.py"


@pytest.fixture
def admin(db):
    user = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    db.commit()
    return user


def fill_new_user(at, *, login_id: str, name: str, email: str, password: str):
    at.text_input(key="admin_users_new_0_login_id").input(login_id)
    at.text_input(key="admin_users_new_0_name").input(name)
    at.text_input(key="admin_users_new_0_email").input(email)
    at.text_input(key="admin_users_new_0_password").input(password)
    return button(at, "作成").click().run()


def api_user(live_api: str, admin, login_id: str) -> dict | None:
    page = httpx.get(f"{live_api}/api/admin/users", params={"q": login_id}, headers=auth_headers(admin)).json()
    return next((u for u in page["items"] if u["login_id"] == login_id), None)


def test_admin_creates_a_user_and_sets_a_grant_through_the_forms(admin, db, open_app, live_api):
    customer = Customer(company_name="A社")
    db.add(customer)
    db.commit()
    at = open_page(open_app, admin, USERS)

    at = fill_new_user(at, login_id="sato.k", name="佐藤 健", email="sato@example.jp", password="long-enough-1")
    assert not at.error, texts(at.error)
    # AppTest shows the Markdown source: what a person typed is escaped (sato\.k renders as sato.k).
    assert "ユーザー「sato\\.k」を作成しました。続けて権限を設定してください。" in texts(at.success)
    created = api_user(live_api, admin, "sato.k")
    assert created is not None and created["name"] == "佐藤 健" and created["grants"] == []
    assert at.selectbox(key="admin_users_selected").value == created["id"]

    role = at.selectbox(key=f"admin_users_role_{created['id']}_fleet")
    assert role.options[0] == "なし"
    role.select("operator").run()
    scope = at.selectbox(key=f"admin_users_scope_{created['id']}_fleet")
    assert "A社" in scope.options  # the customer by its name, never its internal id
    scope.select(str(customer.id))
    at = button(at, "権限を保存").click().run()

    assert not at.error, texts(at.error)
    assert "ユーザー「sato\\.k」の権限を保存しました（端末管理）。" in texts(at.success)
    grants = api_user(live_api, admin, "sato.k")["grants"]
    assert [(g["domain"], g["role"], g["scope_name"]) for g in grants] == [("fleet", "operator", "A社")]


def test_the_create_form_refuses_bad_input_before_sending_it(admin, open_app, live_api):
    at = open_page(open_app, admin, USERS)

    at = fill_new_user(at, login_id="a b", name="名前", email="not-an-email", password="short")

    assert texts(at.error) == [
        "ログインID: 形式が正しくありません（英数字と「.」「_」「@」「-」の3〜64文字で入力してください）",
        "メールアドレス: 形式が正しくありません（「名前@ドメイン」の形（例: name@example.com）で入力してください）",
        "パスワードは8文字以上72文字以下にしてください。",
    ]
    assert api_user(live_api, admin, "a b") is None


def test_a_role_that_needs_a_scope_is_not_sent_without_one(admin, db, open_app, live_api):
    sales = make_user(db, "sales1", grants={"fleet": "viewer"})
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.selectbox(key="admin_users_selected").select(sales.id).run()

    at.selectbox(key=f"admin_users_role_{sales.id}_crm").select("sales").run()
    assert at.selectbox(key=f"admin_users_scope_{sales.id}_crm").label == "代理店CRMの範囲（代理店）・必須"
    at.selectbox(key=f"admin_users_role_{sales.id}_fleet").select("").run()
    at = button(at, "権限を保存").click().run()

    assert texts(at.error) == ["代理店CRM: この役割には範囲の入力が必要です。"]
    assert [g["domain"] for g in api_user(live_api, admin, "sales1")["grants"]] == ["fleet"]


def test_the_scope_input_shows_only_for_roles_limited_to_a_tenant(admin, db, open_app):
    user = make_user(db, "staff1", grants={"loaners": "admin"})
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.selectbox(key="admin_users_selected").select(user.id).run()
    scope_key = f"admin_users_scope_{user.id}_loaners"

    assert scope_key not in [t.key for t in at.selectbox]
    at.selectbox(key=f"admin_users_role_{user.id}_loaners").select("staff").run()
    assert at.selectbox(key=scope_key).label == "代替機の範囲（管轄）"


def test_admin_edits_a_user_and_removes_a_grant(admin, db, open_app, live_api):
    user = make_user(db, "tanaka", name="田中", grants={"fleet": "viewer", "crm": ("sales", "12")})
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.selectbox(key="admin_users_selected").select(user.id).run()

    at.text_input(key=f"admin_users_edit_name_{user.id}").input("田中 花子")
    at.checkbox(key=f"admin_users_edit_active_{user.id}").uncheck()
    at = button(at, "保存").click().run()
    deactivated = "ユーザー「tanaka」を無効にしました。ログイン中の画面も次の操作でログイン画面に戻ります。"
    assert deactivated in texts(at.success)

    at.selectbox(key=f"admin_users_role_{user.id}_fleet").select("").run()
    at = button(at, "権限を保存").click().run()

    saved = api_user(live_api, admin, "tanaka")
    assert (saved["name"], saved["is_active"]) == ("田中 花子", False)
    assert [(g["domain"], g["role"], g["scope"]) for g in saved["grants"]] == [("crm", "sales", "12")]
    table = at.dataframe[0].value
    assert table.loc[table["ログインID"] == "tanaka", "状態"].tolist() == ["無効"]


def test_the_user_list_pages_on_the_server(admin, db, open_app):
    for n in range(30):
        make_user(db, f"user{n:02d}")
    db.commit()
    at = open_page(open_app, admin, USERS, state={"admin_users_page_size": 25})

    assert "全31件中 1〜25件目" in texts(at.caption)
    assert len(at.dataframe[0].value) == 25
    turn_page(at, 2)

    assert "全31件中 26〜31件目" in texts(at.caption)
    assert at.dataframe[0].value["ログインID"].tolist() == [f"user{n}" for n in range(24, 30)]


def test_the_search_filters_the_user_list(admin, db, open_app):
    make_user(db, "yamada", name="山田")
    make_user(db, "suzuki", name="鈴木")
    db.commit()
    at = open_page(open_app, admin, USERS)

    at.text_input(key="admin_users_q").input("山田").run()

    assert at.dataframe[0].value["ログインID"].tolist() == ["yamada"]
    assert "全1件中 1〜1件目" in texts(at.caption)


def test_audit_log_lists_entries_readably_and_the_chain_checks_out(admin, open_app, live_api):
    for password in ("wrong-password", DEFAULT_PASSWORD):
        httpx.post(f"{live_api}/api/auth/login", json={"login_id": "root", "password": password})
    httpx.post(
        f"{live_api}/api/admin/users",
        headers=auth_headers(admin),
        json={"login_id": "kimura", "name": "木村", "password": "long-enough-1"},
    ).raise_for_status()

    at = open_page(open_app, admin, AUDIT)

    table = at.dataframe[0].value
    assert table["操作"].tolist() == ["作成", "ログイン", "ログイン失敗"]
    assert table["区分"].tolist() == ["管理"] * 3
    created = table.iloc[0]
    assert created["対象"].startswith("ユーザー ")
    assert "ログインID: （なし） → kimura" in created["変更内容"]
    assert "有効: （なし） → 有効" in created["変更内容"]
    assert table.iloc[2]["変更内容"] == "ログインID: root / 理由: ログインIDまたはパスワードの誤り"

    at = button(at, "改ざんチェック").click().run()
    assert texts(at.success) == ["改ざんは見つかりませんでした（3件を検査）。"]


def test_audit_log_filters_by_action(admin, open_app, live_api):
    for password in ("wrong-password", DEFAULT_PASSWORD):
        httpx.post(f"{live_api}/api/auth/login", json={"login_id": "root", "password": password})
    at = open_page(open_app, admin, AUDIT)

    at.selectbox(key="admin_audit_action").select("login_failed").run()

    assert at.dataframe[0].value["操作"].tolist() == ["ログイン失敗"]
    at.selectbox(key="admin_audit_detail").select(1).run()
    detail = at.dataframe[1].value
    assert detail.to_dict("records") == [
        {"項目": "ログインID", "変更前": "", "変更後": "root"},
        {"項目": "理由", "変更前": "", "変更後": "ログインIDまたはパスワードの誤り"},
    ]


def test_a_nurserys_admin_is_scoped_to_it_on_the_grant_form(admin, db, open_app, live_api):
    nursery = make_world(db, "sakura", name="さくら保育園").nursery
    head = make_user(db, "encho", name="園長 花子")
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.selectbox(key="admin_users_selected").set_value(head.id).run()

    at.selectbox(key=f"admin_users_role_{head.id}_entry_logs").select("admin").run()
    scope = at.selectbox(key=f"admin_users_scope_{head.id}_entry_logs")
    assert scope.label == "入退管理の範囲（園）" and "さくら保育園" in scope.options
    scope.select(str(nursery.id))
    at = button(at, "権限を保存").click().run()

    assert not at.error, texts(at.error)
    grants = api_user(live_api, admin, "encho")["grants"]
    assert [(g["domain"], g["role"], g["scope_name"]) for g in grants] == [("entry_logs", "admin", "さくら保育園")]


def test_audit_log_filters_by_the_name_of_who_acted(admin, db, open_app, live_api):
    other = make_user(db, "kimura", name="木村 花子", grants={"platform": "admin"})
    db.commit()
    for by, login in ((admin, "sato"), (other, "suzuki")):
        new = {"login_id": login, "name": login, "password": "long-enough-1"}
        httpx.post(f"{live_api}/api/admin/users", headers=auth_headers(by), json=new).raise_for_status()
    at = open_page(open_app, admin, AUDIT)

    at.text_input(key="admin_audit_actor").input("木村").run()

    assert at.dataframe[0].value["操作者"].tolist() == ["木村 花子（kimura）"]


def test_a_login_id_already_taken_shows_the_apis_message(admin, open_app):
    at = open_page(open_app, admin, USERS)

    at = fill_new_user(at, login_id="ROOT", name="重複", email="", password="long-enough-1")

    assert texts(at.error) == ["このログインIDは既に使われています"]
