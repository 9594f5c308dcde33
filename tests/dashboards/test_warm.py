"""The dashboards' server loads what the pages use before it serves (dashboards/warm.py), quietly: nobody's first
page of the day waits for pandas and Plotly, for what they load on their first use, nor for a template's compiling."""

import subprocess
import sys

from dashboards.warm import chart_kinds
from service.config import REPO_ROOT

# Loaded on a first use only: a table's Arrow conversion, a chart's JSON, the emoji a label is checked against, the
# HTTP client's transport.
FIRST_USES = ("pyarrow.pandas_compat", "orjson", "streamlit.emojis", "httpcore")
PAGES = REPO_ROOT / "dashboards"
TEMPLATES = sorted(PAGES.rglob("templates/*.html"))
TEMPLATED = sorted({".".join(path.parent.parent.relative_to(REPO_ROOT).parts) for path in TEMPLATES})
LOADED = f"""
import sys
import dashboards.serve
from dashboards.warm import chart_kinds, page_imports, _is_module
print(sorted(name for name in page_imports() if _is_module(name) and name not in sys.modules))
charts = {{f"plotly.graph_objs._{{kind.lower()}}" for kind in chart_kinds()}}
print(sorted(name for name in charts.union({FIRST_USES!r}) if name not in sys.modules))
from clientkit import templates
print(sum(len(templates.environment(package, ".html").cache) for package in {TEMPLATED!r}))
"""


def test_serving_the_dashboards_loads_what_pages_use_and_first_use_without_a_warning():
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == ["[]", "[]", str(len(TEMPLATES))]  # each template compiled
    assert "WARNING" not in done.stderr


def test_the_chart_kinds_are_read_from_the_pages():
    assert {"Bar", "Pie", "Scatter", "Heatmap"} <= chart_kinds()
    assert "Figure" not in chart_kinds()
