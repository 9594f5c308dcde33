"""The second entry of every create form (issue 46 item 1): each form of the app that adds a record is filled in
whole and saved, found empty again (every widget of its next round shows what a new form shows), then saved with only
its required fields, and that second record is stored with only what was typed for it: none of the first entry's
words and, where a spec says so, the first entry's choices back at their defaults.

One walk over the lived-in database (tests/support/history.py: every domain's records to work on), the forms listed
in FORMS; test_the_walk_has_every_form_that_starts_again fails on a form the structural check
tests/dashboards/test_create_forms.py finds starting again after its save that is missing here. A save's record is
read back from the audit log, where every create writes what it stored (before/after), and from the new rows of the
tables a spec names (a note, a comment: stored beside their audit entry). A form its save closes (an alert resolved)
is shown again by putting its record back (`again`), as the offline sweep reopens an alert. Each form is walked with
the clock standing still, so a default of now (再登録's 日時) or today is the same when the form opens and after each
save, whenever the minute or the day turns; it stands where the history ends (a millisecond later for each form), so
however long the walk takes, or however long ago the history was loaded, no heartbeat is older than it was then
(the fleet's intake-stall warning follows the clock).

What AppTest cannot show: Streamlit drops the state of a widget that one run does not draw, so a form that vanishes
with its record, or a page left after its save, starts empty in AppTest whatever its keys; the walk checks those
forms' second entry all the same, and the structural check their keys."""

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import pytest
import streamlit as st
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Widget

from dashboards import clock
from dashboards.app_pages.entry_logs import common as entry_logs_pages
from service.audit.models import AuditEntry
from service.config import get_settings
from service.crm import models as crm
from service.database import session_scope
from service.entry_logs import models as entry_logs
from service.fleet import models as fleet
from service.identity.models import User
from service.loaners import models as loaners
from service.reservations import models as reservations
from tests.dashboards.conftest import open_page
from tests.dashboards.test_create_forms import forms_that_start_again
from tests.support.history import restore_history

# a page suite runs in one pass (tests/conftest.py): this one in the SQLite pass, which ends sooner without it
pytestmark = [pytest.mark.embedded_only, pytest.mark.walk]


@dataclass(frozen=True)
class Entry:
    """One create form as a person fills it in: where it is, the two entries typed into it (widget name -> value:
    the widget keyed `{form}_{round}_{name}`) and what the second record must store."""

    page: str
    login: str
    form: str
    button: str
    first: dict[str, Any]
    second: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    stored: dict[str, Any] = field(default_factory=dict)  # a field -> its value in the second record
    rows: tuple[Any, ...] = ()  # tables whose new rows a save stores beyond what its audit entry says
    unstored: tuple[str, ...] = ()  # texts stored otherwise (the id of the record they name), checked by `stored`
    again: Callable[[Session], None] | None = None  # after a save that closed the record: put back where it shows


def walk_nodes(top: AppTest | Block) -> Iterator[Any]:
    """Every element and block under top."""
    nodes: list[Any] = [top._tree if isinstance(top, AppTest) else top]
    while nodes:
        node = nodes.pop()
        yield node
        if isinstance(node, Block):
            nodes.extend(node.children.values())


def walk(at: AppTest) -> Iterator[Widget]:
    """Every widget the page shows."""
    return (node for node in walk_nodes(at) if isinstance(node, Widget))


def widgets(at: AppTest, form: str, round_: int) -> dict[str, Widget]:
    """The form's widgets of a round, by name."""
    prefix = f"{form}_{round_}_"
    return {w.key.removeprefix(prefix): w for w in walk(at) if w.key and w.key.startswith(prefix)}


def shown_round(at: AppTest, form: str) -> int:
    """The form's round the page shows (forms.key): the last one its widgets are keyed in."""
    rounds = [re.match(rf"{re.escape(form)}_(\d+)_", w.key or "") for w in walk(at)]
    return max((int(match.group(1)) for match in rounds if match), default=0)


def values(at: AppTest, form: str) -> dict[str, Any]:
    """What the form's widgets hold, by name."""
    return {name: widget.value for name, widget in widgets(at, form, shown_round(at, form)).items()}


def last_ids(entry: Entry) -> dict[Any, int]:
    """The last audit entry's id and the last row's id of each table the entry names."""
    with session_scope() as session:
        return {
            model: session.scalar(select(func.coalesce(func.max(model.id), 0))) for model in (AuditEntry, *entry.rows)
        }


def stored_since(entry: Entry, last: dict[Any, int]) -> list[dict[str, Any]]:
    """What a save stored: the values each audit entry written since recorded (after), and the new rows of the
    tables the entry names."""
    with session_scope() as session:
        found = []
        for model, last_id in last.items():
            for row in session.scalars(select(model).where(model.id > last_id).order_by(model.id)):
                if model is AuditEntry:
                    changes = row.changes.items()
                    found.append({name: change["after"] for name, change in changes if isinstance(change, dict)})
                else:
                    found.append({column.key: getattr(row, column.key) for column in model.__mapper__.column_attrs})
        return found


