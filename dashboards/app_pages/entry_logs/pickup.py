"""入退管理 › お迎え管理: who may collect each child (its guardians, お迎え不可 for one who must not, 「本日のみ」
people with their own barcode), the adults' photos shown at the station, and the red alerts of an exit by someone who
may not collect a child."""

from collections.abc import Hashable
from functools import partial

import pandas as pd
import streamlit as st

from dashboards import api, auth, clock, entry_logs_api, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import pickers, uploaders, writes

PAGE = "entry_logs_pickup"
NEW_PASS = f"{PAGE}_pass"  # the 「本日のみ」 form
RESTRICT = f"{PAGE}_restrict"
PASS_NOTE = (
    "祖父母・シッターなど、保護者以外の方が1日だけお迎えする場合に登録します。登録すると、その方専用のバーコード"
    "（PDF1枚、またはスマホ用リンク）ができます。有効日以外の日に退出をスキャンすると、入退登録端末に赤い警告が出ます。"
)


def pass_errors(values: dict) -> list[str]:
    errors = common.name_errors(values["name"], "お迎えする方の名前")
    errors += common.field("parent", "name_kana").pattern_problems(values["nameKana"])
    if not values["childIds"]:
        errors.append("お迎えする園児を1人以上選んでください。")
    if values["date"] < clock.today():
        errors.append(f"{common.field('parent', 'pass_date').label}は今日以降にしてください。")
    return errors


def pass_form(nursery_id: int, children: dict[int, str]) -> None:
    """A 「本日のみ」 person: name, relation, the one date (today unless changed) and the children."""
    with st.expander("「本日のみ」のお迎えを登録", icon=":material/badge:"):
        st.caption(PASS_NOTE)
        with st.form(NEW_PASS):
            left, right = st.columns(2)
            name = left.text_input(
                "お迎えする方の名前",
                key=forms.key(NEW_PASS, "name"),
                max_chars=common.field("parent", "name").max_chars,
            ).strip()
            relation = right.text_input(
                **common.field("parent", "relation").text(), key=forms.key(NEW_PASS, "relation"), placeholder="例: 祖母"
            ).strip()
            with left:
                name_kana = common.kana_input(forms.key(NEW_PASS, "kana"))
            day = left.date_input("有効日（この日のみ）", value=clock.today(), key=forms.key(NEW_PASS, "date"))
            child_ids = st.multiselect(
                "お迎えする園児",
                list(children),
                key=forms.key(NEW_PASS, "children"),
                format_func=lambda i: children[i],
                placeholder="園児を選択",
            )
            submitted = st.form_submit_button("登録する", type="primary")
    values = {"name": name, "nameKana": name_kana, "relation": relation, "date": day, "childIds": child_ids}
    if submitted and not writes.show_errors(pass_errors(values)):
        body = values | {"date": day.isoformat()}
        writes.act(
            PAGE,
            lambda: entry_logs_api.create_pickup_pass(nursery_id, body),
            f"「本日のみ」のお迎え（{labels.plain(name)}さん、{day:%Y/%m/%d}）を登録しました。下の一覧からバーコードのPDFを"
            "ダウンロードできます。",
            form=NEW_PASS,
        )


def pass_list(nursery_id: int) -> None:
    """Today's and later passes: each with its PDF and its phone link, and 取消."""
    passes = entry_logs_api.pickup_passes(nursery_id)
    st.subheader("「本日のみ」のお迎え（今日以降）")
    if not passes:
        st.caption("登録はありません。")
        return
    for person in passes:
        with st.container(border=True):
            children = labels.plain("、".join(person["childNames"]))
            st.markdown(
                f"**{labels.plain(person['name'])}**（{labels.plain(person['relation'] or '続柄なし')}）　"
                f"有効日 {person['passDate'].replace('-', '/')}　お迎え: {children}"
            )
            pdf, link = st.columns([1, 3])
            pdf.download_button(
                "バーコードPDF",
                entry_logs_api.pickup_pass_card(nursery_id, person["parentId"]),
                file_name=f"pickup_pass_{person['parentId']}.pdf",
                mime="application/pdf",
                key=f"{PAGE}_pdf_{person['parentId']}",
                icon=":material/download:",
                on_click="ignore",
            )
            if person["url"]:
                link.code(person["url"], language=None)
            writes.confirm_then_act(
                PAGE,
                f"{PAGE}_revoke_{person['parentId']}",
                confirm="この「本日のみ」のお迎えを取り消す",
                label="取消",
                call=partial(entry_logs_api.revoke_pickup_pass, nursery_id, person["parentId"]),
                success=f"{labels.plain(person['name'])}さんの「本日のみ」のお迎えを取り消しました。",
            )


