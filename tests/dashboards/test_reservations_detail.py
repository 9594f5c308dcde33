"""予約 › 予約詳細: the event timeline and call summaries of a reservation opened by ?code=, the search, a support
user opening a manual operation, and an operator changing the amount (checked in the form before it is sent)."""

from dashboards import labels
from service.reservations.models import ManualOperation, Shop
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_reservations_console import person
from tests.service.reservations.conftest import (  # noqa: F401  (catalog, sandbox: fixtures)
    answer_calls,
    book,
    catalog,
    count,
    deliver_due,
    make_service,
    make_shop,
    payment_of,
    sandbox,
    state,
)

DETAIL = "app_pages/reservations/detail.py"


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
    at.selectbox(key=f"reservations_detail_op_0_type_{wanted}").select("late_cancellation")
    at.text_input(key=f"reservations_detail_op_0_reason_{wanted}").input("依頼者から電話: 入院のため")
    button(at, "手動対応を登録").click().run()

    assert texts(at.success) == [f"{wanted} の手動対応（キャンセル期限超過後のキャンセル依頼）を登録しました。"]
    assert count(ManualOperation, ManualOperation.op_type == "late_cancellation") == 1


def test_an_operator_changes_the_amount_and_the_form_checks_it_first(catalog, db, open_app):  # noqa: F811
    code = book(catalog["service_id"])
    deliver_due()
    old = payment_of(code)
    at = open_page(open_app, person(db, "operator"), DETAIL, code=code)
    key = f"reservations_detail_edit_{{}}_{code}"
    at.text_input(key=key.format("name")).input(" ")
    at.text_input(key=key.format("phone")).input("12-ab")
    at.text_input(key=key.format("email")).input("yamada@example")
    at.number_input(key=key.format("amount")).set_value(9500)
    button(at, "変更を保存").click().run()
    assert texts(at.error) == [
        "- 依頼者を入力してください。\n"
        "- 電話番号: 形式が正しくありません"
        "（E.164（+819012345678）または日本の形式（090-1234-5678）で入力してください）\n"
        "- メールアドレス: 形式が正しくありません（「名前@ドメイン」の形（例: name@example.com）で入力してください）\n"
        "- 金額を変更すると決済リンクを新しい金額で発行し直します。確認のチェックを入れてください。"
    ]
    assert payment_of(code).id == old.id  # nothing was sent

    at.text_input(key=key.format("name")).input("山田太郎")
    at.text_input(key=key.format("phone")).input("０９０－１２３４－５６７８")  # as typed with the IME on
    at.text_input(key=key.format("email")).input("yamada@example.com")
    at.checkbox(key=key.format("relink")).check()
    button(at, "変更を保存").click().run()
    assert texts(at.success) == [f"{code} の予約内容を変更しました。"]
    assert any("**金額**: ¥9,500" in text for text in texts(at.markdown))
    deliver_due()
    assert payment_of(code).amount == 9500 and payment_of(code).status == "open"


def test_after_all_declined_an_operator_books_a_one_off_shop_the_picker_keeping_to_the_service(
    catalog,
    db,
    open_app,
    monkeypatch,  # noqa: F811
):
    answer_calls(monkeypatch, "decline")
    code = book(catalog["service_id"])
    deliver_due()
    other = make_shop(db, "他のサービスの店", [make_service(db, "エアコン清掃")], order=60)
    make_shop(db, "休止中の店", [], active=False)
    db.commit()
    at = open_page(open_app, person(db, "operator"), DETAIL, code=code)
    called = [f"#{shop_id} 提携店{n}（電話済み）" for n, shop_id in enumerate(catalog["shop_ids"], 1)]
    assert at.selectbox(key=f"reservations_detail_accept_shop_{code}").options == called
    at.checkbox(key=f"reservations_detail_accept_every_{code}").check().run()
    assert at.selectbox(key=f"reservations_detail_accept_shop_{code}").options == [
        f"#{other.id} 他のサービスの店",
        *called,
    ]

    form = f"reservations_detail_one_off_{code}_0_{{}}"
    at.text_input(key=form.format("phone")).input("03-1234-5678")
    button(at, "この店舗で予約OKにして決済リンクを送信").click().run()
    assert texts(at.error) == ["- リスト外の店舗名を入力してください。"]
    at.text_input(key=form.format("name")).input("電話で見つけた店")
    at.text_area(key=form.format("notes")).input("担当 佐藤様")
    button(at, "この店舗で予約OKにして決済リンクを送信").click().run()
    assert texts(at.success) == [f"{code} を「予約OK」（電話で見つけた店）にし、決済リンクを送信しました。"]
    assert any("リスト外の店舗（この予約のみ）" in text and "担当 佐藤様" in text for text in texts(at.markdown))
    deliver_due()
    assert state(code) == "awaiting_payment" and payment_of(code).status == "open"
    assert count(Shop, Shop.name == "電話で見つけた店") == 0  # not in the call list
