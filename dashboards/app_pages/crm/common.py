"""What the 代理店CRM pages share. Checks before sending are the API's dry runs of its own schemas; edits are under
optimistic locking (a 409 shows the current values). What any page could use is in dashboards/components/."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import api, auth, crm_api, forms, labels, sections
from dashboards.app_pages.crm import labels as crm_labels
from dashboards.components import badges, kpi, pickers, timestamps, writes
from dashboards.fields import Field
from dashboards.fields import field as served_field
from dashboards.fields import headers as served_headers

SALES, OPERATOR, ADMIN = "sales", "operator", "admin"
ASSIGNEE_COLUMN = "担当者"
UNASSIGNED = "未割当"
# the times a list of requests shows: the back office's, and a sales team's
BACK_OFFICE_TIMES = ("in_status_seconds", "total_seconds", "agency_seconds")
TEAM_TIMES = ("in_status_seconds", "total_seconds")
MY_PAGE = "app_pages/crm/my_requests.py"
MY_PAGE_KEY = "crm_my_requests"
NEW_PAGE = "app_pages/crm/new_request.py"
ADD_SITE_PAGE = "app_pages/crm/add_site.py"
FIX_PAGE = "app_pages/crm/fix.py"
QUEUE_PAGE = "app_pages/crm/queue.py"
CASE_PAGE = "app_pages/crm/case.py"
CASE_PAGE_KEY = "crm_case"
METRICS_PAGE = "app_pages/crm/metrics.py"
SECRET_FIELDS = ("credit_card_number", "credit_card_security_code")
RANGE_REVERSED = "期間の開始が終了より後になっています。"
# Japanese for pydantic's own error types; our rules' errors (法人番号, カナ, 郵便番号, ...) and a pattern's (its words,
# service/schemas.matching) are Japanese already.
RULE_MESSAGES: dict[str, Callable[[dict], str]] = {
    "missing": lambda ctx: "入力してください",
    "string_too_short": lambda ctx: "入力してください" if ctx["min_length"] == 1 else f"{ctx['min_length']}文字以上",
    "string_too_long": lambda ctx: f"{ctx['max_length']}文字以内で入力してください",
    "value_error": lambda ctx: "形式が正しくありません",
    "literal_error": lambda ctx: "選択肢から選んでください",
    "greater_than_equal": lambda ctx: f"{ctx['ge']}以上で入力してください",
    "less_than_equal": lambda ctx: f"{ctx['le']}以下で入力してください",
    "too_long": lambda ctx: f"{ctx['max_length']}件以内で選んでください",
}


def corporation_label(corporation: dict) -> str:
    """A corporation as a picker names it: 株式会社テスト商事（法人番号 7000012050002・東京都渋谷区）."""
    number = corporation["corporation_number"]
    facts = [f"法人番号 {number}" if number else "", f"{corporation['prefecture']}{corporation['city']}"]
    shown = "・".join(fact for fact in facts if fact)
    return f"{corporation['display_name']}（{shown}）" if shown else corporation["display_name"]


# --- the fields as the vocabulary states them


def declared(table: str, column: str) -> Field:
    """A CRM column (or its accounts', identity_user / identity_grant) as GET /crm/vocabulary states it."""
    return served_field("crm", table if table.startswith("identity_") else f"crm_{table}", column)


def headers(table: str) -> dict[str, str]:
    return served_headers("crm", f"crm_{table}")


def message_max() -> int | None:
    """A comment's length: a comment, a 不備 reason, a resubmission's note."""
    return declared("comment", "message").max_chars


def security_code_max() -> int:
    """A card's security code's length (stored encrypted: no column states it)."""
    return crm_api.vocabulary()["limits"]["security_code"]


def card_number_max() -> int:
    """A card number's length as typed (stored encrypted: no column states it)."""
    return crm_api.vocabulary()["limits"]["card_number"]


# --- the page start and the caller


def start(page_file: str, *, badge: bool = True) -> dict:
    """Returns the caller's CRM profile (/crm/me). badge=False leaves the unread badge to the page (a detail page marks
    its request read first)."""
    auth.require_page(page_file)
    _, page = sections.find_page(page_file)
    st.title(page.title)
    profile = crm_api.me()
    if badge:
        unread_badge(profile)
    return profile


def unread_badge(profile: dict) -> None:
    """アプリ内バッジ通知: the caller's unread notifications in the sidebar (linking the sales side to マイ依頼一覧)."""
    count = crm_api.unread_count()
    if not count:
        return
    with st.sidebar:
        st.markdown(f":red-badge[:material/notifications: 未読の通知 {count}件]")
        if is_sales_side(profile):
            st.page_link(MY_PAGE, label="通知を確認する", icon=":material/mark_email_unread:")


def is_sales_side(profile: dict) -> bool:
    return profile["role"] in (SALES, ADMIN)


def is_back_office(profile: dict) -> bool:
    return profile["role"] in (OPERATOR, ADMIN)


# --- statuses, choices, rows


def status_style(frame: pd.DataFrame) -> Styler:
    """§4.1's colours (赤/黄/緑/グレー) on a table's ステータス cells, by the status names shown, and its unread marks
    in red."""
    states = badges.word_colours(status_choices(), crm_api.vocabulary()["status_colours"])
    styled = badges.status_cells(frame, crm_labels.STATUS_COLUMN, states)
    for column in crm_labels.UNREAD_COLUMNS:
        styled = badges.status_cells(styled, column, lambda mark: "red" if mark else None)
    return badges.status_cells(styled, crm_labels.RESUBMITTED_COLUMN, lambda mark: "orange" if mark else None)


def status_table(rows: list[dict]) -> None:
    st.dataframe(status_style(pd.DataFrame(rows)), hide_index=True)


def status_badge(status: str, label: str) -> None:
    badges.status_badge(status, label, colours=crm_api.vocabulary()["status_colours"])


def status_markdown(status: str, label: str) -> str:
    return f":{crm_api.vocabulary()['status_colours'].get(status, 'gray')}-badge[{label}]"


def choices(kind: str) -> dict[str, str]:
    """A choice master (§9) as code -> label."""
    return {row["code"]: row["label"] for row in crm_api.masters()["choices"].get(kind, [])}


def choice_label(kind: str, code: str | None) -> str | None:
    """An unknown code as it is, None for none."""
    return None if code is None else choices(kind).get(code, code)


def offered_choices(kind: str, current: str) -> dict[str, str]:
    """The codes a form offers: the active ones, and the stored one even when an admin has deactivated it or it is
    text stored before the field took its code from the master (offered as stored)."""
    rows = crm_api.masters()["choices"].get(kind, [])
    offered = {row["code"]: row["label"] for row in rows if row["is_active"] or row["code"] == current}
    return offered if not current or current in offered else {current: current, **offered}


def status_choices() -> dict[str, str]:
    return crm_api.masters()["statuses"]


def duration(seconds: int) -> str:
    """A time span in words: 3日4時間, 5時間12分, 8分."""
    days, rest = divmod(seconds, 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days}日{hours}時間"
    return f"{hours}時間{minutes}分" if hours else f"{minutes}分"


def time_words() -> Mapping[str, str]:
    return crm_api.vocabulary()["time_labels"]


def times_row(times: dict, names: Iterable[str], words: Mapping[str, str]) -> dict:
    return {words[name]: duration(times[name]) for name in names}


def request_row(*, back_office: bool) -> Callable[[dict], dict]:
    """マイ依頼一覧 (§3.4) or 投入案件一覧 (§3.2, with the agency, the assignee and how long it has waited, in all and
    on the agency), in the spec's column order."""
    site_count, words = declared("request", "site_count").label, time_words()

    def row(item: dict) -> dict:
        status = item["status_label"]
        counts = {
            "依頼ID": item["id"],
            "法人名": item["corporation_name"],
            "地点数": item["sites_total"],
            site_count: item["site_count"],
        }
        created = timestamps.local_time(item["created_at"])
        if back_office:  # 未読 first: it is what the input team looks for, and must not be off-screen
            resubmitted = item.get("resubmitted_at")
            return {
                "未読通知": crm_labels.NEWS_MARK if item["unread"] else "",
                "ステータス": status,
                crm_labels.RESUBMITTED_COLUMN: timestamps.local_time(resubmitted) if resubmitted else "",
                **counts,
                "営業担当者": item["requested_by_name"],
                "代理店": item["agency_name"],
                "投入依頼日": created,
                ASSIGNEE_COLUMN: item["assigned_to_name"] or UNASSIGNED,
                **times_row(item["times"], BACK_OFFICE_TIMES, words),
            }
        return {
            **counts,
            "ステータス": status,
            "不備通知": crm_labels.UNREAD_MARK if item["unread"] else "",
            "投入依頼日": created,
        }

    return row


def team_row() -> Callable[[dict], dict]:
    """チームの依頼: whose request it is, its status and how long it has waited in it."""
    words = time_words()

    def row(item: dict) -> dict:
        return {
            "営業担当者": item["requested_by_name"],
            "ステータス": item["status_label"],
            "不備通知": crm_labels.UNREAD_MARK if item["unread"] else "",
            "依頼ID": item["id"],
            "法人名": item["corporation_name"],
            **times_row(item["times"], TEAM_TIMES, words),
            "投入依頼日": timestamps.local_time(item["created_at"]),
        }

    return row


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}日"