def collector_row(collector: dict) -> dict:
    head = common.headers("parent")
    return {
        "名前": collector["name"],
        "区分": collector["kindLabel"],
        head["relation"]: collector["relation"],
        head["pass_date"]: (collector["passDate"] or "").replace("-", "/"),
        common.field("pickup_rule", "note").label: collector["note"],
        "写真": "あり" if collector["hasPhoto"] else "",
    }


def child_collectors(children: dict[int, str]) -> None:
    """One child's collectors; a guardian made お迎え不可 (with the reason) or allowed again."""
    st.subheader("園児ごとのお迎え")
    options: dict[Hashable, str] = {child: name for child, name in children.items()}
    child_id = pickers.record_picker("園児", options, f"{PAGE}_child", placeholder="園児を選択")
    if child_id is None:
        return
    collectors = entry_logs_api.child_pickup(child_id)["collectors"]
    if collectors:
        st.dataframe(pd.DataFrame([collector_row(c) for c in collectors]), hide_index=True)
    guardians = {c["parentId"]: c for c in collectors if c["kind"] == "guardian"}
    restricted = {c["parentId"]: c for c in collectors if c["kind"] == "restricted"}
    if guardians:
        with st.form(f"{RESTRICT}_{child_id}"):
            parent_id = st.selectbox(
                "お迎え不可にする保護者",
                list(guardians),
                key=f"{RESTRICT}_{child_id}_parent",
                format_func=lambda i: guardians[i]["name"],
            )
            reason = common.field("pickup_rule", "note")
            note = st.text_input(
                f"{reason.label}（任意）",
                key=f"{RESTRICT}_{child_id}_note",
                max_chars=reason.max_chars,
                placeholder="例: 家庭裁判所の決定",
            ).strip()
            submitted = st.form_submit_button("お迎え不可にする", type="primary")
        if submitted:
            writes.act(
                PAGE,
                lambda: entry_logs_api.restrict_pickup(child_id, parent_id, note),
                f"{labels.plain(guardians[parent_id]['name'])}さんを{labels.plain(children[child_id])}のお迎え不可にしました。",
            )
    for parent_id, collector in restricted.items():
        writes.confirm_then_act(
            PAGE,
            f"{PAGE}_lift_{child_id}_{parent_id}",
            confirm=f"{collector['name']}さんのお迎え不可を解除する",
            label="解除",
            call=partial(entry_logs_api.lift_pickup_restriction, child_id, parent_id),
            success=f"{labels.plain(collector['name'])}さんのお迎え不可を解除しました。",
        )


def photos(nursery_id: int) -> None:
    """An adult's photo, shown at the station on their scans (kept small; never in a CSV)."""
    st.subheader("保護者の写真")
    st.caption("入退登録端末で、その方のスキャンのたびに表示されます（CSVやログには含まれません）。")
    passes = [
        {"id": p["parentId"], "name": p["name"], "apart": f"{'、'.join(p['childNames'])}のお迎え（本日のみ）"}
        for p in entry_logs_api.pickup_passes(nursery_id)
    ]
    parents = common.parent_labels(common.all_parent_records(nursery_id) + passes)
    parent_id = pickers.record_picker(
        "保護者",
        parents,
        f"{PAGE}_photo_parent",
        placeholder="保護者を選択",
    )
    if parent_id is None:
        return
    upload = uploaders.file_uploader(
        "写真（JPEG・PNG・HEIC）",
        key=f"{PAGE}_photo_file",
        limit_mb=uploaders.PHOTO_MB,
        type=["jpg", "jpeg", "png", "heic"],
    )
    if upload is not None and st.button("写真を登録", key=f"{PAGE}_photo_save", type="primary"):
        writes.act(
            PAGE,
            lambda: entry_logs_api.set_parent_photo(parent_id, upload.name, upload.getvalue()),
            f"{labels.plain(parents[parent_id])}さんの写真を登録しました。",
        )
    try:
        st.image(entry_logs_api.parent_photo(parent_id)(), width=160)
    except api.ApiError:
        st.caption("写真は登録されていません。")
        return
    writes.confirm_then_act(
        PAGE,
        f"{PAGE}_photo_remove_{parent_id}",
        confirm="この写真を削除する",
        label="写真を削除",
        call=lambda: entry_logs_api.remove_parent_photo(parent_id),
        success=f"{labels.plain(parents[parent_id])}さんの写真を削除しました。",
    )


user = auth.require_page(__file__)
st.title("お迎え管理")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    common.alerts(nursery["id"], PAGE)
    kids = common.all_children(nursery["id"])
    pass_form(nursery["id"], kids)
    pass_list(nursery["id"])
    child_collectors(kids)
    photos(nursery["id"])
