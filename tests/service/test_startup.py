"""What an API process imports to start: not the libraries only some requests use (documents, spreadsheets, pictures,
OCR, the MCP SDK, Jinja2); each is imported where it is used."""

import json
import subprocess
import sys

import pytest

from service.config import REPO_ROOT

pytestmark = pytest.mark.embedded_only  # imports only: the same on either backend

HEAVY = ("pandas", "numpy", "pyarrow", "PIL", "fpdf", "fontTools", "openpyxl", "pypdf", "mcp", "pytesseract", "jinja2")
PROBE = f"""
import json, sys
heavy = {HEAVY!r}
loaded = lambda: [name for name in heavy if name in sys.modules]
import service.main
imported = loaded()
service.main.create_app()
print(json.dumps({{"import": imported, "create_app": loaded()}}))
"""


def test_the_app_is_imported_and_built_without_the_heavy_libraries():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {"import": [], "create_app": []}
