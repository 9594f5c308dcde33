"""代理店CRM › マスタ管理 (admins): options and choices added, edited and deactivated; a code in use offers no delete,
and the forms stop offering a deactivated choice except where it is stored."""

from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import made, submit

MASTERS = "app_pages/crm/masters.py"


def test_an_admin_adds_an_option_and_deactivates_a_choice_in_use(db, world, client, open_app):  # noqa: F811
    made(submit(client, world.sales_a))  # uses 営業チャネル 1 (訪問)
    at = open_page(open_app, as_user(db, world, "admin"), MASTERS)

    new = "crm_masters_options_new_0"
    at.text_input(key=f"{new}_code").input("OPT099000")
    at.text_input(key=f"{new}_name").input("新オプション")
    at.text_input(key=f"{new}_price_label").input("100円/月(税込)")
    button(at, "オプションを追加").click().run()
    assert texts(at.success) == ["コード OPT099000 を追加しました。"]
    options = at.dataframe[0].value.set_index("コード")
    assert (options.loc["OPT099000", "オプション名"], options.loc["OPT099000", "状態"]) == ("新オプション", "有効")

    at.selectbox(key="crm_masters_kind").select("sales_channel").run()
    channels = at.dataframe[1].value.set_index("コード")
    assert channels.loc["1", "使用件数"] == 1
    at.selectbox(key="crm_masters_sales_channel_edit_chosen").select("1").run()
    assert "使用件数 1 件。" in texts(at.caption)[0]
    assert not [b for b in at.button if b.label == "選択肢を削除"]
    at.checkbox(key="crm_masters_sales_channel_edit_1_1_active").uncheck()
    button(at, "選択肢を保存").click().run()
    assert texts(at.success) == ["コード 1 を保存しました。"]
    assert at.dataframe[1].value.set_index("コード").loc["1", "状態"] == "無効"
    assert not at.exception
