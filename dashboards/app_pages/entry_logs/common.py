"""What the 入退管理 pages share: which nursery a page works on, the ↓/↑ marks and their colours, validation.

What any page could use (act, times, the paged table) is in dashboards/components/.
"""

import re
from collections import Counter
from collections.abc import Callable
from functools import partial

import streamlit as st

from dashboards import auth, entry_logs_api, fields, labels, sections
from dashboards.components import timestamps, writes

DOMAIN = "entry_logs"
NURSERY_KEY = "entry_logs_nursery_id"
# Tailwind green-700 / orange-700: the station's 入/出 hues (UI-ER-002), dark enough for text on white (5.0:1 and
# 5.2:1; WCAG 2.2 AA asks 4.5:1)
COLOURS = {"Entry": "#15803d", "Exit": "#c2410c"}
ARROWS = {"Entry": "↓", "Exit": "↑"}
DIRECTIONS = {"Entry": "入（登園）", "Exit": "出（降園）"}
ADD_NURSERY_HINT = "「園情報編集」から保育園を追加してください。"
ASK_ADMIN_HINT = "管理者に登録を依頼してください。"
PICKER_PAGE = 100
NO_CLASS = "クラスなし"
NO_CHILDREN = "園児の登録なし"
ALERT_REFRESH_SECONDS = 5


def unrestricted(user: dict) -> bool:
    """True for platform admins and unscoped grants, who work across nurseries; a grant scoped to a nursery (staff, a
    園長 as its admin) is limited to it."""
    return auth.tenant_scope(user, DOMAIN) is None


def is_domain_admin(user: dict) -> bool:
    return sections.can_view(user, DOMAIN, ("admin",))


def may_add_nurseries(user: dict) -> bool:
    """An admin of every nursery (the API refuses one limited to a nursery)."""
    return is_domain_admin(user) and unrestricted(user)


def nursery_choice(user: dict, page_key: str) -> dict | None:
    """The nursery the page works on: a staff member's own; admins pick one, remembered from page to page."""
    found = entry_logs_api.nurseries()
    if not found:
        hint = ADD_NURSERY_HINT if may_add_nurseries(user) else ASK_ADMIN_HINT
        st.info(f"保育園が登録されていません。{hint}")
        return None
    by_id = {nursery["id"]: nursery for nursery in found}
    if not unrestricted(user) or len(by_id) == 1:
        nursery = next(iter(by_id.values()))
        st.caption(f"保育園: {nursery['name']}")  # by its name: its code is the stations' sign-in
        return nursery
    ids = list(by_id)
    remembered = st.session_state.get(NURSERY_KEY)
    chosen = st.selectbox(
        field("parent", "nursery_id").label,
        ids,
        index=ids.index(remembered) if remembered in by_id else 0,
        key=f"{page_key}_nursery",
        format_func=lambda i: by_id[i]["name"],
    )
    st.session_state[NURSERY_KEY] = chosen
    return by_id[chosen]


def type_labels() -> dict[str, str]:
    """入/出 by entry type (Entry, Exit), as the API words them."""
    return entry_logs_api.vocabulary()["entryTypes"]


def mark(entry_type: str, at: str | None = None) -> str:
    """e.g. ↓ 入, or ↓ 09:15 when a time is given."""
    return f"{ARROWS[entry_type]} {type_labels()[entry_type] if at is None else at}"


def fits(value: str, limit: int) -> bool:
    """The API's rule for free text: at most `limit` characters, no control characters."""
    return len(value) <= limit and re.fullmatch(entry_logs_api.rules()["noControlCharacters"], value) is not None


def name_errors(value: str, label: str) -> list[str]:
    """The API's rule for a name: 1 to nameMax characters without control characters."""
    limit = entry_logs_api.rules()["nameMax"]
    if not value or not fits(value, limit):
        return [f"{label}は1〜{limit}文字で入力してください（改行などの制御文字は使えません）。"]
    return []


def manual_note(log: dict) -> str:
    """手入力（who: why） for a log staff recorded by hand, else ""."""
    if not log.get("recordedBy"):
        return ""
    why = f": {log['manualReason']}" if log.get("manualReason") else ""
    return f"{entry_logs_api.vocabulary()['manualMark']}（{log['recordedBy']}{why}）"