def words(value: Any) -> list[str]:
    """The texts a typed value stores (a multi-line text: each line)."""
    return [line for line in value.splitlines() if line.strip()]


def secret(widget: Widget) -> bool:
    """A password field: what it holds is never written in the audit log."""
    return widget.type == "text_input" and widget.proto.type == widget.proto.PASSWORD


def typed_words(at: AppTest, entry: Entry, typed: dict[str, Any]) -> list[str]:
    """The texts an entry typed (choices are checked by `stored`), but for secrets and texts stored as a record's id."""
    shown = widgets(at, entry.form, shown_round(at, entry.form))
    texts = {name: widget for name, widget in shown.items() if widget.type in ("text_input", "text_area")}
    return [
        word
        for name, value in typed.items()
        if name in texts and not secret(texts[name]) and name not in entry.unstored
        for word in words(value)
    ]


def submit_button(at: AppTest, entry: Entry) -> Widget:
    """The form's button: the one with its label, the form's own where several share it."""
    labelled = [b for b in at.button if b.label == entry.button]
    own = [b for b in labelled if entry.form in (b.key or "")]
    assert len(own or labelled) == 1, f"{entry.form}: buttons {[b.key for b in labelled]}"
    return (own or labelled)[0]


def outside_rounds(at: AppTest, entry: Entry) -> list[str]:
    """The widgets of the form's st.form whose key is not in its rounds: a browser keeps what they hold."""
    button = submit_button(at, entry)
    prefix = f"{entry.form}_{shown_round(at, entry.form)}_"
    for block in (node for node in walk_nodes(at) if isinstance(node, Block) and node.type == "form"):
        inside = [node for node in walk_nodes(block) if isinstance(node, Widget)]
        if any(widget.id == button.id for widget in inside):
            return [
                widget.key or widget.label
                for widget in inside
                if widget.type != "button" and not (widget.key or "").startswith(prefix)
            ]
    return []


def type_in(at: AppTest, entry: Entry, typed: dict[str, Any]) -> None:
    """Type the entry into the form as shown; a choice that opens more fields (a tick box) shows them first."""
    waiting = dict(typed)
    for _ in range(2):
        shown = widgets(at, entry.form, shown_round(at, entry.form))
        for name in [name for name in waiting if name in shown]:
            shown[name].set_value(waiting.pop(name))
        if not waiting:
            return
        at.run()
    raise AssertionError(f"no widget {sorted(waiting)} (the form shows {sorted(shown)})")


def save(at: AppTest, entry: Entry, typed: dict[str, Any], which: str) -> list[dict[str, Any]]:
    """Type the entry in and press the form's button; what the save stored. A save that leaves the page (a sent
    request opens マイ依頼一覧) is followed by the person's way back to the form."""
    try:
        type_in(at, entry, typed)
        last = last_ids(entry)
        submit_button(at, entry).click().run()
    except AssertionError as failure:
        raise AssertionError(f"the {which} entry: {failure}") from failure
    assert not at.exception, at.exception
    assert not at.error, f"the {which} save was refused: {[e.value for e in at.error]}"
    if not widgets(at, entry.form, shown_round(at, entry.form)):
        back(at, entry)
    return stored_since(entry, last)


def back(at: AppTest, entry: Entry) -> None:
    """The form shown again: the page opened again on its record (after a save that left it), or the record put
    back where the form shows (after a save that closed it: a resolved alert reopened)."""
    if entry.again:
        with session_scope() as session:
            entry.again(session)
        st.cache_data.clear()  # the pages' reads are cached until a write of their own
    for name, value in entry.state.items():
        at.session_state[name] = value
    at.switch_page(entry.page).run()


def offences(open_app, entry: Entry) -> list[str]:
    """What the walk finds wrong with one form."""
    with session_scope() as session:
        user = session.scalars(select(User).where(User.login_id == entry.login)).one()
        session.expunge(user)
    at = open_page(open_app, user, entry.page, state=entry.state, **entry.query)
    blank = values(at, entry.form)
    found = [f"keyed outside its rounds: {name}" for name in outside_rounds(at, entry)]
    only_first = {name: value for name, value in entry.first.items() if name not in entry.second}
    kept = typed_words(at, entry, only_first)
    for which, entered in (("first", entry.first), ("second", entry.second)):
        typed = typed_words(at, entry, entered)
        stored = save(at, entry, entered, which)
        if values(at, entry.form) != blank:
            found.append(f"after the {which} save the form holds {values(at, entry.form)}, not {blank}")
        found += [f"the {which} save stored no {word!r}" for word in typed if word not in str(stored)]
    found += [f"the second record carries the first's {word!r}" for word in kept if word in str(stored)]
    after = {name: value for record in stored for name, value in record.items()}
    found += [
        f"the second record's {name} is {after.get(name)!r}, not {value!r}"
        for name, value in entry.stored.items()
        if after.get(name) != value
    ]
    return found


