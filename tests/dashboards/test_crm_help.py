"""代理店CRM › ヘルプ: one page per role, its pages, flow, statuses and rules from the vocabulary and the registry."""

import pytest

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures

HELP = "app_pages/crm/help.py"


@pytest.mark.parametrize(
    ("user", "pages", "absent"),
    [
        (
            "sales_a",
            ["マイ依頼一覧", "新規投入依頼", "既存法人に地点追加", "不備確認・修正", "獲得案件一覧", "ヘルプ"],
            "案件詳細",
        ),
        ("operator", ["投入案件一覧", "案件詳細", "獲得案件一覧", "代理店別数値", "ヘルプ"], "マスタ管理"),
    ],
)
def test_each_role_gets_its_own_help(db, world, open_app, user, pages, absent):  # noqa: F811
    at = open_page(open_app, as_user(db, world, user), HELP)
    assert texts(at.title) == ["ヘルプ"]
    listed = at.dataframe[0].value["画面"].tolist()
    assert listed == pages and absent not in listed
    shown = "\n".join(texts(at.markdown))
    for badge in (":red-badge[不備]", ":yellow-badge[対応中]", ":green-badge[投入済]", ":grey-badge[キャンセル]"):
        assert badge in shown
    assert "投入担当者が変更できる先: 不備・投入済" in shown  # 対応中's changes, from the vocabulary's transitions


def test_the_sales_help_tells_the_security_code_rule_and_the_operator_help_the_required_fields(
    db,
    world,
    open_app,  # noqa: F811
):
    sales = open_page(open_app, as_user(db, world, "sales_a"), HELP)
    rules = "\n".join(texts(sales.markdown))
    assert "「投入済」か「キャンセル」になると削除されます" in rules and "もう一度入力してください" in rules
    assert len(sales.dataframe) == 1  # no required-fields table for sales

    operator = open_page(open_app, as_user(db, world, "operator"), HELP)
    required = operator.dataframe[1].value.set_index("対象")["必須項目"].to_dict()
    assert required["常に"].startswith("PPS番号、申込区分、契約プラン") and required["電気の地点"] == "契約容量"
    assert "セキュリティコードが必要です" in "\n".join(texts(operator.markdown))


def test_an_admin_sees_every_crm_page_and_the_masters_rule(db, world, open_app):  # noqa: F811
    at = open_page(open_app, as_user(db, world, "admin"), HELP)
    listed = at.dataframe[0].value["画面"].tolist()
    assert listed[0] == "ダッシュボード" and {"マスタ管理", "監査ログ", "案件詳細", "新規投入依頼"} <= set(listed)
    assert "使用中のオプション・選択肢は削除できません" in "\n".join(texts(at.markdown))
