"""The addresses the dashboards answer at, and what a section's home address opens for each user."""

from dashboards import sections

VIEWER = {"grants": [{"domain": "fleet", "role": "viewer"}]}
SALES = {"grants": [{"domain": "crm", "role": "sales", "scope": "1"}]}


def section(domain: str) -> sections.Section:
    return next(s for s in sections.SECTIONS if s.domain == domain)


def test_every_page_and_each_sections_domain_name_is_an_address():
    known = sections.known_addresses()
    assert {page.url_path for page in sections.all_pages()} <= set(known)
    entry_logs = section("entry_logs")
    assert known["entry_logs"] == (entry_logs, entry_logs.pages[0])
    assert known["platform"] == (section("platform"), section("platform").pages[0])
    assert known["fleet"] == (section("fleet"), section("fleet").pages[0])


def test_a_sections_home_opens_the_users_first_page_there():
    fleet, crm = section("fleet"), section("crm")
    assert sections.home_instead(VIEWER, fleet, fleet.pages[0]).title == "レポート"
    assert sections.home_instead(SALES, crm, crm.pages[0]).title == "マイ依頼一覧"


def test_another_page_or_a_section_without_pages_for_the_user_opens_nothing_instead():
    fleet, crm = section("fleet"), section("crm")
    assert sections.home_instead(VIEWER, fleet, fleet.pages[1]) is None
    assert sections.home_instead(VIEWER, crm, crm.pages[0]) is None


def test_a_refusal_names_the_section_and_page():
    fleet = section("fleet")
    assert sections.refusal(fleet, fleet.pages[0]) == (
        "「端末管理 › ダッシュボード」を表示する権限がありません。必要な場合は管理者に権限の付与を依頼してください。"
    )