# The forms, each built on the demo's records.


def one(db: Session, statement) -> Any:
    """The first row a query selects."""
    return db.scalars(statement.limit(1)).one()


def admin_user(db: Session) -> Entry:
    return Entry(
        "app_pages/admin/users.py",
        "admin",
        "admin_users_new",
        "作成",
        first={
            "login_id": "form-first",
            "name": "最初の利用者",
            "email": "first@example.jp",
            "password": "first-password-1",
            "active": False,
        },
        second={"login_id": "form-second", "name": "二番目の利用者", "password": "second-password-1"},
        stored={"email": "", "is_active": True},
    )


def crm_agency(db: Session) -> Entry:
    return Entry(
        "app_pages/crm/agencies.py",
        "crm-admin",
        "crm_agencies_new",
        "登録",
        first={
            "name": "最初の代理店",
            "code": "AG901",
            "contact_name": "最初の担当者",
            "phone": "03-1111-2222",
            "mail_address": "agency-first@example.jp",
            "referral_shop_code": "RS901",
            "referral_shop_name": "最初の紹介店",
            "is_active": False,
        },
        second={"name": "二番目の代理店", "code": "AG902"},
        stored={"is_active": True},
    )


def crm_user(db: Session) -> Entry:
    agency = one(db, select(crm.Agency.id).order_by(crm.Agency.id))
    return Entry(
        "app_pages/crm/users.py",
        "crm-admin",
        "crm_users_new",
        "追加",
        first={
            "login_id": "crm-form-first",
            "name": "最初の営業",
            "email": "crm-first@example.jp",
            "password": "first-password-1",
            "agency_id": agency,
            "sales_staff_code": "S901",
            "l_code": "L901",
            "is_sales_manager": True,
        },
        second={
            "login_id": "crm-form-second",
            "name": "二番目の営業",
            "password": "second-password-1",
            "agency_id": agency,
        },
        stored={"is_sales_manager": False},
    )


def crm_option(db: Session) -> Entry:
    return Entry(
        "app_pages/crm/masters.py",
        "crm-admin",
        "crm_masters_options_new",
        "オプションを追加",
        first={"code": "OPT901", "name": "最初のオプション", "price_label": "月額500円", "pack": True, "order": 7},
        second={"code": "OPT902", "name": "二番目のオプション"},
        stored={"is_support_pack": False, "sort_order": 0},
    )


def crm_new_request(db: Session) -> Entry:
    required = {
        "last_name_kana": "カブシキガイシャ",
        "zip_code": "150-0001",
        "phone1": "03-1234-5678",
        "payment_type": "2",
    }
    return Entry(
        "app_pages/crm/new_request.py",
        "crm-sales",
        "crm_new_request_form",
        "投入依頼を送信",
        first=required
        | {
            "last_name": "株式会社最初商事",
            "city": "渋谷区",
            "street": "神南1-1-1",
            "phone2": "090-1111-2222",
            "mail_address": "corp-first@example.jp",
            "remarks": "最初の依頼の備考",
            "sites": 3,
        },
        second=required | {"last_name": "株式会社二番目商事", "remarks": "二番目の依頼の備考"},
        stored={"site_count": 1},
    )


def crm_add_site(db: Session) -> Entry:
    corporation = one(db, select(crm.Corporation).order_by(crm.Corporation.id))
    return Entry(
        "app_pages/crm/add_site.py",
        "crm-admin",
        "crm_add_site_form",
        "投入依頼を送信",
        first={"remarks": "最初の追加地点の備考", "sites": 2},
        second={"remarks": "二番目の追加地点の備考"},
        state={"crm_add_site_q": corporation.display_name, "crm_add_site_corporation": corporation.id},
        stored={"site_count": 1},
    )


def crm_request(db: Session) -> crm.Request:
    return one(db, select(crm.Request).where(crm.Request.status == crm.IN_PROGRESS).order_by(crm.Request.id))


def crm_deficiency(db: Session) -> Entry:
    return Entry(
        "app_pages/crm/case.py",
        "crm-operator",
        "crm_case_whole_deficiency",
        "不備を送信",
        first={"reason": "最初の不備理由"},
        second={"reason": "二番目の不備理由"},
        state={"crm_case_whole_deficiency_open": True},  # its expander built open (layout.shown_when_open)
        query={"id": str(crm_request(db).id)},
        rows=(crm.Comment,),
    )


def crm_comment(db: Session) -> Entry:
    return Entry(
        "app_pages/crm/case.py",
        "crm-operator",
        "crm_case_comment",
        "コメントを送信",
        first={"text": "最初のコメント"},
        second={"text": "二番目のコメント"},
        rows=(crm.Comment,),
        query={"id": str(crm_request(db).id)},
    )


