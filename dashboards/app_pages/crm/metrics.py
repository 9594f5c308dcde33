"""代理店CRM › 代理店別数値 (§3.6): per agency the requests, counts by status, acquired sites and 不備率 over a period,
and what an agency is measured by: the share entered without any 不備 (初回完了率), the median days to 投入済 and the
most frequent 不備 reasons, with the table's CSV; by month or by day as a chart, and the drill-down to one agency's
requests; where OCR helps: per agency and field the share of the fields saved as OCR proposed them (OCR採用率), opening
the reviews it is taken over, and the share of bills saved without a keystroke (手入力なしの請求書). Every number comes
from the API."""

from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import api, crm_api
from dashboards.app_pages.crm import common
from dashboards.components import exports, kpi, tables, timestamps

PAGE = "crm_metrics"
GRANULARITIES = {"month": "月別", "day": "日別"}
# §4.1's colours for the stacked bars.
BAR_COLOURS = {
    "deficient": "#d93025",
    "in_progress": "#f9ab00",
    "submitted": "#188038",
    "partly_cancelled": "#74c0fc",
    "cancelled": "#9aa0a6",
}
ACQUIRED_COLOUR = "#1a73e8"
DRILL = f"{PAGE}_drill"
CARDS = ("crm.requests", "crm.acquired_sites", "crm.submitted")  # then 不備率
MEASURES = ("crm.first_time_right", "crm.days_to_submitted")  # what an agency is measured by
OCR_CHOSEN = f"{PAGE}_ocr_chosen"  # the (agency id, field) of the OCR採用率 row whose reviews are shown
NO_OCR_REVIEWS = "この期間にOCRの提案を確認して保存した地点はありません。"


def filters() -> dict[str, Any]:
    columns = st.columns([2, 1], vertical_alignment="bottom")
    with columns[0]:
        agency_id = common.agency_select("代理店", f"{PAGE}_agency")
    with columns[1]:
        granularity = st.segmented_control(
            "集計単位",
            list(GRANULARITIES),
            format_func=GRANULARITIES.__getitem__,
            default="month",
            required=True,
            key=f"{PAGE}_granularity",
        )
    since, until = common.period_inputs(PAGE)
    return {"agency_id": agency_id, "since": common.iso(since), "until": common.iso(until), "granularity": granularity}


def deficiency_rate(figures: dict[str, dict]) -> None:
    """不備率 = 不備 ÷ 投入依頼件数 of the same period (a rate has no list of its own)."""
    requests, deficient = figures["crm.requests"], figures["crm.deficient"]
    rate = deficient["value"] / requests["value"] if requests["value"] else 0.0
    kpi.kpi_card("不備率", common.percent(rate), help=deficient["counts"])
    kpi.period_caption(requests["period_label"])


def cards(metrics: dict) -> None:
    """The period's named figures (service/crm/metrics/figures.py), each opening its list, 不備率 from two of them, and
    the moment they are as of."""
    figures = {figure["key"]: figure for figure in metrics["figures"]}
    columns = st.columns(len(CARDS) + 1)
    for column, key in zip(columns, CARDS, strict=False):
        with column:
            kpi.figure_card(figures[key])
    with columns[-1]:
        deficiency_rate(figures)
    for column, key in zip(st.columns(len(MEASURES) + 2), MEASURES, strict=False):
        with column:
            kpi.figure_card(figures[key])
    kpi.figures_stamp(list(figures.values()))


def summary(metrics: dict) -> None:
    rows = [common.metrics_row(row) for row in metrics["agencies"]] + [common.metrics_row(metrics["total"])]
    ids = [row["agency_id"] for row in metrics["agencies"]]

    def drill_into_clicked_row() -> None:
        clicked = st.session_state[f"{PAGE}_table"].selection.rows
        if clicked and clicked[0] < len(ids):
            st.session_state[DRILL] = ids[clicked[0]]

    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key=f"{PAGE}_table",
        on_select=drill_into_clicked_row,
        selection_mode="single-row",
    )
    st.caption(
        "不備率 = 現在「不備」の依頼 ÷ 全依頼。差し戻し率 = 一度でも不備になった依頼 ÷ 全依頼。"
        "初回完了率 = 一度も不備にならずに投入済になった依頼 ÷ 投入済の依頼。"
        "投入済までの日数は投入済の依頼の中央値（件数が偶数のときは中央の2件の平均: 表計算のMEDIANと同じ）。"
        "依頼件数は投入依頼日、獲得地点は投入完了日、不備理由は不備になった日で数えます。"
    )


