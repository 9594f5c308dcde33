"""代理店CRM pages by role (§3, §5): each role sees exactly its pages and starts on its home (§3.0); a sales person
reaches no back-office or admin page, not even directly, and sees only their own agency's data on every page.

The fixtures here (the CRM world, requests of two agencies) serve the other test_crm_* modules too.
"""

from dataclasses import dataclass

import pytest

from dashboards import sections
from service.identity.models import User
from tests.dashboards.conftest import DASHBOARDS, open_page, texts
from tests.service.crm.conftest import add_site, corporation, made, masters_and_storage, set_status, submit, world  # noqa: F401 - fixtures

# a page suite module runs in one pass (tests/conftest.py); this one in the SQLite pass, to even the two passes
pytestmark = pytest.mark.embedded_only

CRM_PAGES = {page.title: page for section in sections.SECTIONS if section.domain == "crm" for page in section.pages}
SALES_PAGES = ["マイ依頼一覧", "新規投入依頼", "既存法人に地点追加", "不備確認・修正", "獲得案件一覧", "ヘルプ"]
OPERATOR_PAGES = ["投入案件一覧", "案件詳細", "獲得案件一覧", "代理店別数値", "ヘルプ"]
ADMIN_PAGES = [
    "ダッシュボード",
    "マイ依頼一覧",
    "新規投入依頼",
    "既存法人に地点追加",
    "不備確認・修正",
    "投入案件一覧",
    "案件詳細",
    "獲得案件一覧",
    "代理店別数値",
    "代理店管理",
    "ユーザー管理",
    "マスタ管理",
    "法人の統合",
    "監査ログ",
    "ヘルプ",
]
B_NAME = "株式会社BBB秘密商事"
B_NUMBER = "7000012050002"


@dataclass
class Requests:
    """Agency A's request (sales A, its site 投入済) and agency B's: one with a 投入済 site, one sent back (不備)."""

    mine: dict
    b_acquired: dict
    b_deficient: dict


def as_user(db, world, name: str) -> User:  # noqa: F811
    """The world's user of that name (sales_a, sales_b, operator, admin) as a User row.

    The read's transaction is ended at once: on SQLite every transaction holds the write lock the API needs.
    """
    user = db.get(User, world.ids[name])
    db.commit()
    return user


@pytest.fixture
def requests(client, world) -> Requests:  # noqa: F811
    mine = made(
        submit(client, world.sales_a, corporation=corporation(last_name="株式会社AAA商事", corporation_number=B_NUMBER))
    )
    set_status(client, world, add_site(client, world, mine["request"]["id"], power_branch_name="A店"), "submitted")
    b_corporation = corporation(
        last_name=B_NAME, last_name_kana="ビービービーヒミツショウジ", corporation_number=B_NUMBER
    )
    acquired = made(submit(client, world.sales_b, corporation=b_corporation))
    site = add_site(client, world, acquired["request"]["id"], power_branch_name="B秘密店")
    set_status(client, world, site, "submitted")
    again = {"corporation_id": acquired["corporation"]["id"], "credit_card_security_code": "123"}  # one company
    deficient = made(submit(client, world.sales_b, **again))
    made(
        client.post(
            f"/api/crm/requests/{deficient['request']['id']}/deficiencies",
            json={"message": "B社の不備", "version": deficient["request"]["version"]},
            headers=world.operator,
        )
    )
    return Requests(mine, acquired, deficient)


def shown_text(at) -> str:
    """Everything a page put on screen as text: words, tables, charts, expanders, and every option offered."""
    parts = [
        element.value
        for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error", "code")
        for element in getattr(at, kind)
    ]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [element.proto.spec for element in at.get("plotly_chart")]
    parts += [str(metric.value) for metric in at.metric]
    parts += [block.label for block in at.expander]
    parts += [str(option) for widget in (*at.selectbox, *at.multiselect) for option in widget.options]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("role", "home", "visible"),
    [
        ("sales_a", "マイ依頼一覧", SALES_PAGES),
        ("operator", "投入案件一覧", OPERATOR_PAGES),
        ("admin", "ダッシュボード", ADMIN_PAGES),
    ],
)
def test_each_role_starts_on_its_home_and_sees_exactly_its_pages(db, world, open_app, role, home, visible):  # noqa: F811
    at = open_app(as_user(db, world, role))

    assert texts(at.title) == [home]
    for title, page in CRM_PAGES.items():
        if title not in visible:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page.path)
            continue
        at.switch_page(page.path).run()
        assert not at.exception, (title, at.exception)
        assert texts(at.title) == [title]
        assert not at.error, (title, texts(at.error))


@pytest.mark.parametrize("title", [t for t in ADMIN_PAGES if t not in SALES_PAGES])
def test_a_sales_person_opening_a_back_office_page_directly_is_refused(db, world, requests, open_app, title):  # noqa: F811
    page = CRM_PAGES[title]

    at = open_app(as_user(db, world, "sales_a"), script=DASHBOARDS / page.path)

    assert texts(at.error) == [
        f"「代理店CRM › {title}」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    ]
    assert not at.title and not at.dataframe and not at.button


@pytest.mark.parametrize("title", SALES_PAGES)
def test_a_sales_person_of_agency_a_never_sees_agency_b(db, world, requests, open_app, title):  # noqa: F811
    at = open_page(
        open_app,
        as_user(db, world, "sales_a"),
        CRM_PAGES[title].path,
        state={"crm_add_site_q": B_NUMBER},
        id=str(requests.b_deficient["request"]["id"]),
    )

    text = shown_text(at)
    assert "AAA" in text
    assert "BBB" not in text and "B秘密店" not in text and "B社" not in text
    badge = [m.value for m in at.sidebar.markdown if "未読の通知" in m.value]
    assert badge == [":red-badge[:material/notifications: 未読の通知 1件]"]  # A's 投入完了, never B's 不備


def test_another_agencys_request_by_its_id_is_not_found_and_its_corporations_are_not_found(
    db,
    world,
    requests,
    open_app,  # noqa: F811
):
    sales_a = as_user(db, world, "sales_a")

    fix = open_page(open_app, sales_a, CRM_PAGES["不備確認・修正"].path, id=str(requests.b_acquired["request"]["id"]))
    assert texts(fix.warning) == ["依頼が見つかりません。一覧から選び直してください。"]

    search = open_page(open_app, sales_a, CRM_PAGES["既存法人に地点追加"].path, state={"crm_add_site_q": B_NUMBER})
    assert search.selectbox(key="crm_add_site_corporation").options == [
        f"株式会社AAA商事（法人番号 {B_NUMBER}・東京都渋谷区）"
    ]
