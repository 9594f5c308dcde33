"""The dashboards' server warms itself before it serves, so nobody's first page of the day pays for what a process
loads once (seconds on a busy machine): every module a page imports (pandas, Plotly, the components, the API clients),
read from the pages' source (they are scripts Streamlit runs per visit); then what the libraries load on their first
use, by drawing once, in bare mode (drawn nowhere), a styled table, a chart of every kind the pages build and a choice
with labels: the table's Arrow conversion, the chart kinds' own modules and the figure's JSON, the emoji and icon names
every label is checked against (`streamlit.emojis` compiles one pattern of every emoji: a tenth of a CPU second, half a
second on a busy machine), the HTTP client's transport; and the pages' templates, compiled."""

import ast
import importlib
import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parent
PAGE_SCRIPTS = ("streamlit_app.py", "app_pages/**/*.py")
CHARTS = "plotly.graph_objects"
FIGURE = "Figure"


def warm() -> None:
    """Before Streamlit's runtime exists: what it would say of a page run without one (its caches have none yet, an
    element is drawn nowhere) is not said."""
    with _warnings_unsaid():
        import_what_pages_use()
        draw_what_pages_draw()
        compile_templates()


def page_imports() -> set[str]:
    """The modules the page scripts import, by name."""
    return {name for script in _scripts() for name in _imported(ast.parse(script.read_text(encoding="utf-8")))}


def import_what_pages_use() -> None:
    for name in sorted(page_imports()):
        if _is_module(name):
            importlib.import_module(name)


def chart_kinds() -> set[str]:
    """The Plotly traces the dashboards build (go.Bar, go.Pie, …), by name, read from their source."""
    return {name for script in DASHBOARDS.rglob("*.py") for name in _charted(ast.parse(script.read_text("utf-8")))}


def draw_what_pages_draw() -> None:
    import httpx
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    frame = pd.DataFrame({"名前": ["台帳"], "件数": [1]})
    st.dataframe(frame.style.map(lambda _: "color: #15803d"))
    traces = [getattr(go, kind)() for kind in sorted(chart_kinds())]
    layout = {"legend": {"orientation": "h"}, "margin": {"t": 0}, "xaxis_title": "x", "yaxis_title": "y"}
    st.plotly_chart(go.Figure(traces).update_layout(layout))
    st.segmented_control("表示", ["一覧", ":material/list: 一覧"])
    httpx.Client().close()


def compile_templates() -> None:
    """Every template the pages render (clientkit/templates.py keeps each compiled)."""
    from clientkit import templates

    for path in DASHBOARDS.rglob(f"{templates.FOLDER}/*"):
        package = ".".join(path.parent.parent.relative_to(DASHBOARDS.parent).parts)
        templates.environment(package, templates.suffix_of(path.name)).get_template(path.name)


@contextmanager
def _warnings_unsaid() -> Iterator[None]:
    """Every logger's, meanwhile (the server starts in one thread)."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _is_module(name: str) -> bool:
    """False for a name imported from a module (a function, a class): `from x import name`."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent is a module, not a package
        return False


def _scripts() -> Iterator[Path]:
    for pattern in PAGE_SCRIPTS:
        yield from DASHBOARDS.glob(pattern)


def _imported(tree: ast.Module) -> Iterator[str]:
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)  # those that are modules


def _charted(tree: ast.Module) -> Iterator[str]:
    """go.Bar(…) where `go` is plotly.graph_objects as the module imports it; not the figure itself."""
    imports = [node for node in tree.body if isinstance(node, ast.Import)]
    aliases = {alias.asname or alias.name for node in imports for alias in node.names if alias.name == CHARTS}
    for node in ast.walk(tree):
        called = node.func if isinstance(node, ast.Call) else None
        if isinstance(called, ast.Attribute) and isinstance(called.value, ast.Name) and called.value.id in aliases:
            if called.attr != FIGURE:
                yield called.attr
