"""端末管理 › ファームウェア管理: releases and uploads, rollouts in waves, their progress, pause/resume/cancel."""

import hashlib
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards import auth, fleet_api, forms, labels
from dashboards.app_pages.fleet import common as fleet_common
from dashboards.components import badges, pickers, tables, timestamps, uploaders, writes
from dashboards.fields import Field

PAGE = "fleet_firmware"
ROLLOUT_PICKER = f"{PAGE}_rollout"
NEW_ROLLOUT = f"{PAGE}_new_rollout"  # the new rollout's form
UPLOAD = f"{PAGE}_upload"  # the new release's form
# Rollout progress: WaveProgress field, label, bar colour.
PROGRESS_PARTS = (
    ("succeeded", "成功", "#2e7d32"),
    ("failed", "失敗", "#c62828"),
    ("active", "更新中", "#1f5fa8"),
    ("queued", "待機中", "#9e9e9e"),
    ("cancelled", "中止", "#d7d7d7"),
)
TARGET_KINDS = {"terminals": "端末ID指定", "filter": "条件"}  # and a customer (customer_word)
ACTIONS = {"pause": "一時停止", "resume": "再開", "cancel": "中止"}
ALLOWED_ACTIONS = {"running": ("pause", "cancel"), "paused": ("resume", "cancel")}
SEVERAL_CUSTOMERS = "複数の顧客"


def release_row() -> Callable[[dict], dict]:
    head = fleet_common.headers("firmware_release")

    def row(release: dict) -> dict:
        return {
            "ID": release["id"],
            head["version"]: release["version"],
            head["filename"]: release["filename"],
            "サイズ": f"{release['size']:,} B",
            head["sha256"]: release["sha256"],
            head["notes"]: release["notes"],
            "登録者": release["created_by"],
            "登録日時": timestamps.local_time(release["created_at"]),
        }

    return row


def target_kinds() -> dict[str, str]:
    """What a rollout can target: a customer's terminals, terminals by ID, or those a filter selects."""
    return {"customer": fleet_common.customer_word(), **TARGET_KINDS}


def customer_text(rollout: dict) -> str:
    """The customer whose terminals the rollout updates (by name), or that they belong to several."""
    return rollout["company_name"] or SEVERAL_CUSTOMERS


def target_text(rollout: dict) -> str:
    target = rollout["target"]
    if "customer_id" in target:
        return f"{fleet_common.customer_word()} {customer_text(rollout)}"
    if "terminal_ids" in target:
        return f"端末ID指定（{len(target['terminal_ids']):,}台）"
    flt = target.get("filter", {})
    parts = [
        f"状態: {labels.label(fleet_api.words('terminal_statuses'), flt.get('status'))}" if flt.get("status") else "",
        f"{fleet_common.customer_word()} {customer_text(rollout)}" if flt.get("customer_id") else "",
        f"ファームウェア {flt['firmware_version']}" if flt.get("firmware_version") else "",
        f"検索「{flt['q']}」" if flt.get("q") else "",
    ]
    return "条件（" + "、".join(p for p in parts if p) + "）" if any(parts) else "条件（全端末）"


def totals(rollout: dict) -> dict[str, int]:
    return {part: sum(wave[part] for wave in rollout["waves"]) for part, _, _ in PROGRESS_PARTS} | {
        "total": sum(wave["total"] for wave in rollout["waves"])
    }


def rollout_row() -> Callable[[dict], dict]:
    head, version, customer = (
        fleet_common.headers("rollout"),
        fleet_common.headers("firmware_release")["version"],
        fleet_common.customer_word(),
    )

    def row(rollout: dict) -> dict:
        counts = totals(rollout)
        return {
            "ID": rollout["id"],
            version: rollout["version"],
            customer: customer_text(rollout),
            head["target"]: target_text(rollout),
            head["status"]: rollout["status_label"],
            "現在の波": f"{rollout['current_wave']} / {len(rollout['waves'])}",
            "成功": counts["succeeded"],
            "失敗": counts["failed"],
            "対象台数": counts["total"],
            "作成者": rollout["created_by"],
            "作成日時": timestamps.local_time(rollout["created_at"]),
            "完了日時": timestamps.local_time(rollout["finished_at"]),
        }

    return row


