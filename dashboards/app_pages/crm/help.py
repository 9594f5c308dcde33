"""代理店CRM › ヘルプ (§3 FAQ / guides): the caller's role, its pages, its flow, the statuses with their colours and
changes, and the rules, built from /crm/vocabulary and the page registry, so the help shows what the pages do."""

import pandas as pd
import streamlit as st

from dashboards import sections
from dashboards.app_pages.crm import common
from dashboards.app_pages.crm import labels as crm_labels
from dashboards.crm_api import vocabulary


def role_pages(role: str) -> list[dict]:
    """The CRM pages this role opens (the registry's order) with what each is for."""
    section, _ = sections.find_page(__file__)
    return [
        {"画面": page.title, "使いかた": crm_labels.PAGE_GUIDES.get(page.title, "")}
        for page in section.pages
        if role in page.roles
    ]


def numbered(lines: tuple[str, ...], words: dict[str, str]) -> str:
    return "\n".join(f"{i}. {line.format(**words)}" for i, line in enumerate(lines, 1))


def statuses(words: dict[str, str]) -> None:
    """Each status as its coloured badge, with where the back office can move it, cancel and closed marks."""
    vocab = vocabulary()
    for status, label in vocab["status_labels"].items():
        moves = "・".join(words[after] for after in vocab["transitions"].get(status, [])) or "（変更なし）"
        facts = [f"投入担当者が変更できる先: {moves}"]
        if status in vocab["cancellable"]:
            facts.append(f"{words['cancelled']}にできる")
        if status in vocab["closed"]:
            facts.append("完了（編集できません）")
        st.markdown(f"{common.status_markdown(status, label)} {'／'.join(facts)}")


def submission_rules() -> None:
    required = vocabulary()["submission_required"]
    rows = [
        {"対象": crm_labels.SUBMISSION_GROUPS[group], "必須項目": "、".join(names)}
        for group, names in required.items()
        if names
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


profile = common.start(__file__)
role = profile["role"]
words = vocabulary()["status_labels"]
st.caption(f"あなたの役割: {profile['role_label']}")
st.subheader("使える画面")
st.dataframe(pd.DataFrame(role_pages(role)), hide_index=True)
st.subheader("業務の流れ")
st.markdown(numbered(crm_labels.FLOWS[role], words))
st.subheader("ステータス")
statuses(words)
if role != "sales":
    st.subheader(f"「{words['submitted']}」にするための必須項目")
    submission_rules()
st.subheader("ルール")
st.markdown(numbered(crm_labels.RULES[role], words))