# the request statuses a 代理店別サマリ line counts, in the spec's order (each its status's word as its header)
STATUS_COUNTS = ("deficient", "in_progress", "submitted", "partly_cancelled", "cancelled")


def metrics_row(row: dict) -> dict:
    """One line of §3.6's 代理店別サマリ."""
    status = status_choices()
    return {
        headers("agency")["name"]: row["agency_name"],
        "依頼件数": row["requests"],
        **{status[code]: row[code] for code in STATUS_COUNTS},
        "獲得地点": row["acquired_sites"],
        "不備率": percent(row["deficiency_rate"]),
        "差し戻し率": percent(row["ever_deficient_rate"]),
        "初回完了率": percent(row["first_time_right_rate"]) if row["submitted"] else "—",
        "投入済までの日数（中央値）": days(row["median_days_to_submitted"]),
        "主な不備理由": "、".join(f"{r['reason']}（{r['count']}）" for r in row["top_reasons"]),
    }


def request_label(item: dict) -> str:
    """e.g. #12 株式会社テスト商事（不備）."""
    return f"#{item['id']} {item['corporation_name']}（{item['status_label']}）"


def open_request(items: list[dict], page_path: str, key: str, *, action: str) -> None:
    """The keyboard's way to what a click on the list's row opens (the list's picker is `key`)."""
    shown_as = {item["id"]: request_label(item) for item in items}
    chosen = pickers.record_picker(f"{action}依頼", shown_as, key, placeholder="依頼を選択")
    if chosen is not None:
        st.page_link(
            page_path,
            label=f"依頼 #{chosen} を{action}",
            icon=":material/open_in_new:",
            query_params={"id": str(chosen)},
        )