def log_note(log: dict) -> str:
    """Who recorded a log by hand and why, or the station's own clock where it was off."""
    if log.get("recordedBy"):
        return manual_note(log)
    if log.get("stationTime"):
        return f"端末の時計: {timestamps.local_time(log['stationTime'])}"
    return ""


def _every(fetch: Callable[..., dict], nursery_id: int) -> list[dict]:
    """Every record of a nursery's list, read PICKER_PAGE at a time."""
    found: list[dict] = []
    page = 1
    while True:
        result = fetch(nurseryId=nursery_id, page=page, page_size=PICKER_PAGE)
        found += result["items"]
        if page * PICKER_PAGE >= result["total"]:
            return found
        page += 1


def all_parent_records(nursery_id: int) -> list[dict]:
    """Every parent of the nursery (at most 500 by §8.3), with their children."""
    return _every(entry_logs_api.list_parents, nursery_id)


def all_parents(nursery_id: int) -> dict[int, str]:
    """Every parent of the nursery by id, as a picker of parents shows them (parent_labels)."""
    return parent_labels(all_parent_records(nursery_id))


def all_children(nursery_id: int) -> dict[int, str]:
    """Name and class, for a picker of children."""
    return {child["id"]: child_label(child) for child in _every(entry_logs_api.list_children, nursery_id)}


def child_label(child: dict) -> str:
    return f"{child['name']}（{child['className'] or NO_CLASS}）"


def parent_labels(parents: list[dict]) -> dict[int, str]:
    """Parents by id, by name; two of one name are told apart by their `apart` words, else their children (name and
    class)."""
    named = Counter(parent["name"] for parent in parents)
    return {
        parent["id"]: parent["name"] if named[parent["name"]] == 1 else f"{parent['name']}（{_apart(parent)}）"
        for parent in parents
    }


def _apart(parent: dict) -> str:
    if "apart" in parent:
        return parent["apart"]
    children = "、".join(child_label(child) for child in parent["children"])
    return f"{children}の保護者" if children else NO_CHILDREN


def alert_panel(nursery_id: int, page_key: str) -> None:
    """Exits by someone who may not collect a child, in red, until staff acknowledge them (refreshed every few
    seconds, so staff are told at once)."""
    for alert in entry_logs_api.pickup_alerts(nursery_id):
        at = timestamps.local_datetime(alert["createdAt"])
        text, action = st.columns([5, 1], vertical_alignment="center")
        text.error(
            f"**{at:%H:%M:%S} {labels.plain(alert['parentName'])}さんの退出**: {labels.plain(alert['warning'])}",
            icon=":material/warning:",
        )
        if action.button("確認しました", key=f"{page_key}_ack_{alert['id']}", type="primary"):
            writes.act(
                page_key,
                partial(entry_logs_api.acknowledge_pickup_alert, nursery_id, alert["id"]),
                "お迎えの警告を確認済みにしました。",
            )


def alerts(nursery_id: int, page_key: str) -> None:
    st.fragment(alert_panel, run_every=ALERT_REFRESH_SECONDS)(nursery_id, page_key)


def field(table: str, column: str) -> fields.Field:
    return fields.field(DOMAIN, f"entry_logs_{table}", column)


def headers(table: str) -> dict[str, str]:
    return fields.headers(DOMAIN, f"entry_logs_{table}")


KANA_EXAMPLES = {"parent": "例: やまだ はなこ", "child": "例: やまだ たろう"}
KANA_HELP = {
    "parent": "入退登録端末の「カードを忘れた方」で、この読みで探せます（カタカナはひらがなで保存します）。",
    "child": "一覧の検索で、この読みでも探せます（カタカナはひらがなで保存します）。",
}


def kana_input(prefix: str, value: str = "", table: str = "parent") -> str:
    """The reading (ふりがな) of a parent (found by it at the station's 「カードを忘れた方」) or a child."""
    kana = field(table, "name_kana")
    return st.text_input(
        f"{kana.label}（任意）",
        value=value,
        key=f"{prefix}_name_kana",
        max_chars=kana.max_chars,
        placeholder=KANA_EXAMPLES[table],
        help=KANA_HELP[table],
    ).strip()


def search(table: str, column: str) -> dict:
    """A filter box searching the column: its label, the API's search text's length."""
    return fields.search(field(table, column).label)
