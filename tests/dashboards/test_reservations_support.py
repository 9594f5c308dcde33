"""予約 › 問い合わせ対応: support logs an inquiry that names no reservation, then its first response; the console
charts the week's inquiries and median first-response time; a malformed reservation id is refused before sending."""

from datetime import UTC

from sqlalchemy import select

from service.database import session_scope
from service.reservations.models import SupportInquiry
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_reservations_console import CONSOLE, person
from tests.service.reservations.conftest import book, catalog, count, sandbox  # noqa: F401  (fixtures)
from tests.support.clock import clock_at, japan_time

SUPPORT = "app_pages/reservations/support.py"
NEW = "reservations_support_new"


def test_support_logs_an_inquiry_without_a_reservation_and_the_console_counts_it(db, open_app):
    support = person(db, "support")
    at = open_page(open_app, support, SUPPORT)
    at.selectbox(key=f"{NEW}_0_channel").select("phone")
    at.text_input(key=f"{NEW}_0_requester").input("鈴木一郎")
    at.text_input(key=f"{NEW}_0_reservation").input("QRV-12")
    button(at, "記録する").click().run()
    assert texts(at.error) == ["予約IDは QRV-XXXXXX の形式で入力してください（予約に関係しない問い合わせは空欄）。"]
    assert count(SupportInquiry) == 0

    at.text_input(key=f"{NEW}_0_reservation").input("")
    button(at, "記録する").click().run()
    assert texts(at.success) == ["鈴木一郎 の問い合わせを記録しました。"]
    row = at.dataframe[0].value.to_dict("records")[0]
    assert (row["チャネル"], row["問い合わせ者"], row["予約ID"], row["初回応答時間（分）"]) == (
        "電話",
        "鈴木一郎",
        "",
        "",
    )

    at.selectbox(key="reservations_support_selected").select(row["ID"])
    at.run()
    edit = f"reservations_support_edit_{row['ID']}"
    at.checkbox(key=f"{edit}_responded_set").check().run()
    at.text_area(key=f"{edit}_answer").input("キャンセル方法をご案内")
    button(at, "更新する").click().run()
    assert texts(at.success) == [f"問い合わせ #{row['ID']} を更新しました。"]
    assert at.dataframe[0].value["回答内容"][0] == "キャンセル方法をご案内"

    console = open_page(open_app, support, CONSOLE)
    [caption] = [c for c in texts(console.caption) if c.startswith("直近8週")]
    assert caption.endswith("今週: 1件（応答済み 1件）")
    assert len(console.get("plotly_chart")) == 4


def test_the_second_inquiry_is_stored_with_only_what_was_typed(db, open_app, catalog, sandbox):  # noqa: F811
    """After 「記録する」 the form is empty again: the next caller's inquiry carries neither the previous reservation
    nor its answer, and its 受付日時 is the moment it was recorded, not when the page was opened."""
    code = book(catalog["service_id"])
    with clock_at(japan_time(2026, 6, 1, 10, 0)):
        at = open_page(open_app, person(db, "support"), SUPPORT)
        at.text_input(key=f"{NEW}_0_requester").input("山田太郎")
        at.text_input(key=f"{NEW}_0_reservation").input(code)
        at.text_area(key=f"{NEW}_0_answer").input("日時変更を承りました")
        button(at, "記録する").click().run()
    assert texts(at.success) == ["山田太郎 の問い合わせを記録しました。"]
    assert (at.text_input(key=f"{NEW}_1_requester").value, at.text_input(key=f"{NEW}_1_reservation").value) == ("", "")
    assert at.text_area(key=f"{NEW}_1_answer").value == ""

    later = japan_time(2026, 6, 1, 11, 0)
    with clock_at(later):
        at.text_input(key=f"{NEW}_1_requester").input("佐藤花子")
        button(at, "記録する").click().run()
    assert texts(at.success) == ["佐藤花子 の問い合わせを記録しました。"]
    with session_scope() as session:
        second = session.scalars(select(SupportInquiry).order_by(SupportInquiry.id.desc())).first()
        assert (second.requester, second.reservation_id, second.answer) == ("佐藤花子", None, "")
        assert second.received_at.replace(tzinfo=UTC) >= later