def chosen_id() -> int | None:
    raw = st.query_params.get("id", "")
    return int(raw) if raw.isdigit() else None


def load_request(request_id: int) -> dict | None:
    """The request as it is now, or None with a message when it does not exist or is not the caller's to see."""
    try:
        return crm_api.get_request(request_id)
    except api.ApiError as exc:
        if exc.status != 404:
            raise
        st.warning(crm_labels.NO_REQUEST)
        return None


def request_page(page_file: str, page: str, pick: Callable[[], int | None], show: Callable[[dict], None]) -> None:
    """Opening it marks what was addressed to the caller's side as read before the unread badge is drawn; when that was
    news for the caller's side, the page runs again so that the menu's count (drawn before the page) drops too."""
    profile = start(page_file, badge=False)
    flash = st.container()
    request_id = pick()
    detail = load_request(request_id) if request_id is not None else None
    if request_id is not None and detail and (detail["request"]["unread"] or crm_api.unread_count()):
        crm_api.mark_read(request_id)
        if detail["request"]["unread"]:
            st.rerun()
    with flash:
        writes.show_flash(page)
    unread_badge(profile)
    if detail:
        show(detail)


def linked_period(key: str, **more: tuple[str, Callable[[str], Any]]) -> bool:
    """Set a list's period (and `more`) filters from a figure card's link (?since=…&until=…); whether the page was
    opened by a link naming filters (these or the agency, `linked_agency`)."""
    widgets = {"since": (f"{key}_since", kpi.day), "until": (f"{key}_until", kpi.day)} | more
    kpi.linked_filters(key, widgets)
    return any(name in st.query_params for name in [*widgets, "agency_id"])


def linked_agency() -> int | None:
    """The agency a link names (?agency_id=…), for `agency_select`'s preset."""
    start = st.query_params.get("agency_id", "")
    return int(start) if start.isdigit() else None


