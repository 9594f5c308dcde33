"""予約 › 予約詳細: the event timeline and call summaries of a reservation opened by ?code=, the search, and a support
user opening a manual operation."""

from dashboards import labels
from service.reservations.models import ManualOperation
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import book, catalog, count, deliver_due, sandbox  # noqa: F401

DETAIL = "app_pages/reservations_detail.py"


def test_the_detail_shows_the_timeline_and_the_call_summaries(catalog, db, open_app):  # noqa: F811
    code = book(catalog["service_id"], name="佐藤花子")
    deliver_due()

    at = open_page(open_app, person(db, "operator"), DETAIL, code=code)

    assert at.subheader[0].value == f"{code} {labels.plain('佐藤花子')}"
    timeline = at.dataframe[1].value
    assert timeline["変更後"].tolist() == ["受付済み", "電話代行中", "予約OK（決済リンク送信中）", "決済待ち"]
    assert timeline["実行者"].tolist()[0] == "AI（test-chat）"
    assert len(at.expander) == 1
    assert "提携店1（1周目）: 予約OK" in at.expander[0].label
    assert "提携店が予約を承諾しました" in texts(at.markdown)
    assert at.dataframe[2].value["状態"].tolist() == ["支払い待ち"]


def test_search_by_name_and_support_opens_an_operation(catalog, db, open_app):  # noqa: F811
    wanted = book(catalog["service_id"], name="高橋一郎", phone="080-1111-2222")
    book(catalog["service_id"], name="田中次郎")

    at = open_page(open_app, person(db, "support"), DETAIL)
    at.text_input(key="reservations_detail_q").input("高橋").run()
    assert at.dataframe[0].value["予約ID"].tolist() == [wanted]

    at.selectbox(key="reservations_detail_code").select(wanted).run()
    assert "キャンセルする" not in [b.label for b in at.button]
    at.selectbox(key=f"reservations_detail_op_type_{wanted}").select("late_cancellation")
    at.text_input(key=f"reservations_detail_op_reason_{wanted}").input("依頼者から電話: 入院のため")
    button(at, "手動対応を登録").click().run()

    assert texts(at.success) == [f"{wanted} の手動対応（キャンセル期限超過後のキャンセル依頼）を登録しました。"]
    assert count(ManualOperation, ManualOperation.op_type == "late_cancellation") == 1