NURSERY_CHOSEN = entry_logs_pages.NURSERY_KEY  # the nursery an admin works on, from page to page


def nursery(db: Session) -> entry_logs.Nursery:
    return one(db, select(entry_logs.Nursery).order_by(entry_logs.Nursery.id))


def children_of(db: Session, place: entry_logs.Nursery) -> list[int]:
    """The nursery's children's ids, in order."""
    return list(
        db.scalars(
            select(entry_logs.Child.id).where(entry_logs.Child.nursery_id == place.id).order_by(entry_logs.Child.id)
        )
    )


def attendance(db: Session) -> Entry:
    place = nursery(db)
    children = children_of(db, place)
    return Entry(
        "app_pages/entry_logs/attendance.py",
        "nursery-admin",
        "entry_logs_attendance_record",
        "記録する",
        first={"child": children[1], "status": "absent", "note": "風邪のため"},
        second={"child": children[2]},
        state={NURSERY_CHOSEN: place.id},
        stored={"status": "present", "note": ""},
    )


def roster_parent(db: Session) -> Entry:
    return Entry(
        "app_pages/entry_logs/roster.py",
        "nursery-admin",
        "entry_logs_roster_new_parent",
        "追加",
        first={"name": "最初の保護者", "phone": "090-3333-4444"},
        second={"name": "二番目の保護者"},
        state={NURSERY_CHOSEN: nursery(db).id},
    )


def roster_child(db: Session) -> Entry:
    place = nursery(db)
    parent = one(db, select(entry_logs.Parent.id).where(entry_logs.Parent.nursery_id == place.id))
    return Entry(
        "app_pages/entry_logs/roster.py",
        "nursery-admin",
        "entry_logs_roster_new_child",
        "追加",
        first={"name": "最初の園児", "class": "きりん組", "parents": [parent]},
        second={"name": "二番目の園児"},
        state={NURSERY_CHOSEN: place.id},
    )


def new_nursery(db: Session) -> Entry:
    return Entry(
        "app_pages/entry_logs/settings.py",
        "nursery-admin",
        "entry_logs_settings_new",
        "追加",
        first={"code": "first-nursery", "name": "最初の保育園", "password": "first-door-1"},
        second={"code": "second-nursery", "name": "二番目の保育園"},
    )


def nursery_password(db: Session) -> Entry:
    place = nursery(db)
    return Entry(
        "app_pages/entry_logs/settings.py",
        "nursery-admin",
        f"entry_logs_settings_password_{place.id}",
        "パスワードを変更",
        first={"new": "first-door-1", "again": "first-door-1"},
        second={"new": "second-door-2", "again": "second-door-2"},
        state={NURSERY_CHOSEN: place.id},
    )


def nursery_pin(db: Session) -> Entry:
    place = nursery(db)
    return Entry(
        "app_pages/entry_logs/settings.py",
        "nursery-admin",
        f"entry_logs_settings_pin_{place.id}",
        "暗証番号を変更",
        first={"new": "1357", "again": "1357"},
        second={"new": "24680", "again": "24680"},
        state={NURSERY_CHOSEN: place.id},
    )


def manual_log(db: Session) -> Entry:
    place = nursery(db)
    parents = db.scalars(
        select(entry_logs.Parent.id)
        .where(entry_logs.Parent.nursery_id == place.id, entry_logs.Parent.is_pass.is_(False))
        .order_by(entry_logs.Parent.id)
    ).all()
    return Entry(
        "app_pages/entry_logs/logs.py",
        "nursery-admin",
        "entry_logs_logs_manual",
        "再登録する",
        first={
            "parent": parents[1],
            "type": "Exit",
            "at_day": clock.today() - timedelta(days=1),
            "at_time": time(9, 15),
            "reason": "最初の再登録の理由",
        },
        second={"parent": parents[2], "reason": "二番目の再登録の理由"},
        state={NURSERY_CHOSEN: place.id},
        stored={"parent_id": parents[2], "entry_type": "Entry"},
    )


def pickup_pass(db: Session) -> Entry:
    place = nursery(db)
    children = children_of(db, place)
    return Entry(
        "app_pages/entry_logs/pickup.py",
        "nursery-admin",
        "entry_logs_pickup_pass",
        "登録する",
        first={
            "name": "最初のお迎えの方",
            "relation": "祖母",
            "date": clock.today() + timedelta(days=1),
            "children": [children[1], children[2]],
        },
        second={"name": "二番目のお迎えの方", "children": [children[3]]},
        state={NURSERY_CHOSEN: place.id},
        stored={"relation": "", "pass_date": clock.today().isoformat(), "child_ids": [children[3]]},
    )