def period_inputs(key: str) -> tuple[date | None, date | None]:
    """期間（開始・終了）as local dates; an end before the start is refused with a message."""
    left, right = st.columns(2)
    since = left.date_input("期間（開始）", value=None, key=f"{key}_since")
    until = right.date_input("期間（終了）", value=None, key=f"{key}_until")
    if since and until and since > until:
        st.error(RANGE_REVERSED)
        return None, None
    return since, until


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def agency_names() -> dict[int, str]:
    """A sales person sees only their own."""
    return {a["id"]: a["name"] for a in crm_api.list_agencies()["items"]}


def agency_select(label: str, key: str, *, include_all: bool = True, preset: int | None = None) -> int | None:
    """The agencies the caller may see (すべて first unless include_all=False); `preset` is chosen once (a link's
    ?agency_id=), after which the person's choice stands."""
    names = agency_names()
    options: list[int | None] = [None, *names] if include_all else list(names)
    if preset in names and st.session_state.get(f"{key}_preset") != preset:
        st.session_state[key] = st.session_state[f"{key}_preset"] = preset
    return st.selectbox(
        label,
        options,
        key=key,
        placeholder="代理店がありません",
        format_func=lambda i: labels.ALL_LABEL if i is None else names.get(i, str(i)),
    )


# --- checks before sending, and the API's refusals


def field_label(location: Any) -> str:
    """A field path of a form or an API error (e.g. corporation.zip_code, images[1]) in Japanese."""
    parts = [str(p) for p in location] if isinstance(location, list | tuple) else str(location).split(".")
    name = parts[-1]
    if name.startswith("images["):
        return f"明細画像（{int(name[7:-1]) + 1}枚目）"
    return crm_labels.field_labels().get(name, name)


def schema_errors(kind: str, data: Mapping[str, Any]) -> list[str]:
    """Checked before sending (the API's dry run: nothing stored); kind: corporation, site, request, agency, user_create
    or user_update."""
    try:
        crm_api.validate(kind, dict(data))
    except api.ApiError as exc:
        if exc.status != 422 or not isinstance(exc.details, dict):
            raise
        seen: dict[str, str] = {}
        for error in exc.details.get("errors", []):
            rule = RULE_MESSAGES.get(error["rule"])
            seen.setdefault(error["field"].split(".")[0], rule(error["ctx"]) if rule else error["message"])
        return [f"{field_label(field)}: {message}" for field, message in seen.items()]
    return []