def rollout_style(frame: pd.DataFrame) -> Styler:
    states = badges.word_colours(fleet_api.words("rollout_statuses"), fleet_common.ROLLOUT_STATUS_COLOURS)
    return badges.status_cells(frame, fleet_common.headers("rollout")["status"], states)


def progress_chart(rollout: dict) -> go.Figure:
    """One stacked bar per wave: succeeded, failed, updating, waiting, cancelled."""
    names = [f"第{w['wave']}波（{w['percent']:g}%）" for w in rollout["waves"]]
    figure = go.Figure()
    for part, label, colour in PROGRESS_PARTS:
        figure.add_bar(
            y=names,
            x=[w[part] for w in rollout["waves"]],
            name=label,
            orientation="h",
            marker_color=colour,
            hovertemplate=f"{label}: %{{x:,}}台<extra></extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=80 + 50 * len(names),
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        yaxis={"autorange": "reversed"},
        xaxis={"title": "台数"},
        legend={"orientation": "h", "y": -0.35},
    )
    return figure


@st.fragment(run_every=fleet_common.REFRESH_SECONDS)
def rollout_panel(rollout_id: int) -> None:
    rollout = fleet_api.get_rollout(rollout_id)
    st.subheader(f"ロールアウト #{rollout['id']}: バージョン {rollout['version']}")
    badges.status_badge(rollout["status"], rollout["status_label"], colours=fleet_common.ROLLOUT_STATUS_COLOURS)
    if rollout["status"] == "paused":
        st.warning(labels.label(fleet_api.words("pause_reasons"), rollout["paused_reason"]) or "一時停止中")
    counts = totals(rollout)
    done = counts["succeeded"] / counts["total"] if counts["total"] else 0.0
    st.progress(done, text=f"成功 {counts['succeeded']:,} / {counts['total']:,}台（失敗 {counts['failed']:,}台）")
    st.caption(
        f"顧客企業: {labels.plain(customer_text(rollout))} ／ 対象: {labels.plain(target_text(rollout))} ／ "
        f"失敗率のしきい値 {rollout['failure_threshold_pct']:g}% ／ "
        f"制限時間 {rollout['timeout_minutes']}分 ／ 現在 第{rollout['current_wave']}波"
    )
    st.plotly_chart(progress_chart(rollout), key=f"{PAGE}_progress_{rollout_id}", config={"displayModeBar": False})


def rollout_actions(rollout: dict) -> None:
    allowed = ALLOWED_ACTIONS.get(rollout["status"], ())
    if not allowed:
        return
    confirm = "cancel" in allowed and st.checkbox(
        "中止すると未配信の更新は取り消され、再開できません。", key=f"{PAGE}_cancel_ok_{rollout['id']}"
    )
    for column, action in zip(st.columns(len(allowed) + 2), allowed, strict=False):
        with column:
            if st.button(
                ACTIONS[action], key=f"{PAGE}_{action}_{rollout['id']}", disabled=action == "cancel" and not confirm
            ):
                writes.act(
                    PAGE,
                    partial(fleet_api.change_rollout, rollout["id"], action),
                    f"ロールアウト #{rollout['id']} を{ACTIONS[action]}しました。",
                )


def rollouts(user: dict) -> None:
    listed = tables.paginated_table(
        f"{PAGE}_rollouts",
        fleet_api.list_rollouts,
        rollout_row(),
        export="/fleet/rollouts/export",
        style=rollout_style,
        picker=ROLLOUT_PICKER,
    )
    by_id = {rollout["id"]: rollout for rollout in listed["items"]}
    if not by_id:
        return
    shown_as = {i: f"#{i} バージョン {rollout['version']}（{rollout['status_label']}）" for i, rollout in by_id.items()}
    chosen = pickers.record_picker("進捗を表示するロールアウト", shown_as, ROLLOUT_PICKER, default=next(iter(by_id)))
    rollout_panel(chosen)
    if fleet_common.may(user, fleet_common.OPERATOR):
        rollout_actions(by_id[chosen])


def parse_waves(text: str) -> list[float] | None:
    """'1, 10, 100' → [1.0, 10.0, 100.0]: increasing cumulative percentages ending at 100; None when not."""
    try:
        waves = [float(part) for part in re.split(r"[,\s、]+", text.strip()) if part]
    except ValueError:
        return None
    increasing = all(a < b for a, b in zip(waves, waves[1:], strict=False))
    return waves if waves and increasing and waves[0] > 0 and waves[-1] == 100 else None


