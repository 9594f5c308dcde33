"""`python -m tools.js_check [paths]`: the pages' JavaScript and CSS must run on Safari 12 (iOS 12).

Checks every *.js and *.css under service/**/static/ and every inline <script> (without src) and <style> of the HTML
there and of the HTML templates (service/**/templates/), or the files and folders named. JavaScript is parsed as an
ES2018 script by acorn (pinned in tools/jscheck/package.json, installed with `npm ci` when missing or stale) and must
not use the APIs in FORBIDDEN_APIS; CSS must not use the features in FORBIDDEN_CSS. A feature test such as
`"wakeLock" in navigator` or `typeof X` stays allowed.
Prints `path:line: message (Safari N)` per finding and exits 1, or prints "N files ok" and exits 0.
"""

import fcntl
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
JSCHECK = REPO_ROOT / "tools" / "jscheck"
INSTALL_LOCK = Path(tempfile.gettempdir()) / "daicho-jscheck.lock"
SUFFIXES = (".js", ".css", ".html")
PAGE_FILES = ("service/**/static/**/*", "service/**/templates/**/*.html")
# Global names, `Receiver.name`, `.name` on any object, `.name(` only when called: each with the first Safari having it
FORBIDDEN_APIS = {
    "AbortController": "12.1",
    "IntersectionObserver": "12.1",
    "globalThis": "12.1",
    "queueMicrotask": "12.1",
    "Object.fromEntries": "12.1",
    "Promise.allSettled": "13",
    ".matchAll": "13",
    ".replaceAll": "13.1",
    "ResizeObserver": "13.1",
    "BigInt": "14",
    "AggregateError": "14",
    "Promise.any": "14",
    ".replaceChildren": "14",
    "WeakRef": "14.1",
    "FinalizationRegistry": "14.1",
    ".at(": "15.4",
    "structuredClone": "15.4",
    "BroadcastChannel": "15.4",
    ".randomUUID": "15.4",
    "Object.hasOwn": "15.4",
    ".findLast": "15.4",
    ".findLastIndex": "15.4",
    ".toSorted": "16",
    ".toReversed": "16",
    ".toSpliced": "16",
    "Object.groupBy": "17.4",
    "requestIdleCallback": "none",
}
SAFE_MEMBERS = {("clients", "matchAll")}  # the service worker's Clients.matchAll is in Safari 11.1
NOT_A_NAME = r"(?<![-\w.#])"
FORBIDDEN_CSS = (
    (re.compile(NOT_A_NAME + r"inset(-(inline|block)(-(start|end))?)?\s*:"), "`inset`", "14.1"),
    (re.compile(NOT_A_NAME + r"(row-|column-)?gap\s*:"), "`gap` (in flex layouts)", "14.1"),
    (re.compile(NOT_A_NAME + r"aspect-ratio\s*:"), "`aspect-ratio`", "15"),
    (re.compile(r"\b(rgb|hsl)a?\([^(),]*\)"), "space-separated `rgb(0 0 0 / 0.1)`", "12.1"),
    (re.compile(r"\bclamp\("), "`clamp()`", "13.1"),
    (re.compile(r":(is|where)\("), "`:is()` / `:where()`", "14"),
    (re.compile(r":has\("), "`:has()`", "15.4"),
    (re.compile(r":focus-visible\b"), "`:focus-visible`", "15.4"),
)
HTML_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class Source:
    """A script or style sheet, padded with newlines so that its lines are those of the file it is in."""

    path: Path
    kind: str  # "js" or "css"
    text: str


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, printed as `path:line: message (Safari N)`."""

    shown: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.shown}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Api:
    """One entry of FORBIDDEN_APIS."""

    pattern: str
    safari: str

    @property
    def name(self) -> str:
        """The bare name tools/jscheck/check.js looks for."""
        return self.pattern.rsplit(".", 1)[-1].rstrip("(")

    def matches(self, use: dict) -> bool:
        """Whether a use reported by tools/jscheck/check.js is this API."""
        if use["id"] != self.name:
            return False
        if "." not in self.pattern:
            return use["kind"] == "identifier"
        receiver = self.pattern.split(".")[0]
        return (
            use["kind"] == "member"
            and receiver in ("", use["receiver"])
            and (use["called"] or not self.pattern.endswith("("))
            and (use["receiver"], self.name) not in SAFE_MEMBERS
        )

    def message(self) -> str:
        """The finding's message."""
        safari = "no Safari has it" if self.safari == "none" else f"Safari {self.safari}"
        return f"`{self.pattern}` is newer than Safari 12 ({safari})"