def show_api_error(exc: api.ApiError) -> None:
    """The API's refusal with the fields it names (details.field / details.missing) in Japanese."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if details.get("field"):
        names = details.get("missing") or [details["field"]]
        st.error(f"{exc.message}（{'、'.join(field_label(name) for name in names)}）")
    else:
        writes.api_error(exc)


# --- edits under optimistic locking


def editing_base(key: str, current: dict) -> dict:
    """The record as this person started editing it, kept across reruns until saved or reloaded.

    So a change someone else makes meanwhile is a 409 on save (shown here, above the form, with the current values),
    never silently taken.
    """
    base = st.session_state.get(f"{key}_base")
    if base is None or base["id"] != current["id"]:
        st.session_state[f"{key}_base"] = base = current
        st.session_state.pop(f"{key}_conflict", None)
    conflict(key)
    return base


def widget_key(key: str, field: str) -> str:
    """A form widget's key; a reload starts a new round, so the widgets show the record's values afresh."""
    return forms.key(key, field)


def reload(key: str) -> None:
    forms.clear(key)


def reloading(key: str, call: Callable[[], Any]) -> Callable[[], Any]:
    """A write of the person's own that moves the record's version (a status change, a resubmission): once it
    succeeds, the form under `key` starts again from the record as it now is, so their next edit is no conflict."""

    def run() -> Any:
        result = call()
        reload(key)
        return result

    return run


def changes_from(base: dict, values: dict) -> dict:
    """The fields whose value differs from the record the person started from (secrets: only when typed)."""
    return {
        field: value
        for field, value in values.items()
        if (value if field in SECRET_FIELDS else value != base.get(field))
    }


def shown_value(field: str, value: Any, words: Mapping[str, Mapping[Any, str]] | None = None) -> str:
    """A field's value as the conflict lists show it: a code by its name (words: field -> code -> name)."""
    names = (words or {}).get(field, {})
    if value in names:
        return names[value]
    if field in SECRET_FIELDS:
        return "（入力あり）" if value else ""
    if isinstance(value, bool):
        return crm_labels.yes_no_fields()[field].word(value)
    if isinstance(value, list):
        names = crm_labels.field_labels()
        return "、".join(names.get(str(item), str(item)) for item in value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Edit:
    """`send(body)` makes the PATCH; `opened`: the values the person opened, to merge a stale edit; `words`: the names
    of coded values (field -> code -> name) the conflict lists show."""

    page: str
    changes: dict
    send: Callable[[dict], Any]
    success: str
    current: Callable[[], dict]
    opened: dict | None
    words: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    def body(self, version: int) -> dict:
        """For a merge, the opened values of the fields changed go with them."""
        merge = {} if self.opened is None else {"base": {f: self.opened[f] for f in self.changes if f in self.opened}}
        return self.changes | {"version": version} | merge


@dataclass(frozen=True)
class Stale:
    """An edit refused because someone else saved first; `both`: the fields both changed, as the API compared them
    with the version the person opened (None when it was not asked to)."""

    edit: Edit
    current: dict
    version: int
    both: list[str] | None

    def rest(self) -> dict:
        """The changes only the person made: 「自分の変更を反映して保存」 sends them under the current version."""
        return {field: value for field, value in self.edit.changes.items() if field not in (self.both or ())}


def submit(key: str, edit: Edit, version: int) -> None:
    """A stale version is kept for the next run, which shows it above the form."""
    try:
        edit.send(edit.body(version))
    except api.ApiError as exc:
        if exc.status != 409 or exc.code != "stale_version":
            show_api_error(exc)
            return
        details = exc.details or {}
        stale = Stale(edit, edit.current(), details["current_version"], details.get("conflicts"))
        st.session_state[f"{key}_conflict"] = stale
        st.rerun()
    reload(key)
    writes.flash(edit.page, edit.success)
    st.rerun()


def conflict_rows(stale: Stale, fields: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "項目": field_label(field),
                "あなたの入力": shown_value(field, stale.edit.changes[field], stale.edit.words),
                "現在の値": shown_value(field, stale.current.get(field), stale.edit.words),
            }
            for field in fields
        ]
    )


def conflict(key: str) -> None:
    """他のユーザーが更新しました (the person's input stays in the form below): with a merge, the fields both changed
    beside their current values and 「自分の変更を反映して保存」 for the rest; without, every field changed."""
    stale: Stale | None = st.session_state.get(f"{key}_conflict")
    if stale is None:
        return
    if stale.both is None:
        st.error(crm_labels.CONFLICT)
        st.dataframe(conflict_rows(stale, stale.edit.changes), hide_index=True)
    else:
        st.error(crm_labels.MERGE_CONFLICT if stale.both else crm_labels.MERGE_OFFER)
        if stale.both:
            st.dataframe(conflict_rows(stale, stale.both), hide_index=True)
        st.caption(crm_labels.MERGE_FIELDS.format(fields="、".join(map(field_label, stale.rest()))))
    with st.container(horizontal=True):
        if stale.both is not None and st.button(
            crm_labels.MERGE, key=f"{key}_merge", type="primary", icon=":material/merge:", disabled=not stale.rest()
        ):
            kept = crm_labels.MERGE_KEPT.format(fields="、".join(map(field_label, stale.both))) if stale.both else ""
            submit(key, replace(stale.edit, changes=stale.rest(), success=stale.edit.success + kept), stale.version)
        st.button(crm_labels.RELOAD, key=f"{key}_reload", on_click=reload, args=(key,), icon=":material/refresh:")


def save(
    page: str,
    key: str,
    base: dict,
    changes: dict,
    send: Callable[[dict], Any],
    success: str,
    *,
    current: Callable[[], dict],
    merge: bool = False,
    words: Mapping[str, Mapping[Any, str]] | None = None,
) -> None:
    """merge: the API compares a stale edit with `base`; words: the names of coded values in the conflict lists."""
    if not changes:
        st.info(writes.NO_CHANGES)
        return
    edit = Edit(page, changes, send, success, current, base if merge else None, words or {})
    submit(key, edit, base["version"])
