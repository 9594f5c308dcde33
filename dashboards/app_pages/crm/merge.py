"""代理店CRM › 法人の統合 (admin): one company is one corporation (decision 1). Duplicates made before the API refused
them are found by a search (法人名・法人番号・電話番号), then the duplicate is merged into the corporation kept: its
投入依頼 and 地点 move to it and it is deleted, all in the audit log."""

from collections.abc import Callable
from functools import partial

import streamlit as st

from dashboards import crm_api, fields
from dashboards.app_pages.crm import common
from dashboards.components import writes

PAGE = "crm_merge"
SHOWN = 50


def found() -> dict[int, dict]:
    """The corporations the search finds (every agency's: the pickers name each one's agency)."""
    query = st.text_input(
        **fields.search("法人名・法人番号・電話番号で検索"), key=f"{PAGE}_q", placeholder="例: 7000012050002"
    ).strip()
    if not query:
        st.info("重複している法人を、法人名・法人番号・電話番号で検索してください。")
        return {}
    hits = crm_api.search_corporations(q=query, page_size=SHOWN)
    if hits["total"] > SHOWN:
        st.caption(f"全{hits['total']:,}件中 {SHOWN}件を表示しています。検索語を詳しくすると絞り込めます。")
    return {corporation["id"]: corporation for corporation in hits["items"]}


def label_of(by_id: dict[int, dict], agencies: dict[int, str]) -> Callable[[int], str]:
    def label(corporation_id: int) -> str:
        corporation = by_id[corporation_id]
        agency = agencies.get(corporation["agency_id"], "")
        return f"#{corporation_id} {common.corporation_label(corporation)}・{agency}"

    return label


def merge(kept: int, duplicate: int) -> None:
    """Merge, then forget the pickers' choice of the corporation that is gone."""
    crm_api.merge_corporation(kept, duplicate)
    for key in (f"{PAGE}_duplicate", f"{PAGE}_run_ok"):
        st.session_state.pop(key, None)


common.start(__file__)
writes.show_flash(PAGE)
st.caption(
    "統合すると、統合する法人の投入依頼と地点は残す法人に移り、統合する法人は削除されます（監査ログに残ります）。"
    "統合できるのは同じ代理店の法人どうしです。"
)
by_id = found()
if by_id:
    label = label_of(by_id, common.agency_names())
    kept = st.selectbox("残す法人", list(by_id), index=None, key=f"{PAGE}_kept", format_func=label)
    others = [i for i in by_id if i != kept]
    duplicate = st.selectbox(
        "統合する法人（削除されます）", others, index=None, key=f"{PAGE}_duplicate", format_func=label
    )
    if kept is not None and duplicate is not None:
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_run",
            confirm=f"#{duplicate} を #{kept} に統合することを確認しました",
            label="統合する",
            call=partial(merge, kept, duplicate),
            success=f"法人 #{duplicate} を #{kept} に統合しました。",
            icon=":material/merge:",
        )