def care_hours(db: Session) -> Entry:
    next_month = (clock.today().replace(day=1) + timedelta(days=31)).replace(day=1)
    return Entry(
        "app_pages/entry_logs/extended_care.py",
        "nursery-admin",
        "entry_logs_care_hours",
        "設定する",
        first={"from": next_month, "opening": time(7, 0), "closing": time(19, 30), "unit": 15},
        # a day of its own: the history's hours start on the 1st, whose hours a save on it would replace (its audit
        # entry then naming only what changed)
        second={"from": next_month + timedelta(days=1), "opening": time(7, 30), "closing": time(18, 30)},
        state={NURSERY_CHOSEN: nursery(db).id},
        stored={"unit_minutes": 30},
    )


def open_alert(db: Session) -> fleet.Alert:
    return one(
        db,
        select(fleet.Alert)
        .where(fleet.Alert.status == "open", fleet.Alert.incident_id.is_(None))
        .order_by(fleet.Alert.id),
    )


def reopen(model: Any, record_id: int) -> Callable[[Session], None]:
    """The record open again, as the offline sweep reopens a resolved alert whose terminal went silent again."""

    def again(db: Session) -> None:
        record = db.get(model, record_id)
        record.status, record.resolved_at = "open", None

    return again


def alert_note(db: Session) -> Entry:
    alert = open_alert(db)
    return Entry(
        "app_pages/fleet/alerts.py",
        "fleet-operator",
        f"fleet_alerts_note_{alert.id}",
        "メモを追加",
        first={"body": "最初の対応メモ"},
        second={"body": "二番目の対応メモ"},
        query={"id": str(alert.id)},
    )


def alert_resolution(db: Session) -> Entry:
    alert = open_alert(db)
    return Entry(
        "app_pages/fleet/alerts.py",
        "fleet-operator",
        f"fleet_alerts_resolve_{alert.id}",
        "解決済みにする",
        first={"note": "最初の対応内容"},
        second={},
        query={"id": str(alert.id)},
        rows=(fleet.AlertNote,),
        again=reopen(fleet.Alert, alert.id),
    )


def incident_resolution(db: Session) -> Entry:
    incident = one(db, select(fleet.Incident).order_by(fleet.Incident.id.desc()))
    reopen(fleet.Incident, incident.id)(db)  # the history resolves every incident it makes
    return Entry(
        "app_pages/fleet/incidents.py",
        "fleet-operator",
        f"fleet_incidents_resolve_{incident.id}",
        "インシデントを解決済みにする",
        first={"resolution": "最初の対応内容"},
        second={},
        query={"id": str(incident.id)},
        again=reopen(fleet.Incident, incident.id),
    )


def newest_incident(db: Session) -> fleet.Incident:
    return one(db, select(fleet.Incident).order_by(fleet.Incident.id.desc()))


def incident_contact(db: Session) -> Entry:
    incident = newest_incident(db)
    reopen(fleet.Incident, incident.id)(db)
    return Entry(
        "app_pages/fleet/incidents.py",
        "fleet-support",
        f"fleet_incidents_contact_{incident.id}",
        "顧客連絡を記録",
        first={"customer_contact": "最初にお伝えした内容"},
        second={"customer_contact": "二番目にお伝えした内容"},
        query={"id": str(incident.id)},
        rows=(fleet.IncidentNote,),
    )


def incident_note(db: Session) -> Entry:
    incident = newest_incident(db)
    return Entry(
        "app_pages/fleet/incidents.py",
        "fleet-support",
        f"fleet_incidents_note_{incident.id}",
        "メモを追加",
        first={"note": "最初の対応メモ"},
        second={"note": "二番目の対応メモ"},
        query={"id": str(incident.id)},
    )


def unreport(incident_id: int) -> Callable[[Session], None]:
    """The incident resolved and its 完了報告 still owed, as when its terminals came back by themselves."""

    def again(db: Session) -> None:
        record = db.get(fleet.Incident, incident_id)
        record.status, record.resolved_at, record.resolved_by = "resolved", clock.now(), "システム"
        record.reported_at, record.reported_by = None, ""

    return again


def incident_report(db: Session) -> Entry:
    incident = newest_incident(db)
    unreport(incident.id)(db)
    return Entry(
        "app_pages/fleet/incidents.py",
        "fleet-support",
        f"fleet_incidents_report_{incident.id}",
        "完了報告を記録",
        first={"cause": "最初の原因", "report": "最初の報告内容"},
        second={"cause": "二番目の原因", "report": "二番目の報告内容"},
        query={"id": str(incident.id)},
        again=unreport(incident.id),
    )


def saved_view(db: Session) -> Entry:
    return Entry(
        "app_pages/fleet/terminals.py",
        "fleet-operator",
        "fleet_terminals_view_new",
        "今の絞り込み条件を保存",
        first={"name": "最初のビュー"},
        second={"name": "二番目のビュー"},
    )


