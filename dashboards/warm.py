"""The dashboards' server warms itself before it serves: every module a page imports (pandas, Plotly, the components,
the API clients) is imported once at start, so nobody's first page of the day pays for it (seconds on a busy machine).
The pages themselves are scripts Streamlit runs per visit; their imports are read from their source."""

import ast
import importlib
import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parent
PAGE_SCRIPTS = ("streamlit_app.py", "app_pages/**/*.py")


def page_imports() -> set[str]:
    """The modules the page scripts import, by name."""
    return {name for script in _scripts() for name in _imported(ast.parse(script.read_text(encoding="utf-8")))}


def import_what_pages_use() -> None:
    """Before Streamlit's runtime exists: its caches, made per page run, tell at import that they have none yet."""
    caching = logging.getLogger(importlib.import_module("streamlit.runtime.caching.cache_data_api").__name__)
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        for name in sorted(page_imports()):
            if _is_module(name):
                importlib.import_module(name)
    finally:
        caching.setLevel(level)


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
