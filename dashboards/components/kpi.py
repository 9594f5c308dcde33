"""Number cards and named figures' cards; linked_filters sets a list's filters from a card's link."""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from dashboards import auth, formats
from dashboards.components.timestamps import local_datetime

KPI_STYLE = Path(__file__).resolve().parent.parent / "assets" / "kpi.css"


def kpi_card(
    label: str,
    value: Any,
    *,
    help: str | None = None,
    delta: Any = None,
    delta_color: Literal["normal", "inverse", "off"] = "normal",
) -> None:
    """delta_color="inverse" shows a fall in green and a rise in red (for what is better lower); the text wraps rather
    than being cut short (kpi_style)."""
    st.metric(label, value, delta=delta, delta_color=delta_color, help=help, border=True)


# The page that shows a named figure's list (the figure's list route, service/figures.py): a card opens it with the
# figure's filter in its query (linked_filters reads it there).
LIST_PAGES = {
    "/fleet/terminals": "app_pages/fleet/terminals.py",
    "/fleet/alerts": "app_pages/fleet/alerts.py",
    "/reservations/reservations": "app_pages/reservations/detail.py",
    "/reservations/inquiries": "app_pages/reservations/support.py",
    "/crm/requests": "app_pages/crm/queue.py",
    "/crm/acquired": "app_pages/crm/acquired.py",
    "/crm/agencies": "app_pages/crm/agencies.py",
    "/crm/users": "app_pages/crm/users.py",
    "/loaners/views/returns": "app_pages/loaners/returns.py",
    "/entry-exit-logs": "app_pages/entry_logs/logs.py",
}
OPEN_LIST = "一覧を開く"


NO_BASIS = "—"  # a share or a median of no rows
UNIT_WORDS = {"days": "日", "minutes": "分"}


def figure_value(figure: Mapping[str, Any]) -> str:
    """A named figure's value as a card shows it: money in 万円, a count with separators and its counter word
    (「1,234台」), a share in %, days and minutes to one decimal (two where a median has them), a 1–5 rating to two (a
    dash when it is taken over no rows)."""
    unit, value = figure["unit"], figure["value"]
    if figure.get("basis") == 0:
        return NO_BASIS
    if unit == "yen":
        return formats.man_yen(value)
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "rating":
        return f"{value:.2f}"
    return f"{span(value)}{UNIT_WORDS[unit]}" if unit in UNIT_WORDS else f"{value:,}{figure['counter']}"


def span(value: float) -> str:
    """Days or minutes to one decimal, or two where a median of an even count has them (12.35): as the figure is."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def figure_card(
    figure: Mapping[str, Any],
    *,
    delta: Any = None,
    delta_color: Literal["normal", "inverse", "off"] = "normal",
    help: str = "",  # noqa: A002 - Streamlit's word
    label: str | None = None,
) -> None:
    """A named figure's card (service/figures.py): its value with its counter word (money's exact yen too), its period
    in words, and, where its rows are a list this user may open, a link to that list filtered to exactly them (its total
    is the card's number)."""
    exact = f"（{figure['value']:,}円）" if figure["unit"] == "yen" else ""
    basis = f"（対象 {figure['basis']:,}件）" if figure.get("basis") is not None else ""
    explained = figure["counts"] + exact + basis + help
    kpi_card(label or figure["label"], figure_value(figure), help=explained, delta=delta, delta_color=delta_color)
    period_caption(figure["period_label"])
    page = LIST_PAGES.get(figure["list_route"] or "")
    if page and auth.may_open(page):
        st.page_link(page, label=OPEN_LIST, icon=":material/list:", query_params=figure["list_query"])


def period_caption(words: str) -> None:
    """A card's or chart's period in words under it: 「期間: 2026年11月（25日まで）」."""
    st.caption(f"期間: {words}")


AS_OF_FORMAT = "%Y/%m/%d %H:%M 時点"  # the service's figures write their moment alike (service/figures.py)


def figures_stamp(figures: Sequence[Mapping[str, Any]]) -> None:
    """The moment a page's figures are as of: 「2026/11/25 14:03 時点」."""
    if figures:
        st.caption(figures[0]["as_of_label"])


def computed_stamp(computed_at: str | None, job: str = "毎晩の集計") -> None:
    """When a job computed the figures below (「集計日時: 2026/11/25 02:00 時点（毎晩の集計）」), or that it has
    not yet."""
    when = local_datetime(computed_at).strftime(AS_OF_FORMAT) if computed_at else "未集計"
    st.caption(f"集計日時: {when}（{job}）")


def linked_filters(page_key: str, widgets: Mapping[str, tuple[str, Callable[[str], Any]]]) -> dict[str, str]:
    """Each query parameter named in `widgets` (parameter -> (widget key, reading)) is set once per distinct query, so
    the person can change the filters afterwards. Returns the query just applied ({} when there is none, or it was)."""
    query = {name: st.query_params[name] for name in widgets if name in st.query_params}
    if not query or st.session_state.get(f"{page_key}_linked_query") == query:
        return {}
    st.session_state[f"{page_key}_linked_query"] = query
    for name, text in query.items():
        key, read = widgets[name]
        try:
            st.session_state[key] = read(text)
        except ValueError:
            continue  # an address edited by hand: that filter stays as it was
    return query


def day(text: str) -> date:
    """A query's date, as the API writes it (2026-11-25)."""
    return date.fromisoformat(text)


def flag(text: str) -> bool:
    """A query's boolean, as the API writes it (true / false)."""
    return text == "true"


def kpi_style() -> None:
    """Their text wraps instead of ending in an ellipsis (assets/kpi.css)."""
    st.html(KPI_STYLE)