def fleet_customer(db: Session) -> Entry:
    return Entry(
        "app_pages/fleet/customers.py",
        "fleet-admin",
        "fleet_customers_new",
        "追加",
        first={
            "name": "最初の顧客",
            "person": "最初の担当者",
            "email": "customer-first@example.jp",
            "phone": "0355556666",
            "contract": "premium",
        },
        second={
            "name": "二番目の顧客",
            "person": "二番目の担当者",
            "email": "second@example.jp",
            "phone": "0355556667",
        },
        stored={"contract_type": "basic"},
    )


def maintenance_window(db: Session) -> Entry:
    customer = one(db, select(fleet.Customer.id).order_by(fleet.Customer.company_name))
    return Entry(
        "app_pages/fleet/customers.py",
        "fleet-operator",
        f"fleet_customers_windows_{customer}_new",
        "定期メンテナンスを追加",
        first={
            "store": "最初の店舗",
            "rec": "weekly",
            "wd": 2,
            "start": time(23, 30),
            "minutes": 90,
            "reason": "最初の理由",
        },
        second={"reason": "二番目の理由"},
        state={"fleet_customers_selected_id": customer},
        stored={"store_name": "", "weekday": None, "duration_minutes": 60},
    )


def fleet_terminal(db: Session) -> Entry:
    customers = db.scalars(select(fleet.Customer.id).order_by(fleet.Customer.id)).all()
    return Entry(
        "app_pages/fleet/terminals.py",
        "fleet-admin",
        "fleet_terminals_new",
        "登録",
        first={
            "customer": customers[1],
            "serial": "FORM-FIRST-1",
            "store": "最初の店舗 レジ1番",
            "firmware": "1.2.0",
            "installed": date(2026, 4, 1),
        },
        second={"serial": "FORM-SECOND-2", "store": "二番目の店舗 レジ1番"},
        stored={"customer_id": customers[0], "firmware_version": "1.0.0", "installed_date": None},
    )


FIRMWARE = b"firmware image"


def firmware_upload(db: Session) -> Entry:
    digest = hashlib.sha256(FIRMWARE).hexdigest()
    return Entry(
        "app_pages/fleet/firmware.py",
        "fleet-admin",
        "fleet_firmware_upload",
        "登録",
        first={
            "file": ("first.bin", FIRMWARE, "application/octet-stream"),
            "version": "9.1.0",
            "sha256": digest,
            "notes": "最初のリリースノート",
        },
        second={"file": ("second.bin", FIRMWARE, "application/octet-stream"), "version": "9.2.0", "sha256": digest},
        rows=(fleet.FirmwareRelease,),
    )


def firmware_rollout(db: Session) -> Entry:
    release = one(db, select(fleet.FirmwareRelease.id).order_by(fleet.FirmwareRelease.id))
    customers = db.scalars(select(fleet.Customer.id).order_by(fleet.Customer.company_name)).all()
    settings = get_settings()
    return Entry(
        "app_pages/fleet/firmware.py",
        "fleet-admin",
        "fleet_firmware_new_rollout",
        "ロールアウトを作成",
        first={
            "release": release,
            "target_customer": customers[1],
            "waves": "5, 100",
            "threshold": 20.0,
            "timeout": 30,
        },
        second={},
        rows=(fleet.Rollout,),
        unstored=("waves",),
        stored={
            "customer_id": customers[0],
            "waves": [1, 10, 100],
            "failure_threshold_pct": settings.fleet_rollout_failure_threshold_pct,
            "timeout_minutes": settings.fleet_rollout_timeout_minutes,
        },
    )


def loaners_location(db: Session) -> Entry:
    return Entry(
        "app_pages/loaners/masters.py",
        "loaners-admin",
        "loaners_masters_location_new",
        "拠点を追加",
        first={
            "id": "formfirst",
            "code": "FIRST",
            "name": "最初の拠点",
            "jurisdiction": "最初の管轄",
            "email": "first-place@example.jp",
            "notify": True,
            "status": "inactive",
        },
        second={
            "id": "formsecond",
            "code": "SECOND",
            "name": "二番目の拠点",
            "jurisdiction": "二番目の管轄",
            "email": "second-place@example.jp",
        },
        stored={"notify_status_change": False, "status": "active"},
    )


def loaners_model(db: Session) -> Entry:
    return Entry(
        "app_pages/loaners/masters.py",
        "loaners-admin",
        "loaners_masters_model_new",
        "機種を追加",
        first={"name": "First-Model-1", "maker": "最初のメーカー", "category": "Laptop", "note": "最初の備考"},
        second={"name": "Second-Model-2", "maker": "二番目のメーカー"},
        stored={"category": "Desktop"},
    )


def loaners_question(db: Session) -> Entry:
    return Entry(
        "app_pages/loaners/masters.py",
        "loaners-admin",
        "loaners_masters_question_new",
        "質問を追加",
        first={"key": "最初の質問", "type": "choice", "choices": "はい\nいいえ", "prefix": "987", "required": True},
        second={"key": "二番目の質問"},
        stored={"type": "text", "required": False},
    )


