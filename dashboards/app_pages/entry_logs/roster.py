"""入退管理 › 保護者・園児管理: the nursery's parents and children, add/edit/delete forms, and the roster CSV import."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import api, auth, entry_logs_api, fields, formats, forms, labels
from dashboards.app_pages.entry_logs import common
from dashboards.components import imports, pickers, tables, uploaders, writes

PAGE = "entry_logs_roster"
IMPORT_KEY = f"{PAGE}_import_job"  # (nursery id, import id) of the import this session started last
MAPPING_KEY = f"{PAGE}_import_mapping"
POLLING_KEY = f"{PAGE}_import_polling"
POLL_SECONDS = 1
FINISHED = ("done", "failed")
HANAKO = {"parent_name": "山田花子", "parent_name_kana": "やまだ はなこ", "phone": "090-1234-5678"}
TEMPLATE_ROWS = (  # by the roster's column keys (GET /entry-logs/vocabulary rosterColumns)
    HANAKO | {"child_name": "山田太郎", "child_name_kana": "やまだ たろう", "class_name": "きりん組"},
    HANAKO | {"child_name": "山田次郎", "child_name_kana": "やまだ じろう", "class_name": "ひよこ組"},
)


def parent_row(parent: dict) -> dict:
    head = common.headers("parent")
    return {
        "保護者ID": parent["id"],
        head["name"]: parent["name"],
        head["name_kana"]: parent["nameKana"],
        head["phone"]: formats.phone(parent["phone"]),
        "園児": "、".join(child["name"] for child in parent["children"]),
    }


def child_row(child: dict) -> dict:
    head = common.headers("child")
    return {
        "園児ID": child["id"],
        head["name"]: child["name"],
        head["name_kana"]: child["nameKana"],
        head["class_name"]: child["className"],
        "保護者": "、".join(parent["name"] for parent in child["parents"]),
    }


def parent_errors(values: dict) -> list[str]:
    """The API's rules for a parent: a name, and a phone number of digits and + - ( ) or spaces."""
    errors = common.name_errors(values["name"], common.field("parent", "name").label)
    errors += common.field("parent", "name_kana").pattern_problems(values["nameKana"])
    phone, most = common.field("parent", "phone"), entry_logs_api.rules()["phoneMax"]
    errors += phone.pattern_problems(values["phone"])
    if len(formats.nfkc(values["phone"])) > most:
        errors.append(f"{phone.label}は{most}文字以内で入力してください。")
    return errors


def child_errors(values: dict) -> list[str]:
    errors = common.name_errors(values["name"], common.field("child", "name").label)
    errors += common.field("child", "name_kana").pattern_problems(values["nameKana"])
    rules, class_name = entry_logs_api.rules(), common.field("child", "class_name")
    if not common.fits(values["className"], rules["classNameMax"]):
        errors.append(f"{class_name.label}は{rules['classNameMax']}文字以内で入力してください。")
    if len(values["parentIds"]) > rules["parentsMax"]:
        errors.append(f"保護者は{rules['parentsMax']}人まで選べます。")
    return errors


def parent_fields(prefix: str, parent: dict | None = None) -> dict:
    current, phone = parent or {}, common.field("parent", "phone")
    return {
        "name": st.text_input(
            **common.field("parent", "name").text(), value=current.get("name", ""), key=f"{prefix}_name"
        ).strip(),
        "nameKana": common.kana_input(prefix, current.get("nameKana", "")),
        "phone": st.text_input(
            f"{phone.label}（任意）",
            value=current.get("phone", ""),
            key=f"{prefix}_phone",
            max_chars=phone.max_chars,
            placeholder="090-1234-5678",
        ).strip(),
    }


