"""Shared components rendered on their own."""

from streamlit.testing.v1 import AppTest


def badges_and_cards() -> None:
    from dashboards import components

    components.kpi_card("未対応アラート", 12, help="重大度が高いもの")
    components.status_badge("failed", "失敗")
    components.status_badge("sent", "送信済み")
    components.status_badge("something-new")
    components.show_errors(["一つ目", "二つ目"])


def test_kpi_card_and_status_badges_colour_by_status():
    at = AppTest.from_function(badges_and_cards).run()

    assert [(m.label, m.value) for m in at.metric] == [("未対応アラート", "12")]
    badges = [m.value for m in at.markdown]
    assert badges == [":red-badge[失敗]", ":green-badge[送信済み]", ":gray-badge[something-new]"]
    assert [e.value for e in at.error] == ["一つ目", "二つ目"]