def loaners_device(db: Session) -> Entry:
    place = one(
        db, select(loaners.Location.id).where(loaners.Location.status == "active").order_by(loaners.Location.id)
    )
    model = one(db, select(loaners.Model.id).order_by(loaners.Model.id))
    return Entry(
        "app_pages/loaners/device_register.py",
        "loaners-admin",
        "loaners_device_register_new",
        "機器を登録",
        first={
            "location": place,
            "model": model,
            "serial": "FIRST901",
            "asset": "ASSET_FIRST",
            "software": "最初のソフト",
            "os": "最初のOS",
        },
        second={"location": place, "model": model, "serial": "SECOND902", "asset": "ASSET_SECOND"},
    )


def reservations_shop(db: Session) -> Entry:
    service = one(db, select(reservations.ServiceType.id).order_by(reservations.ServiceType.id))
    return Entry(
        "app_pages/reservations/catalog.py",
        "resv-operator",
        "reservations_catalog_new_shop",
        "提携店舗を追加",
        first={
            "name": "最初の提携店",
            "phone": "0377778888",
            "email": "shop-first@example.jp",
            "services": [service],
            "order": 5,
            "active": False,
            "notes": "最初の備考",
        },
        second={"name": "二番目の提携店", "phone": "0377779999"},
        stored={"call_order": 100, "active": True, "phone": "+81377779999"},
        unstored=("phone",),  # stored as dialled from abroad (E.164)
    )


def reservations_service(db: Session) -> Entry:
    return Entry(
        "app_pages/reservations/catalog.py",
        "resv-operator",
        "reservations_catalog_new_service",
        "サービスを追加",
        first={"name": "最初のサービス", "price": 5000, "duration": 90, "desc": "最初の説明", "active": False},
        second={"name": "二番目のサービス"},
        stored={"price": 0, "duration_minutes": 60, "active": True},
    )


def mcp_client(db: Session) -> Entry:
    return Entry(
        "app_pages/reservations/clients.py",
        "resv-operator",
        "reservations_clients_create",
        "APIキーを発行",
        first={"name": "最初のクライアント"},
        second={"name": "二番目のクライアント"},
    )


def a_reservation(db: Session) -> reservations.Reservation:
    return one(db, select(reservations.Reservation).order_by(reservations.Reservation.id))


def reservation_note(db: Session) -> Entry:
    code = a_reservation(db).code
    return Entry(
        "app_pages/reservations/detail.py",
        "resv-operator",
        f"reservations_detail_note_{code}",
        "メモを追加",
        first={"body": "最初のメモ"},
        second={"body": "二番目のメモ"},
        query={"code": code},
    )


def reservation_operation(db: Session) -> Entry:
    code = a_reservation(db).code
    return Entry(
        "app_pages/reservations/detail.py",
        "resv-support",
        "reservations_detail_op",
        "手動対応を登録",
        first={f"type_{code}": "late_cancellation", f"reason_{code}": "最初の理由"},
        second={f"reason_{code}": "二番目の理由"},
        query={"code": code},
    )


def operation_resolution(db: Session) -> Entry:
    operation = one(
        db,
        select(reservations.ManualOperation)
        .where(reservations.ManualOperation.status != "resolved")
        .order_by(reservations.ManualOperation.id),
    )
    return Entry(
        "app_pages/reservations/queue.py",
        "resv-operator",
        f"reservations_queue_resolve_{operation.id}",
        "対応済みにする",
        first={"body": "最初の対応内容"},
        second={"body": "二番目の対応内容"},
        state={"reservations_queue_selected_id": operation.id},
        again=reopen(reservations.ManualOperation, operation.id),
    )


def declined(reservation_id: int) -> Callable[[Session], None]:
    """The reservation back at 全店NG, the one-off shop it was booked at forgotten, as after every shop said no."""

    def again(db: Session) -> None:
        record = db.get(reservations.Reservation, reservation_id)
        record.status, record.shop_id = "all_declined", None
        record.one_off_shop_name = record.one_off_shop_phone = record.one_off_shop_notes = None

    return again


def one_off_shop(db: Session) -> Entry:
    reservation = one(
        db,
        select(reservations.Reservation)
        .where(reservations.Reservation.status == "calling")
        .order_by(reservations.Reservation.id),
    )
    declined(reservation.id)(db)  # the history books its 全店NG reservation at a shop found by phone
    return Entry(
        "app_pages/reservations/detail.py",
        "resv-operator",
        f"reservations_detail_one_off_{reservation.code}",
        "この店舗で予約OKにして決済リンクを送信",
        first={"name": "最初に見つけた店", "phone": "0366667777", "notes": "最初の店のメモ", "listed": True},
        second={"name": "二番目に見つけた店", "phone": "0366668888"},
        query={"code": reservation.code},
        stored={"one_off_shop_notes": ""},
        unstored=("phone",),  # stored as dialled from abroad (E.164)
        again=declined(reservation.id),
    )