APIS = [Api(pattern, safari) for pattern, safari in FORBIDDEN_APIS.items()]


def shown(path: Path) -> str:
    """The path as printed: relative to the repository when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(path)


def page_files(paths: list[Path]) -> list[Path]:
    """The files to check: those named, those in the folders named, or by default the service's static files and HTML
    templates."""
    if not paths:
        found = {p for pattern in PAGE_FILES for p in REPO_ROOT.glob(pattern) if p.suffix in SUFFIXES and p.is_file()}
        return sorted(found)
    files = []
    for path in paths:
        if not path.exists():
            raise SystemExit(f"{path}: no such file or folder")
        found = [path] if path.is_file() else [p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()]
        files.extend(sorted(found))
    return files


def sources(path: Path) -> list[Source]:
    """A file's scripts and style sheets: the file itself, or an HTML file's inline blocks."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".html":
        return [Source(path, path.suffix[1:], text)]
    blocks = []
    for match in HTML_BLOCK.finditer(text):
        tag, attributes, body = match.group(1).lower(), match.group(2), match.group(3)
        if tag == "script" and re.search(r"\bsrc\s*=|\btype\s*=\s*[\"']?[\w/+.-]*json", attributes, re.IGNORECASE):
            continue
        padding = "\n" * text.count("\n", 0, match.start(3))
        blocks.append(Source(path, "js" if tag == "script" else "css", padding + body))
    return blocks


def css_findings(source: Source) -> list[Finding]:
    """The CSS features newer than Safari 12 in a style sheet, one finding per feature and line."""
    text = CSS_COMMENT.sub(lambda comment: "\n" * comment.group().count("\n"), source.text)
    return [
        Finding(shown(source.path), number, f"{what} is newer than Safari 12 (Safari {safari})")
        for number, line in enumerate(text.splitlines(), start=1)
        for pattern, what, safari in FORBIDDEN_CSS
        if pattern.search(line)
    ]


def installed_version(package: str) -> str | None:
    """The version of an npm package in tools/jscheck/node_modules, or None."""
    manifest = JSCHECK / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def ensure_node_packages() -> None:
    """Install tools/jscheck's pinned packages (acorn, axe-core, the MCP Inspector) with `npm ci` when one is missing
    or another version; exit saying why if that fails. The lint stage and the browser tests of both passes may all get
    here at once."""
    pinned = json.loads((JSCHECK / "package.json").read_text())["dependencies"]

    def installed() -> bool:
        return all(installed_version(package) == version for package, version in pinned.items())

    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is not installed (Debian package npm): cannot install tools/jscheck's packages")
        command = [npm, "ci", "--no-audit", "--no-fund", "--silent"]
        done = subprocess.run(command, cwd=JSCHECK, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if done.returncode != 0 or not installed():
            raise SystemExit(f"`npm ci` in tools/jscheck failed:\n{done.stdout}{done.stderr}")


def js_findings(scripts: list[Source]) -> list[Finding]:
    """Parse every script in one run of tools/jscheck/check.js and turn what it reports into findings."""
    if not scripts:
        return []
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed (Debian package nodejs): the JavaScript check cannot run")
    ensure_node_packages()
    request = {
        "names": sorted({api.name for api in APIS}),
        "files": [{"name": str(index), "source": script.text} for index, script in enumerate(scripts)],
    }
    done = subprocess.run(
        [node, str(JSCHECK / "check.js")], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"tools/jscheck/check.js failed:\n{done.stderr}")
    findings = []
    for use in json.loads(done.stdout):
        where = shown(scripts[int(use["name"])].path)
        if use["kind"] == "syntax":
            findings.append(Finding(where, use["line"], use["message"]))
        else:
            findings.extend(Finding(where, use["line"], api.message()) for api in APIS if api.matches(use))
    return findings


def main(argv: list[str]) -> int:
    files = page_files([Path(arg) for arg in argv])
    blocks = [source for path in files for source in sources(path)]
    findings = js_findings([s for s in blocks if s.kind == "js"])
    findings += [finding for s in blocks if s.kind == "css" for finding in css_findings(s)]
    unique = sorted(set(findings))
    for finding in unique:
        print(finding)
    if unique:
        print(f"{len(unique)} problems: the pages must run on Safari 12 (iOS 12), ES2018 at most")
        return 1
    print(f"{len(files)} files ok (ES2018, Safari 12)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