def parse_ids(text: str) -> list[int] | None:
    parts = [part for part in re.split(r"[,\s、]+", text.strip()) if part]
    return [int(part) for part in parts] if parts and all(part.isdigit() for part in parts) else None


def target_inputs(kind: str) -> tuple[dict | None, list[str]]:
    """The rollout target for the chosen kind, and what is wrong with it."""
    if kind == "customer":
        whose = f"対象の{fleet_common.customer_word()}"
        customer_id = fleet_common.customer_select(
            forms.key(NEW_ROLLOUT, "target_customer"), label=whose, include_all=False
        )
        return ({"customer_id": customer_id}, []) if customer_id else (None, [f"{whose}を選択してください。"])
    if kind == "terminals":
        text = st.text_area(
            "端末ID（カンマまたは改行区切り）",
            key=forms.key(NEW_ROLLOUT, "target_ids"),
            help="端末一覧のID列の値です。",
        )
        ids = parse_ids(text)
        most = fleet_api.vocabulary()["rollout_terminals_max"]  # the API's limit
        if ids is None or len(ids) > most:
            return None, [f"端末IDを数字で1〜{most:,}件入力してください。"]
        return {"terminal_ids": ids}, []
    columns = st.columns(4)
    with columns[0]:
        status = pickers.code_select(
            "状態", fleet_api.words("terminal_statuses"), forms.key(NEW_ROLLOUT, "target_status")
        )
    with columns[1]:
        customer_id = fleet_common.customer_select(forms.key(NEW_ROLLOUT, "target_filter_customer"))
    with columns[2]:
        version = st.text_input("現在のファームウェア", key=forms.key(NEW_ROLLOUT, "target_version")).strip()
    with columns[3]:
        query = st.text_input(
            "検索", key=forms.key(NEW_ROLLOUT, "target_q"), placeholder="シリアル・店舗・会社名"
        ).strip()
    flt: dict[str, Any] = {
        k: v
        for k, v in {"status": status, "customer_id": customer_id, "firmware_version": version, "q": query}.items()
        if v
    }
    matching = fleet_api.list_terminals(page_size=1, **flt)["total"]
    st.caption(
        f"条件に一致する端末: {matching:,}台"
        "（そのうち、登録済みで別の更新中でなく、対象バージョン未適用の端末が更新されます）"
    )
    return {"filter": flt}, []


def rollout_form() -> None:
    releases = fleet_api.list_releases(page_size=100)["items"]
    if not releases:
        st.caption("先に「リリース」タブでファームウェアを登録してください。")
        return
    by_id = {release["id"]: release for release in releases}
    release_id = st.selectbox(
        "配信するファームウェア",
        list(by_id),
        key=forms.key(NEW_ROLLOUT, "release"),
        format_func=lambda i: f"{by_id[i]['version']}（{by_id[i]['filename']}）",
    )
    failed_before(release_id)
    kinds = target_kinds()
    kind = st.radio(
        fleet_common.field("rollout", "target").label,
        list(kinds),
        format_func=kinds.get,
        horizontal=True,
        key=forms.key(NEW_ROLLOUT, "kind"),
    )
    target, errors = target_inputs(kind)
    columns = st.columns(3)
    with columns[0]:
        waves_text = st.text_input(
            fleet_common.field("rollout", "waves").label,
            value="1, 10, 100",
            key=forms.key(NEW_ROLLOUT, "waves"),
            help="例: 1, 10, 100 は 1% → 10% → 全台 の順に配信します。",
        )
    with columns[1]:
        threshold = st.number_input(
            **fleet_common.field("rollout", "failure_threshold_pct").number(),
            value=None,
            key=forms.key(NEW_ROLLOUT, "threshold"),
            placeholder="空欄で既定値",
        )
    with columns[2]:
        timeout = st.number_input(
            **fleet_common.field("rollout", "timeout_minutes").number(),
            value=None,
            key=forms.key(NEW_ROLLOUT, "timeout"),
            placeholder="空欄で既定値",
        )
    if not st.button("ロールアウトを作成", type="primary", key=f"{PAGE}_create_rollout"):
        return
    waves = parse_waves(waves_text)
    if waves is None:
        errors.append("波は0より大きく増えていく累積パーセントで、最後を100にしてください（例: 1, 10, 100）。")
    if writes.show_errors(errors):
        return
    data = {
        "release_id": release_id,
        "target": target,
        "waves": waves,
        "failure_threshold_pct": threshold,
        "timeout_minutes": int(timeout) if timeout else None,
    }

    def create() -> None:
        pickers.choose(ROLLOUT_PICKER, fleet_api.create_rollout(data)["id"])  # shown at once, its progress below

    writes.act(
        PAGE, create, f"バージョン {by_id[release_id]['version']} のロールアウトを開始しました。", form=NEW_ROLLOUT
    )