def reservations_incident(db: Session) -> Entry:
    return Entry(
        "app_pages/reservations/incidents.py",
        "resv-operator",
        "reservations_incidents_new",
        "記録する",
        first={
            "title": "最初のインシデント",
            "level": "high",
            "impact": "最初の影響範囲",
            "cause": "最初の原因",
            "response": "最初の対応内容",
            "prevention": "最初の再発防止策",
        },
        second={"title": "二番目のインシデント"},
        stored={"level": "medium"},
    )


def support_inquiry(db: Session) -> Entry:
    code = a_reservation(db).code
    return Entry(
        "app_pages/reservations/support.py",
        "resv-support",
        "reservations_support_new",
        "記録する",
        first={
            "channel": "phone",
            "requester": "山田太郎",
            "reservation": code,
            "question": "日時を変えたい",
            "answer": "日時変更を承りました",
        },
        second={"requester": "佐藤花子", "question": "領収書がほしい"},
        stored={"reservation_id": None, "channel": "email"},
        unstored=("reservation",),
    )


# Each form that starts again after its save (test_create_forms.starts_again: `page function`) and the entries that
# walk it; a function shared by several pages is walked on each.
FORMS: list[tuple[str, Callable[[Session], Entry]]] = [
    ("admin/users.py create_form", admin_user),
    ("crm/agencies.py create_form", crm_agency),
    ("crm/users.py create_form", crm_user),
    ("crm/masters.py create_form", crm_option),
    ("crm/forms.py after_sending", crm_new_request),
    ("crm/forms.py after_sending", crm_add_site),
    ("crm/case.py deficiency_form", crm_deficiency),
    ("crm/detail.py timeline", crm_comment),
    ("entry_logs/attendance.py record_form", attendance),
    ("entry_logs/extended_care.py hours_section", care_hours),
    ("entry_logs/logs.py manual_form", manual_log),
    ("entry_logs/pickup.py pass_form", pickup_pass),
    ("entry_logs/roster.py save_form", roster_parent),
    ("entry_logs/roster.py save_form", roster_child),
    ("entry_logs/settings.py create_form", new_nursery),
    ("entry_logs/settings.py password_form", nursery_password),
    ("entry_logs/settings.py pin_form", nursery_pin),
    ("fleet/alerts.py note_form", alert_note),
    ("fleet/alerts.py resolve_form", alert_resolution),
    ("fleet/common.py contact_form", incident_contact),
    ("fleet/incidents.py note_form", incident_note),
    ("fleet/incidents.py report_form", incident_report),
    ("fleet/incidents.py resolve_form", incident_resolution),
    ("fleet/common.py saved_views", saved_view),
    ("fleet/customers.py create_form", fleet_customer),
    ("fleet/quiet_times.py windows_panel", maintenance_window),
    ("fleet/terminals.py create_form", fleet_terminal),
    ("fleet/firmware.py upload_form", firmware_upload),
    ("fleet/firmware.py rollout_form", firmware_rollout),
    ("loaners/masters.py locations_tab", loaners_location),
    ("loaners/masters.py models_tab", loaners_model),
    ("loaners/masters.py questions_tab", loaners_question),
    ("loaners/device_register.py first_try", loaners_device),
    ("reservations/catalog.py editor", reservations_shop),
    ("reservations/catalog.py editor", reservations_service),
    ("reservations/clients.py create_form", mcp_client),
    ("reservations/common.py text_form", reservation_note),
    ("reservations/common.py text_form", operation_resolution),
    ("reservations/common.py one_off_form", one_off_shop),
    ("reservations/detail.py open_operation_form", reservation_operation),
    ("reservations/incidents.py new_incident", reservations_incident),
    ("reservations/support.py new_inquiry", support_inquiry),
]
# Forms that start again but are walked elsewhere, and why.
ELSEWHERE = {
    "crm/common.py reload": "an edit form read afresh (test_crm_case.py, test_crm_admin.py)",
    "loaners/device_register.py show_duplicate": "the same form, sent again once a repeated 製造番号 is confirmed",
    "reservations/oncall.py override_form": "its second entry in test_reservations_oncall.py (a rotation's member)",
}


def test_the_walk_has_every_form_that_starts_again():
    assert {name for name, _ in FORMS} | set(ELSEWHERE) == set(forms_that_start_again())


def test_every_create_form_is_empty_after_a_save_and_its_second_record_holds_only_what_was_typed(open_app):
    history_ends = restore_history()
    found = []
    for index, (_, build) in enumerate(FORMS):
        try:
            with time_machine.travel(history_ends + timedelta(milliseconds=index), tick=False):
                with session_scope() as session:
                    entry = build(session)
                found += [f"{build.__name__}: {offence}" for offence in offences(open_app, entry)]
        except Exception as failure:  # one form's failure is reported with the others'
            found.append(f"{build.__name__}: {str(failure).splitlines()[0]}")
    assert found == [], "\n".join(found)
