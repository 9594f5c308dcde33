"""`python -m tools.js_check` (in `make test`'s lint stage): the pages' JavaScript and CSS must run on Safari 12."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tools import js_check
from tools import test as make_test

pytestmark = [
    pytest.mark.skipif(
        shutil.which("node") is None, reason="node is not installed (Debian package nodejs): the JS check cannot run"
    ),
    pytest.mark.outside,
]
ES2018 = """\
"use strict";
const merged = { ...defaults, ...options };
const { token, ...rest } = merged;
async function drain(stream) {
  for await (const chunk of stream) await save(chunk);
  return [1, [2]].flat().includes(2) && /(?<year>\\d{4})/su.test(rest.when);
}
fetch("/x").finally(() => drain(stream));
try { drain(); } catch (error) { console.warn(error); }
if ("wakeLock" in navigator) navigator.wakeLock.request("screen");
if (typeof AbortController !== "undefined") console.info("abortable");
self.clients.matchAll({ type: "window" }).then((pages) => pages.length);
const labels = { replaceChildren: 1, at: 2 };
"""


def check(folder: Path, name: str, text: str, capsys) -> tuple[int, str]:
    """Write one file and check it: the exit code and what was printed."""
    path = folder / name
    path.write_text(text)
    code = js_check.main([str(path)])
    return code, capsys.readouterr().out


def test_logical_assignment_fails_naming_the_file_and_the_line(tmp_path: Path, capsys) -> None:
    code, out = check(tmp_path, "page.js", '"use strict";\nlet a;\na ??= 1;\n', capsys)
    assert code == 1
    assert f"{tmp_path / 'page.js'}:3: `??=` is ES2021 (Safari 14)" in out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("const y = x?.y;", "optional chaining `?.` is ES2020"),
        ("try { go(); } catch { stop(); }", "`catch {` without a binding is ES2019"),
        ("document.body.replaceChildren();", "`.replaceChildren` is newer than Safari 12 (Safari 14)"),
        ("const abort = new AbortController();", "`AbortController` is newer than Safari 12 (Safari 12.1)"),
        ("const last = [1, 2].at(-1);", "`.at(` is newer than Safari 12 (Safari 15.4)"),
        ('const all = "a".matchAll(/a/g);', "`.matchAll` is newer than Safari 12 (Safari 13)"),
        ("class Page { ready = false; }", "class fields are ES2022"),
        ("return 1;", "not ES2018: 'return' outside of function at `return 1;`"),
    ],
)
def test_code_newer_than_safari_12_fails(tmp_path: Path, capsys, source: str, message: str) -> None:
    code, out = check(tmp_path, "page.js", f'"use strict";\n{source}\n', capsys)
    assert code == 1
    assert f"page.js:2: {message}" in out


@pytest.mark.parametrize(
    ("css", "message"),
    [
        (".flash { position: fixed; inset: 0; }", "`inset` is newer than Safari 12 (Safari 14.1)"),
        (".row { display: flex; gap: 1rem; }", "`gap` (in flex layouts) is newer than Safari 12 (Safari 14.1)"),
        (".card { box-shadow: 0 4px 20px rgb(0 0 0 / 0.1); }", "space-separated `rgb(0 0 0 / 0.1)`"),
        (".photo { aspect-ratio: 4 / 3; }", "`aspect-ratio` is newer than Safari 12 (Safari 15)"),
        ("button:focus-visible { outline: 0; }", "`:focus-visible` is newer than Safari 12 (Safari 15.4)"),
    ],
)
def test_css_newer_than_safari_12_fails(tmp_path: Path, capsys, css: str, message: str) -> None:
    code, out = check(tmp_path, "page.css", f"/* inset: 0; gap: 1rem */\n{css}\n", capsys)
    assert code == 1
    assert f"page.css:2: {message}" in out
    assert "page.css:1:" not in out


def test_es2018_and_feature_tests_pass(tmp_path: Path, capsys) -> None:
    css = ".card { box-shadow: inset 0 1px rgba(0, 0, 0, 0.1); margin: 0 0.5rem; grid-gap: 1rem; }\n"
    (tmp_path / "page.css").write_text(css)
    assert check(tmp_path, "page.js", ES2018, capsys) == (0, "1 files ok (ES2018, Safari 12)\n")
    assert js_check.main([str(tmp_path)]) == 0


def test_an_html_page_s_inline_script_and_style_are_checked_on_its_own_lines(tmp_path: Path, capsys) -> None:
    page = """<!doctype html>
<title>$title</title>
<style>
  .flash { inset: 0; }
</style>
<script src="station.js"></script>
<script>
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch((e) => console.warn(e));
  const name = person?.name;
</script>
$body
"""
    code, out = check(tmp_path, "page.html", page, capsys)
    assert code == 1
    assert out.splitlines()[:2] == [
        f"{tmp_path / 'page.html'}:4: `inset` is newer than Safari 12 (Safari 14.1)",
        f"{tmp_path / 'page.html'}:9: optional chaining `?.` is ES2020 (Safari 13.1)",
    ]


def test_make_test_s_lint_stage_fails_on_logical_assignment_in_a_page(tmp_path: Path) -> None:
    shutil.copytree(js_check.REPO_ROOT / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    static = tmp_path / "service" / "pages" / "static"
    static.mkdir(parents=True)
    (static / "page.js").write_text('"use strict";\nlet a;\na ??= 1;\n')
    command = dict(make_test.LINT_STEPS)["js syntax (Safari 12)"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert "service/pages/static/page.js:3: `??=` is ES2021 (Safari 14)" in done.stdout


def test_the_station_and_the_parent_page_run_on_safari_12(capsys) -> None:
    code = js_check.main([])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.endswith(" files ok (ES2018, Safari 12)\n")