def failed_before(release_id: int) -> None:
    """A warning when a rollout of this release was paused by its failures (its terminals reported the update
    failing): the next one would likely fail the same way."""
    reason = "failure_threshold"
    stopped = [
        rollout
        for rollout in fleet_api.list_rollouts(page_size=100)["items"]
        if rollout["release_id"] == release_id and rollout["paused_reason"] == reason
    ]
    if stopped:
        numbers = "、".join(f"#{rollout['id']}（{rollout['status_label']}）" for rollout in stopped)
        because = fleet_api.words("pause_reasons")[reason]
        st.warning(
            f"このファームウェアの以前のロールアウト {numbers}は{because}しました。原因を確かめてから配信してください。"
        )


def validate_release(content: bytes, version: str, sha256: str, notes: str) -> list[str]:
    """The API's rules for a release, and the file's own SHA-256 against the one typed in."""
    errors = []
    version_field, sha256_field, notes_field = (release_field(name) for name in ("version", "sha256", "notes"))
    if not content:
        errors.append("ファームウェアのファイルを選択してください。")
    errors += version_field.pattern_problems(version)
    if not sha256_field.matches(sha256):
        errors.append(sha256_field.pattern_message())
    elif content and hashlib.sha256(content).hexdigest() != sha256.lower():
        errors.append(f"{sha256_field.label}がファイルと一致しません。配布元の値とファイルを確認してください。")
    if len(notes) > (notes_field.max_chars or 0):
        errors.append(f"{notes_field.label}は{notes_field.max_chars}文字以内で入力してください。")
    return errors


def release_field(name: str) -> Field:
    return fleet_common.field("firmware_release", name)


def upload_form() -> None:
    with st.form(UPLOAD):
        upload = uploaders.file_uploader(
            "ファームウェアのファイル", key=forms.key(UPLOAD, "file"), limit_mb=uploaders.FIRMWARE_MB
        )
        version = st.text_input(
            **release_field("version").text(), key=forms.key(UPLOAD, "version"), placeholder="例: 1.2.0"
        ).strip()
        sha256 = st.text_input(
            **release_field("sha256").text(),
            key=forms.key(UPLOAD, "sha256"),
            help="配布元が公開している値を入力します。",
        ).strip()
        notes = st.text_area(**release_field("notes").text(), key=forms.key(UPLOAD, "notes")).strip()
        submitted = st.form_submit_button("登録", type="primary")
    if not submitted:
        return
    content = upload.getvalue() if upload else b""
    if writes.show_errors(validate_release(content, version, sha256, notes)):
        return
    writes.act(
        PAGE,
        lambda: fleet_api.upload_release(
            file_name=upload.name, content=content, version=version, sha256=sha256, notes=notes
        ),
        f"ファームウェア {labels.plain(version)} を登録しました。",
        form=UPLOAD,
    )


def releases(user: dict) -> None:
    tables.paginated_table(
        f"{PAGE}_releases", fleet_api.list_releases, release_row(), export="/fleet/firmware/releases/export"
    )
    if fleet_common.may(user, fleet_common.ADMIN):
        with st.expander("ファームウェアを登録", icon=":material/upload:"):
            upload_form()


user = auth.require_page(__file__)
st.title("ファームウェア管理")
writes.show_flash(PAGE)
rollout_tab, release_tab = st.tabs(["ロールアウト", "リリース"])
with rollout_tab:
    rollouts(user)
    if fleet_common.may(user, fleet_common.ADMIN):
        with st.expander("ロールアウトを作成", icon=":material/rocket_launch:"):
            rollout_form()
with release_tab:
    releases(user)