def child_fields(prefix: str, parents: dict[int, str], child: dict | None = None) -> dict:
    current, class_name = child or {}, common.field("child", "class_name")
    chosen = [p["id"] for p in current.get("parents", []) if p["id"] in parents]
    return {
        "name": st.text_input(
            **common.field("child", "name").text(), value=current.get("name", ""), key=f"{prefix}_name"
        ).strip(),
        "nameKana": common.kana_input(prefix, current.get("nameKana", ""), "child"),
        "className": st.text_input(
            f"{class_name.label}（任意）",
            value=current.get("className", ""),
            key=f"{prefix}_class",
            max_chars=class_name.max_chars,
            placeholder="例: きりん組",
        ).strip(),
        "parentIds": st.multiselect(
            "保護者",
            list(parents),
            default=chosen,
            key=f"{prefix}_parents",
            format_func=parents.__getitem__,
            placeholder="保護者を選択",
            wrap=True,  # every tag whole: a choice is never cut short
        ),
    }


@dataclass(frozen=True)
class Kind:
    """Parents or children: how the page asks for, checks, writes and names one of them."""

    key: str
    word: str
    icon: str
    fields: Callable[[str, dict | None], dict]
    errors: Callable[[dict], list[str]]
    create: Callable[[dict], Any]
    update: Callable[[int, dict], Any]
    delete: Callable[[int], Any]
    options: Callable[[list[dict]], dict[int, str]]  # the picker's words for the records shown


def save_form(kind: Kind, prefix: str, item: dict | None, call: Callable[[dict], Any], verb: str) -> None:
    """A form (add or edit) that checks its values with the API's rules before sending them; once saved, its
    widgets start again (empty to add the next one, the stored values of the one edited)."""
    with st.form(f"{prefix}_form"):
        values = kind.fields(forms.prefix(prefix), item)
        submitted = st.form_submit_button(verb, type="primary")
    if submitted and not writes.show_errors(kind.errors(values)):
        success = f"{kind.word}「{labels.plain(values['name'])}」を{verb}しました。"
        writes.act(PAGE, lambda: call(values), success, form=prefix)


def picker(kind_key: str) -> str:
    """The key of the picker of a kind's records, which a click on a row of its list chooses in too."""
    return f"{PAGE}_{kind_key}"


def manage(kind: Kind, nursery_id: int, shown: list[dict]) -> int | None:
    """Add one; or pick one on the shown page to edit or delete; returns the picked one's id."""
    with st.expander(f"{kind.word}を追加", icon=kind.icon):
        save_form(
            kind,
            f"{PAGE}_new_{kind.key}",
            None,
            lambda values: kind.create({"nurseryId": nursery_id, **values}),
            "追加",
        )
    by_id = {item["id"]: item for item in shown}
    chosen = pickers.record_picker(
        f"編集する{kind.word}",
        kind.options(shown),
        picker(kind.key),
        placeholder="このページから選択",
    )
    if chosen is None:
        return None
    item, prefix = by_id[chosen], f"{PAGE}_{kind.key}_{chosen}"
    save_form(kind, prefix, item, lambda values: kind.update(chosen, values), "保存")
    what = f"{kind.word}「{item['name']}」"
    writes.confirm_then_act(
        PAGE,
        f"{prefix}_delete",
        confirm=f"{what}を削除する",
        label="削除",
        call=lambda: kind.delete(chosen),
        success=f"{labels.plain(what)}を削除しました。",
        icon=":material/delete:",
    )
    return chosen


def barcode_link(parent_id: int) -> None:
    """The parent's phone barcode link (also on the printed card as a QR code): revoke it, or reissue a new one."""
    path = f"/entry-logs/parents/{parent_id}/barcode-link"
    link = api.fetch(path)
    st.markdown("**スマホ用バーコードのリンク**")
    if link["active"]:
        st.code(link["url"], language=None)
        st.caption("保護者のスマホで開くとバーコードが表示されます（一度開けばオフラインでも表示できます）。")
    else:
        st.info("リンクは無効化されています。再発行すると新しいリンクが使えるようになります。")
    revoke, reissue = st.columns(2)
    prefix = f"{PAGE}_link_{parent_id}"
    with revoke:
        if link["active"]:
            writes.confirm_then_act(
                PAGE,
                f"{prefix}_revoke",
                confirm="このリンクを無効化する",
                label="リンクを無効化",
                call=lambda: api.write("DELETE", path),
                success="リンクを無効化しました。",
                icon=":material/link_off:",
            )
    with reissue:
        writes.confirm_then_act(
            PAGE,
            f"{prefix}_reissue",
            confirm="新しいリンクを発行する（今のリンクは使えなくなります）",
            label="リンクを再発行",
            call=lambda: api.write("POST", path),
            success="新しいリンクを発行しました。カードを印刷し直して渡してください。",
            icon=":material/link:",
        )


