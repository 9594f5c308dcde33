"""The dashboards' server imports what the pages use before it serves (dashboards/warm.py), quietly: nobody's first
page of the day waits for pandas and Plotly."""

import subprocess
import sys

from service.config import REPO_ROOT

LOADED = """
import sys
import dashboards.serve
from dashboards.warm import page_imports, _is_module
print(sorted(name for name in page_imports() if _is_module(name) and name not in sys.modules))
"""


def test_serving_the_dashboards_imports_every_module_a_page_imports_first_without_a_warning():
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert "WARNING" not in done.stderr
