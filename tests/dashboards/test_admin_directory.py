"""利用者管理（全体）'s グループ and SCIMトークン tabs, and where each person comes from."""

import httpx

from tests.dashboards.conftest import button, open_page, texts
from tests.factories import auth_headers, make_user

USERS = "app_pages/admin/users.py"


def test_a_scim_token_is_shown_once_listed_and_revoked(db, open_app, live_api):
    admin = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    db.commit()
    at = open_page(open_app, admin, USERS)
    tokens = at.tabs[2]
    tokens.text_input[0].input("entra-prod")
    at = button(at, "トークンを作成").click().run()

    [secret] = [c.value for c in at.tabs[2].code]
    assert secret.startswith("daicho_scim_")
    scim = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live_api}/api/scim/v2/Users", headers=scim).status_code == 200
    at.run()
    assert [c.value for c in at.tabs[2].code] == []  # shown once
    listed = at.tabs[2].dataframe[0].value
    assert listed["トークン名"].tolist() == ["entra-prod"] and listed["状態"].tolist() == ["有効"]

    at = button(at, "取り消す").click().run()
    # AppTest shows the Markdown source: the name is escaped (entra\-prod renders as entra-prod)
    assert "SCIMトークン「entra\\-prod」を取り消しました。このトークンはもう使えません。" in texts(at.tabs[2].success)
    assert httpx.get(f"{live_api}/api/scim/v2/Users", headers=scim).status_code == 401


def test_a_group_is_made_and_gives_its_members_a_grant(db, open_app, live_api):
    admin = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    sato = make_user(db, "sato", name="佐藤 一郎")
    db.commit()
    at = open_page(open_app, admin, USERS)
    at.tabs[1].text_input[0].input("営業部")
    at = button(at, "グループを作成").click().run()
    assert "グループ「営業部」を作成しました。" in texts(at.tabs[1].success)

    at.tabs[1].multiselect[0].select(sato.id)
    at = button(at, "メンバーを保存").click().run()
    groups = at.tabs[1]
    groups.selectbox[0].select("fleet").run()
    at = button(at, "権限を付ける").click().run()
    assert not at.error, texts(at.error)

    me = httpx.get(f"{live_api}/api/auth/me", headers=auth_headers(sato)).json()
    assert [(g["domain"], g["role"], g["group_name"]) for g in me["grants"]] == [("fleet", "admin", "営業部")]
    people = at.tabs[0].dataframe[0].value
    assert set(people["登録元"]) == {"ローカル"}


def test_the_member_picker_finds_people_past_the_first_hundred_and_keeps_those_it_does_not_list(db, open_app, live_api):
    admin = make_user(db, "root", name="管理者", grants={"platform": "admin"})
    for number in range(120):
        make_user(db, f"staff{number:03d}", name=f"職員 {number:03d}")
    kept = make_user(db, "zz-kept", name="山本 保")
    wanted = [make_user(db, "zz-yamada", name="山田 花子"), make_user(db, "zz-kimura", name="木村 一郎")]
    db.commit()
    group = httpx.post(
        f"{live_api}/api/admin/groups",
        json={"display_name": "営業部", "member_ids": [kept.id]},
        headers=auth_headers(admin),
    ).json()
    at = open_page(open_app, admin, USERS)
    picker = at.tabs[1].multiselect(key=f"admin_users_groups_members_{group['id']}")
    assert wanted[0].id not in picker.options and picker.value == [kept.id]
    assert any("人を候補に表示しています" in text for text in texts(at.tabs[1].caption))

    search = f"admin_users_groups_search_{group['id']}"
    for person in wanted:  # one search after another: each pick is kept
        at.text_input(key=search).input(person.login_id).run()
        at.tabs[1].multiselect(key=f"admin_users_groups_members_{group['id']}").select(person.id).run()
    at = button(at, "メンバーを保存").click().run()
    assert "グループ「営業部」のメンバーを保存しました。" in texts(at.tabs[1].success)

    saved = httpx.get(f"{live_api}/api/admin/groups", headers=auth_headers(admin)).json()
    assert {m["login_id"] for m in saved[0]["members"]} == {"zz-kept", "zz-yamada", "zz-kimura"}