def parents_tab(nursery_id: int) -> dict[int, str] | None:
    """The parents' list and forms; returns every parent of the nursery by id when the list's page holds them all
    (no search text, one page), so the children's picker needs no read of its own, else None."""
    query = st.text_input(
        **fields.search("検索"), key=f"{PAGE}_parent_q", placeholder="保護者名・ふりがな・電話番号の一部"
    ).strip()
    listed = tables.paginated_table(
        f"{PAGE}_parents",
        entry_logs_api.list_parents,
        parent_row,
        filters={"nurseryId": nursery_id, "q": query},
        export="/entry-logs/parents/export",
        picker=picker("parent"),
    )
    kind = Kind(
        "parent",
        "保護者",
        ":material/person_add:",
        parent_fields,
        parent_errors,
        entry_logs_api.create_parent,
        entry_logs_api.update_parent,
        entry_logs_api.delete_parent,
        common.parent_labels,
    )
    chosen = manage(kind, nursery_id, listed["items"])
    st.caption("入退ログがある保護者は削除できません（ログは証跡として保持されます）。")
    if chosen is not None:
        barcode_link(chosen)
    if query or listed["total"] > len(listed["items"]):
        return None
    return common.parent_labels(listed["items"])


def children_tab(nursery_id: int, parents: dict[int, str] | None) -> None:
    """The children's list and forms; their parents' picker offers `parents` (every parent of the nursery), or
    reads them when the parents' list did not hold them all."""
    filters = st.columns([1, 2])
    classes = [name for name in entry_logs_api.classes(nursery_id) if name]
    class_name = filters[0].selectbox(
        common.field("child", "class_name").label,
        ["", *classes],
        key=f"{PAGE}_child_class",
        format_func=lambda c: c or labels.ALL_LABEL,
    )
    query = (
        filters[1]
        .text_input(**fields.search("検索"), key=f"{PAGE}_child_q", placeholder="園児名・ふりがなの一部")
        .strip()
    )
    listed = tables.paginated_table(
        f"{PAGE}_children",
        entry_logs_api.list_children,
        child_row,
        filters={"nurseryId": nursery_id, "className": class_name, "q": query},
        export="/entry-logs/children/export",
        picker=picker("child"),
    )
    parents = common.all_parents(nursery_id) if parents is None else parents
    kind = Kind(
        "child",
        "園児",
        ":material/child_care:",
        lambda prefix, child: child_fields(prefix, parents, child),
        child_errors,
        entry_logs_api.create_child,
        entry_logs_api.update_child,
        entry_logs_api.delete_child,
        lambda children: {child["id"]: common.child_label(child) for child in children},
    )
    manage(kind, nursery_id, listed["items"])


def send_roster(upload: imports.Upload, columns: str | None) -> dict:
    job = entry_logs_api.import_roster(upload.extra["nursery_id"], upload.name, upload.content, columns)
    st.session_state[IMPORT_KEY] = (upload.extra["nursery_id"], job["id"])
    return job


def start_import(nursery_id: int, upload) -> None:
    content = upload.getvalue() if upload else b""
    if not content:
        st.error("取り込むファイルを選択してください。")
        return
    imports.send(MAPPING_KEY, imports.Upload(upload.name, content, {"nursery_id": nursery_id}), send_roster)


