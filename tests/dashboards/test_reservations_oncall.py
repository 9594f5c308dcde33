"""予約 › 当番表: an operator sets the rotation (a bad phone number refused before sending), adds an override whose form
starts empty again and takes a second one; the next shifts and the overrides link to their downloads (CSV, Excel,
Shift_JIS), the public holidays show who is on call; and on the queue a paged operation is acknowledged with its
button."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from service.database import session_scope, utcnow
from service.reservations.models import OnCallMember, OnCallOverride, OnCallRotation
from service.reservations.oncall import paging
from tests.dashboards.conftest import button, csv_link_rows, open_page, texts
from tests.dashboards.test_reservations_queue import QUEUE, open_operation, select_first
from tests.factories import make_user
from tests.service.reservations.conftest import book, catalog, sandbox  # noqa: F401  (fixtures)
from tests.support.clock import clock_at, japan_time

ONCALL = "app_pages/reservations/oncall.py"
OVERRIDE = "reservations_oncall_override"
WEDNESDAY = japan_time(2026, 11, 18, 14, 0)


def set_rotation(at, members: dict[int, str]):
    at.multiselect(key="reservations_oncall_rotation_members").set_value(list(members)).run()
    for user_id, phone in members.items():
        at.text_input(key=f"reservations_oncall_rotation_phone_{user_id}").input(phone)
    return button(at, "当番表を保存").click().run()


def override_form(at, round_: int, user_id: int | None, start: str, end: str, note: str = ""):
    if user_id is not None:
        at.selectbox(key=f"{OVERRIDE}_{round_}_user").select(user_id)
    at.date_input(key=f"{OVERRIDE}_{round_}_start").set_value(start)
    at.date_input(key=f"{OVERRIDE}_{round_}_end").set_value(end)
    if note:
        at.text_input(key=f"{OVERRIDE}_{round_}_note").input(note)
    return button(at, "代番を登録").click().run()


def test_an_operator_sets_the_rotation_and_adds_overrides_one_after_another(db, open_app):
    operator = make_user(db, "resv-operator", name="佐藤", grants={"reservations": "operator"})
    other = make_user(db, "resv-operator-2", name="鈴木", grants={"reservations": "operator"})
    db.commit()
    with clock_at(WEDNESDAY):
        at = open_page(open_app, operator, ONCALL)
        assert texts(at.warning)[0].startswith("当番表が設定されていません")

        at = set_rotation(at, {operator.id: "090-1111-2222", other.id: "03-12"})
        assert texts(at.error) == [
            "鈴木の呼び出し先の電話番号: 形式が正しくありません"
            "（E.164（+819012345678）または日本の形式（090-1234-5678）で入力してください）"
        ]
        at.text_input(key=f"reservations_oncall_rotation_phone_{other.id}").input("080-3333-4444")
        at = button(at, "当番表を保存").click().run()
        assert texts(at.success) == ["当番表を保存しました。"]
        assert [m.value for m in at.metric] == ["佐藤", "当番表", "営業時間内"]

        at = override_form(at, 0, other.id, "2026-11-19", "2026-11-18", note="出張")
        assert texts(at.error) == [
            "代番の終了日は開始日以降にしてください。"
        ]  # refused before sending, nothing cleared
        at.date_input(key=f"{OVERRIDE}_0_end").set_value("2026-11-20")
        at = button(at, "代番を登録").click().run()
        assert texts(at.success) == ["鈴木さんの代番（2026/11/19〜2026/11/20）を登録しました。"]
        fresh = (
            at.selectbox(key=f"{OVERRIDE}_1_user").value,
            at.text_input(key=f"{OVERRIDE}_1_note").value,
            at.date_input(key=f"{OVERRIDE}_1_start").value.isoformat(),
        )
        assert fresh == (None, "", "2026-11-18")  # the form starts empty again
        at = override_form(at, 1, operator.id, "2026-11-25", "2026-11-25")
        assert texts(at.success) == ["佐藤さんの代番（2026/11/25〜2026/11/25）を登録しました。"]
        assert at.dataframe[2].value["代番"].tolist() == ["鈴木", "佐藤"]  # after the next shifts and the holidays

    with session_scope() as session:
        phones = list(session.scalars(select(OnCallMember.phone).order_by(OnCallMember.position)))
        overrides = [(o.user_id, o.note) for o in session.scalars(select(OnCallOverride).order_by(OnCallOverride.id))]
    assert phones == ["+819011112222", "+818033334444"]
    assert overrides == [(other.id, "出張"), (operator.id, "")]


def test_a_paged_operation_is_acknowledged_from_the_queue(catalog, db, open_app):  # noqa: F811
    operator = make_user(db, "resv-operator", name="佐藤", grants={"reservations": "operator"})
    db.commit()
    with session_scope() as session:
        session.add(OnCallRotation(period="day", starts_on=utcnow().date() - timedelta(days=1)))
        session.flush()
        rotation = session.scalar(select(OnCallRotation))
        rotation.members.append(OnCallMember(position=0, user_id=operator.id, phone="+819011112222"))
    open_operation(book(catalog["service_id"]), "sms_failed", minutes_ago=1)
    with session_scope() as session:
        assert paging.sweep(session, now=utcnow()) == 1

    at = select_first(open_page(open_app, operator, QUEUE))
    assert any(caption.value.startswith("当番呼び出し: 佐藤 を呼び出し中") for caption in at.caption)
    at = button(at, "応答する（当番呼び出しを止める）").click().run()

    assert texts(at.success)[0].endswith("の当番呼び出しに応答しました。")
    at = select_first(at)
    assert any("佐藤 が応答しました" in caption.value for caption in at.caption)


def test_the_shifts_the_holidays_and_the_overrides_link_to_their_downloads_and_the_holidays_show_who_is_on_call(
    db, open_app
):
    operator = make_user(db, "resv-operator", name="佐藤", grants={"reservations": "operator"})
    other = make_user(db, "resv-operator-2", name="鈴木", grants={"reservations": "operator"})
    db.commit()
    with clock_at(WEDNESDAY):
        at = open_page(open_app, operator, ONCALL)
        at = set_rotation(at, {operator.id: "090-1111-2222", other.id: "080-3333-4444"})
        at = override_form(at, 0, other.id, "2026-11-23", "2026-11-23", note="祝日の代番")
        links = [(link.proto.label, urlsplit(link.proto.url)) for link in at.get("link_button")]
        shifts, on_holidays, overrides = (csv_link_rows(at, operator, link=link) for link in range(3))
        holidays = at.dataframe[1].value

    paths = [url.path for _, url in links]
    lists = ("shifts", "holidays", "overrides")
    assert paths == [f"/api/reservations/on-call/{name}/export" for name in lists for _download in range(3)]
    assert [parse_qs(url.query) for _, url in links[:3]] == [{}, {"format": ["xlsx"]}, {"encoding": ["shift_jis"]}]
    assert [row[3] for row in shifts[1:]] == at.dataframe[0].value["当番"].tolist()  # the 14 days the page lists
    assert overrides[1][1:5] == ["鈴木", "2026-11-23", "2026-11-23", "祝日の代番"]
    holiday = {"当番日": "2026/11/23（月）", "当番": "鈴木", "区分": "代番", "日中": "勤労感謝の日"}
    assert holidays.iloc[0].to_dict() == holiday | {"メモ": "祝日の代番", "登録者": "佐藤"}  # by name
    assert on_holidays[1][2:] == ["勤労感謝の日", "鈴木", "080-3333-4444", "代番", "祝日の代番", "佐藤"]
    assert len(on_holidays) == len(holidays) + 1