def table_csv(flt: dict[str, Any]) -> None:
    exports.csv_link(
        f"{PAGE}_table_csv",
        "/crm/metrics/agencies/export",
        flt,
        help="代理店ごとの行（初回完了率・投入済までの日数・主な不備理由を含む）をダウンロードします",
    )


def reasons(metrics: dict) -> None:
    """主な不備理由: the deficiencies' reasons of the period's requests, the most frequent first."""
    found = metrics["reasons"]
    if not found:
        st.caption("この期間の不備はありません。")
        return
    rows = [{"順位": rank, "不備理由": r["reason"], "件数": r["count"]} for rank, r in enumerate(found, start=1)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def figure(points: list[dict], granularity: str) -> go.Figure:
    """Requests by status as stacked bars per period, acquired sites as a line."""
    periods = [p["period"] for p in points]
    span = f"{periods[0]}〜{periods[-1]}" if periods else "期間なし"
    heading = f"投入依頼件数（ステータス別）と獲得地点数・{GRANULARITIES[granularity]}（{span}）"
    names = common.status_choices()
    chart = go.Figure()
    for status, colour in BAR_COLOURS.items():
        chart.add_bar(x=periods, y=[p[status] for p in points], name=names[status], marker_color=colour)
    chart.add_scatter(
        x=periods,
        y=[p["acquired_sites"] for p in points],
        name="獲得地点",
        mode="lines+markers",
        line={"color": ACQUIRED_COLOUR, "width": 3},
    )
    chart.update_layout(
        barmode="stack",
        height=380,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        hovermode="x unified",
        title={"text": heading, "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
        xaxis={"type": "category"},
        yaxis={"title": "件数"},
    )
    return chart


def chart(flt: dict[str, Any]) -> None:
    try:
        series = crm_api.metrics_series(
            flt["granularity"], agency_id=flt["agency_id"], since=flt["since"], until=flt["until"]
        )
    except api.ApiError as exc:
        common.show_api_error(exc)
        return
    st.plotly_chart(figure(series["points"], flt["granularity"]), key=f"{PAGE}_chart")


def drill_down(metrics: dict, flt: dict[str, Any]) -> None:
    """代理店名から該当代理店の案件一覧へ: the agency's requests in the period, and a link to 投入案件一覧."""
    names = {row["agency_id"]: row["agency_name"] for row in metrics["agencies"]}
    agency_id = st.selectbox(
        "案件を確認する代理店（表の行をクリックしても選べます）",
        list(names),
        index=None,
        key=DRILL,
        placeholder="代理店を選択",
        format_func=lambda i: names[i],
    )
    if agency_id is None:
        return
    period = {"since": flt["since"], "until": flt["until"]}
    tables.paginated_table(
        f"{PAGE}_requests",
        crm_api.list_requests,
        common.request_row(back_office=True),
        style=common.status_style,
        filters={"agency_id": agency_id} | period,
        export="/crm/requests/export",
    )
    st.page_link(
        common.QUEUE_PAGE,
        label=f"{names[agency_id]} の案件を投入案件一覧で開く",
        icon=":material/open_in_new:",
        query_params={"agency_id": str(agency_id)},
    )


def ocr_row(row: dict, *, heading: str) -> dict:
    """An OCR採用率 row; `heading` heads the figure's column (the per-row figure's label, the total's row too)."""
    return {
        "代理店": row["agency_name"],
        "項目": row["field_label"],
        heading: kpi.figure_value(row["figure"]),
        row["figure"]["share_of"]: row["accepted"],
        "確認した項目": row["reviewed"],
    }


def ocr_review_row(item: dict, *, accepted: str) -> dict:
    """A review as OCR確認履歴 shows it; `accepted` heads its はい/いいえ (the figure's column, `share_of`)."""
    return {
        "確認日時": timestamps.local_time(item["reviewed_at"]),
        "項目": item["field_label"],
        "OCRの値": item["proposed"] or "",
        "保存した値": item["saved"],
        "結果": item["outcome_label"],
        accepted: item["accepted_label"],
        "信頼度": "" if item["confidence"] is None else f"{item['confidence']:.0%}",
        "依頼ID": item["request_id"],
        "確認者": item["reviewed_by_name"] or "",
    }


def ocr_bill_row(item: dict, *, hands_free: str) -> dict:
    """A bill as OCR確認履歴（請求書ごと） shows it; `hands_free` heads its はい/いいえ (the figure's `share_of`)."""
    return {
        "確認日時": timestamps.local_time(item["reviewed_at"]),
        "代理店": item["agency_name"],
        "依頼ID": item["request_id"],
        "確認した項目": item["reviewed"],
        "提案のまま採用": item["accepted"],
        "修正": item["corrected"],
        "手入力": item["typed"],
        hands_free: item["hands_free_label"],
        "確認者": item["reviewed_by_name"] or "",
    }


def ocr_bills(figure: dict) -> None:
    """The bills 手入力なしの請求書 is taken over (OCR確認履歴（請求書ごと）), behind an expander."""
    with st.expander(f"OCR確認履歴（請求書ごと、確認日: {figure['period_label']}）"):
        tables.paginated_table(
            f"{PAGE}_ocr_bills",
            crm_api.list_ocr_bills,
            partial(ocr_bill_row, hands_free=figure["share_of"]),
            filters=figure["list_query"],
            export=figure["export_route"],
        )


def ocr_acceptance(period: dict[str, Any]) -> None:
    """OCR採用率 (named figures): their total over every agency (or the one chosen) and field as a card beside
    手入力なしの請求書 (its bills behind an expander), then per agency and field the share of the fields the
    operators saved as OCR proposed them over those saved in the period (確認日: a field typed where nothing was
    proposed counts as not adopted), the total last, with the period in words and the moment; a row opens the
    reviews it is taken over (OCR確認履歴), whose file holds the period's reviews."""
    answer = crm_api.ocr_acceptance(**period)
    total = answer["total"]
    left, middle, _ = st.columns([1, 1, 1])
    with left:
        kpi.figure_card(total["figure"])
    with middle:
        kpi.figure_card(answer["hands_free"])
    if not answer["rows"]:
        st.caption(NO_OCR_REVIEWS)
        return
    ocr_bills(answer["hands_free"])
    rows = [*answer["rows"], total]
    chosen = {(row["agency_id"], row["field"]): row for row in rows}
    keys = list(chosen)

    def open_clicked_row() -> None:
        clicked = st.session_state[f"{PAGE}_ocr_table"].selection.rows
        st.session_state[OCR_CHOSEN] = keys[clicked[0]] if clicked else None

    first = answer["rows"][0]["figure"]
    st.dataframe(
        pd.DataFrame([ocr_row(row, heading=first["label"]) for row in rows]),
        hide_index=True,
        key=f"{PAGE}_ocr_table",
        on_select=open_clicked_row,
        selection_mode="single-row",
    )
    st.caption(f"期間（確認日）: {first['period_label']}。{first['counts']}。行を選ぶと、その確認履歴を表示します。")
    kpi.figures_stamp([first])
    everything = total["figure"]
    exports.csv_link(
        f"{PAGE}_ocr_csv",
        everything["export_route"],
        everything["list_query"],
        help=f"確認日が{everything['period_label']}のOCR確認履歴（提案の値・保存した値・提案のまま採用か）をダウンロードします",
    )
    row = chosen.get(st.session_state.get(OCR_CHOSEN, ()))
    if row is None:
        return
    heading = f"{row['agency_name']}・{row['field_label']}（確認日: {row['figure']['period_label']}）"
    st.markdown(f"**OCR確認履歴: {heading}**")
    tables.paginated_table(
        f"{PAGE}_ocr_reviews",
        crm_api.list_ocr_reviews,
        partial(ocr_review_row, accepted=row["figure"]["share_of"]),
        filters=row["figure"]["list_query"],
        export=row["figure"]["export_route"],
    )


common.start(__file__)
applied = filters()
period = {"agency_id": applied["agency_id"], "since": applied["since"], "until": applied["until"]}
metrics = crm_api.agency_metrics(**period)
cards(metrics)
summary(metrics)
table_csv(period)
st.subheader("主な不備理由")
reasons(metrics)
chart(applied)
st.subheader("代理店の案件（ドリルダウン）")
drill_down(metrics, applied)
st.subheader("OCR採用率（代理店・項目別）")
ocr_acceptance(period)