def rejected_rows(job: dict) -> None:
    if not job["rejectedRows"]:
        return
    st.warning(f"{job['rejectedRows']:,}行は取り込めませんでした。内容を直して、その行だけ再度取り込んでください。")
    imports.listed_in_part(len(job["rejected"]), job["rejectedRows"])
    rows = [
        {"行": row["row"], "理由": row["reason"], "内容": "、".join(f"{k}: {v}" for k, v in row["values"].items())}
        for row in job["rejected"]
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"{PAGE}_rejected")


def import_progress(nursery_id: int, import_id: int) -> None:
    """The job's progress bar while it runs, then what it added and the rejected rows with their reasons."""
    job = entry_logs_api.roster_import(nursery_id, import_id)
    finished = job["status"] in FINISHED
    if not finished:
        imports.progress(job["status"], job["statusLabel"], job["filename"], job["processedRows"], job["totalRows"])
    elif job["status"] == "failed":
        st.error(f"取込に失敗しました（{job['processedRows']:,}行まで処理済み）: {labels.plain(job['error'])}")
    else:
        imported = job["totalRows"] - job["rejectedRows"]
        st.success(
            f"取込が完了しました: {job['totalRows']:,}行のうち {imported:,}行を取り込みました"
            f"（保護者 {job['parentsCreated']:,}人・園児 {job['childrenCreated']:,}人を追加、"
            f"紐付け {job['linksCreated']:,}件）。"
        )
    if finished:
        rejected_rows(job)
    if finished and st.session_state.get(POLLING_KEY):
        st.session_state[POLLING_KEY] = False
        st.rerun()


def template(columns: dict[str, str]) -> bytes:
    """The example CSV: the service's columns, in its order, and two rows."""
    lines = [",".join(columns.values())] + [",".join(row[key] for key in columns) for row in TEMPLATE_ROWS]
    return "".join(f"{line}\n" for line in lines).encode("utf-8-sig")


def import_tab(nursery_id: int) -> None:
    roster_columns = entry_logs_api.vocabulary()["rosterColumns"]
    columns = "・".join(roster_columns.values())
    kana = common.field("parent", "name_kana")
    st.caption(
        f"列: {columns}（保護者名・園児名は必須）。1行に保護者と園児の組を1つ書きます。"
        "同じ保護者（氏名と電話番号）・園児（氏名とクラス）が既にいれば追加せず、紐付けだけ行います"
        f"（{kana.label}があれば登録済みの{kana.label}を書き換えます）。{kana.label}は{kana.pattern_words}で書きます。"
        f"{imports.FILE_KINDS}で、表題の行があっても構いません。列名が違うときは、どの列にあたるかを選べます。"
    )
    st.download_button(
        "ひな形CSV",
        template(roster_columns),
        file_name="roster_template.csv",
        mime="text/csv",
        key=f"{PAGE}_template",
        icon=":material/download:",
    )
    with st.form(f"{PAGE}_import", clear_on_submit=True):
        upload = uploaders.file_uploader(
            "名簿のファイル", type=imports.TYPES, key=f"{PAGE}_import_file", limit_mb=uploaders.BODY_MB
        )
        submitted = st.form_submit_button("取込", type="primary", icon=":material/upload_file:")
    if submitted:
        start_import(nursery_id, upload)
    imports.mapping_step(MAPPING_KEY, send_roster)
    imported_into, import_id = st.session_state.get(IMPORT_KEY, (None, None))
    if imported_into == nursery_id:
        running = entry_logs_api.roster_import(nursery_id, import_id)["status"] not in FINISHED
        st.session_state[POLLING_KEY] = running
        st.fragment(import_progress, run_every=POLL_SECONDS if running else None)(nursery_id, import_id)


user = auth.require_page(__file__)
st.title("保護者・園児管理")
writes.show_flash(PAGE)
nursery = common.nursery_choice(user, PAGE)
if nursery is not None:
    tabs = st.tabs(["保護者", "園児", "CSV取込"])
    with tabs[0]:
        every_parent = parents_tab(nursery["id"])
    with tabs[1]:
        children_tab(nursery["id"], every_parent)
    with tabs[2]:
        import_tab(nursery["id"])
