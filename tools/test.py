"""`make test` (the fast tier) and `make check` (everything): the suite on SQLite and, at the same time, on
PostgreSQL + Redis, with the lint stage beside them. `python -m tools.test test|check [pytest arguments]`.

The fast tier runs on SQLite every test that checks behaviour in process, and on PostgreSQL the tests that reach
dialect-specific SQL (marked `dialect`), PostgreSQL's own tests, the jobs on Redis and its share of the page and
client suites. `make check` adds the system tier (tests marked `outside`, `walk` or `stack`) and every test on
PostgreSQL, with the dialect guard watching that pass (tests/support/dialect_guard.py): a test that reaches
dialect-specific SQL outside the fast PostgreSQL set fails the run, named. Markers and tiers: tests/conftest.py.
The lint stage runs once while the passes run, at the lowest CPU priority (nice 19), so that it takes only what the
passes leave idle: `ruff check .`, `ruff format --check .`, `lint-imports` (the import contracts in pyproject.toml),
`python -m tools.js_check` (the pages' JavaScript parsed as ES2018 and their JavaScript and CSS checked against
Safari 12) and `mypy` (configured in pyproject.toml); a failure there fails the run once the passes have ended, so
one run shows everything.
The two passes share nothing (each has its own data dir, database and broker) and spend much of their time waiting
on subprocesses, so they run side by side on the two cores; every output line is prefixed with its pass's name. The
project's bytecode is compiled once before them, so the two do not compile the same modules at once.
Installs the Debian packages the tier runs (DEBIAN_PACKAGES, each with the tests that need it) when they are missing
and apt-get can be used (one apt-get run, without recommended packages).
Extra arguments are handed to pytest (`make test ARGS="-k login"`). Exits non-zero if any pass failed, and `check` at
once when the PostgreSQL pass cannot run (`test` then runs on SQLite alone and says so in its last line);
ends with each pass's slowest test modules and CPU time (each pass's whole JUnit report is kept in
var/test-reports/), the system tier's time, what each pass skipped and why (nothing is skipped silently), one line per
pass, each failed test with its message's first line, a total line and the run's wall time.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The browser tests' Chromium: Debian's headless shell (package chromium-headless-shell, built from its chromium), the
# renderer without the browser's own UI, whose WebUI renderers full Chromium runs even when headless.
CHROMIUM = Path("/usr/lib/chromium/chromium-headless-shell")
# What the suite runs that Debian packages: (binary, package, the tests that need it, the first tier that runs them).
# `make test` installs only what the fast tier runs, so a fresh machine's first run does not wait for a browser, an
# office suite and a Java runtime that only `make check` starts.
DEBIAN_PACKAGES = [
    (CHROMIUM, "chromium-headless-shell", "the browser tests", "check"),
    (Path("/usr/bin/promtool"), "prometheus", "the monitoring tests (tests/ops: Prometheus, promtool)", "check"),
    (
        Path("/usr/bin/amtool"),
        "prometheus-alertmanager",
        "the monitoring tests (tests/ops: Alertmanager, amtool)",
        "check",
    ),
    (
        Path("/usr/bin/prometheus-node-exporter"),
        "prometheus-node-exporter",
        "the monitoring tests (tests/ops)",
        "check",
    ),
    (
        Path("/usr/bin/node"),
        "nodejs",
        "the JavaScript check (python -m tools.js_check), the OpenID Provider of tests/browser/test_company_sign_in.py",
        "test",
    ),
    (Path("/usr/bin/npm"), "npm", "the pinned npm packages' install (npm ci in tools/jscheck)", "test"),
    (Path("/usr/bin/pdftoppm"), "poppler-utils", "the manuals' PDF rendering test (pdftoppm)", "test"),
    (
        Path("/usr/bin/caddy"),
        "caddy",
        "the dashboards behind their reverse proxy (tests/browser/test_proxy.py)",
        "check",
    ),
    (Path("/usr/bin/redis-server"), "redis-server", "the PostgreSQL pass (it starts a Redis of its own)", "test"),
    (Path("/usr/bin/java"), "default-jre-headless", "the HTML validator (vnu) over the service's own pages", "check"),
    (Path("/usr/bin/tesseract"), "tesseract-ocr", "the CRM's OCR tests and bench/ocr.py (Tesseract 5)", "check"),
    (
        Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
        "fonts-ipaexfont-mincho",
        "the OCR bills drawn in Mincho (bench/ocr_bills.py)",
        "check",
    ),
    (
        Path("/usr/share/tesseract-ocr/5/tessdata/jpn.traineddata"),
        "tesseract-ocr-jpn",
        "the CRM's OCR of Japanese",
        "check",
    ),
    (
        Path("/usr/share/tesseract-ocr/5/tessdata/Japanese.traineddata"),
        "tesseract-ocr-script-jpan",
        "the CRM's OCR of Japanese (Tesseract's Japanese script model, beside the language model)",
        "check",
    ),
    (
        Path("/usr/bin/soffice"),
        "libreoffice-calc",
        "the downloads opened in Calc (tests/test_spreadsheets.py)",
        "check",
    ),
]
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PYTEST_NO_TESTS = 5
SLOWEST_SHOWN = 5  # test modules named per pass, by their summed time: what to look at when the run nears 10 minutes
REPORTS = REPO_ROOT / "var" / "test-reports"  # each pass's last JUnit report, kept: every test's time, to weigh
OTHER_PASS = "runs in the other pass"  # the skip reason of a test bound to one pass (tests/conftest.py)
TIER_ENV = "DAICHO_TEST_TIER"  # "test" (the fast tier) or "check" (everything), read by tests/conftest.py
# The system tier, each marker for what its tests need; `make check` runs it, `make test` skips it saying so
SYSTEM_MARKERS = frozenset({"outside", "walk", "stack"})
SYSTEM_TIER = "system tier (outside programs, walks, stacks): runs in `make check`"
POSTGRES_IN_CHECK = "the same SQL on both backends: its PostgreSQL run is in `make check`"
GUARD_REPORT_ENV = "DAICHO_DIALECT_GUARD_REPORT"  # the file the dialect guard names the misplaced tests in
CPU_PROPERTY, TIER_PROPERTY = "cpu_seconds", "tier"  # what tests/support/test_costs.py writes for each test
TIERS = ("test", "check")
# The fast tier runs each pass's modules on two pytest-xdist workers (a module stays on one, with its fixtures): a pass
# alone keeps a core only half busy, waiting on the workers, servers and clients its tests start.
FAST_TIER_WORKERS = ["-n", "2", "--dist", "loadfile"]
LEFT_TO_CHECK = (SYSTEM_TIER, POSTGRES_IN_CHECK)  # the fast tier's skips, counted rather than listed
LOWEST_PRIORITY = ["nice", "-n", "19"]  # coreutils' nice: the lint steps take only the CPU the passes leave idle
BIN = Path(sys.executable).parent  # the venv's scripts (not resolved: a venv's python is a symlink)
LINT_STEPS = (
    ("ruff check", [str(BIN / "ruff"), "check", "--no-cache", "."]),
    ("ruff format --check", [str(BIN / "ruff"), "format", "--check", "--no-cache", "."]),
    ("lint-imports", [str(BIN / "lint-imports"), "--no-cache"]),
    ("js syntax (Safari 12)", [sys.executable, "-m", "tools.js_check"]),
    ("mypy", [str(BIN / "mypy")]),  # its cache: .mypy_cache (git-ignored), which a run by hand shares
)


@dataclass
class TierCost:
    tests: int = 0
    seconds: float = 0.0  # the tests' own times (set-up and teardown included), from the JUnit report
    cpu_seconds: float = 0.0  # their CPU, as tests/support/test_costs.py measured it

    def add(self, seconds: float, cpu_seconds: float) -> None:
        self.tests += 1
        self.seconds += seconds
        self.cpu_seconds += cpu_seconds


@dataclass
class PassResult:
    name: str
    exit_code: int | None = None
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the pytest process and every child it waited for
    system: "TierCost" = field(default_factory=lambda: TierCost())  # what the system tier's tests took of the pass
    skip_reason: str = ""
    slowest: list[tuple[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "test id: first line of its message", for the summary
    skips: dict[str, str] = field(default_factory=dict)  # skipped test id -> its reason
    misplaced: list[str] = field(default_factory=list)  # what the dialect guard found outside the fast PostgreSQL set

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 or self.skip_reason != ""

    def summary(self) -> str:
        if self.skip_reason:
            return f"{self.name} pass: SKIPPED ({self.skip_reason})"
        verdict = (
            "OK"
            if self.ok
            else f"FAILED (pytest exit {self.exit_code}{', no tests ran' if self.exit_code == PYTEST_NO_TESTS else ''})"
        )
        counts = f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        return f"{self.name} pass: {counts} in {self.seconds:.0f}s, {self.cpu_seconds:.0f} CPU-s: {verdict}"

    def failure_lines(self) -> list[str]:
        misplaced = [
            f"dialect guard: {test} reaches dialect-specific SQL; mark it `dialect`" for test in self.misplaced
        ]
        return [f"{self.name} pass FAILED {failure}" for failure in self.failures + misplaced]

    def slowest_line(self) -> str:
        modules = ", ".join(f"{module} {seconds:.0f}s" for module, seconds in self.slowest)
        return f"{self.name} pass, slowest test modules: {modules}"


def ensure_debian_packages(tier: str) -> None:
    """Install the Debian packages the tier runs whose binaries are missing, in one apt-get run without their
    recommended packages; say plainly when that is impossible and what will not run."""
    runs = TIERS[: TIERS.index(tier) + 1]
    missing = [
        (binary, package, needed_by)
        for binary, package, needed_by, first_tier in DEBIAN_PACKAGES
        if first_tier in runs and not binary.exists()
    ]
    if not missing:
        return
    for binary, package, _ in missing:
        print(f"{binary} is missing: installing Debian's {package}", flush=True)
    will_not_run = ", ".join(needed_by for _, _, needed_by in missing)
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print(f"apt-get cannot be used here: {will_not_run} will not run", flush=True)
        return
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    packages = [package for _, package, _ in missing]
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    for command in (["apt-get", "update", "-q"], install):
        if subprocess.run(command, env=env, stdin=subprocess.DEVNULL).returncode != 0:
            print(f"`{' '.join(command)}` failed: {will_not_run} will not run", flush=True)
            return


def count_results(report: Path, result: PassResult) -> None:
    """Read the totals, and the slowest test modules, from pytest's JUnit XML report."""
    if not report.exists():
        return
    root = ElementTree.parse(report).getroot()
    result.slowest = slowest_modules(root)
    result.failures = failed_tests(root)
    result.skips = skipped_tests(root)
    result.system = system_tier_cost(root)
    suites = [root] if root.tag == "testsuite" else list(root)
    for suite in suites:
        tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        result.failed += failed
        result.skipped += skipped
        result.passed += tests - failed - skipped


def test_properties(case: ElementTree.Element) -> dict[str, str]:
    return {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}


def system_tier_cost(root: ElementTree.Element) -> TierCost:
    """What the system tier's tests took, by the tier and CPU tests/support/test_costs.py wrote for each test."""
    cost = TierCost()
    for case in root.iter("testcase"):
        properties = test_properties(case)
        if properties.get(TIER_PROPERTY) == "system" and case.find("skipped") is None:
            cost.add(float(case.get("time", 0)), float(properties.get(CPU_PROPERTY, 0)))
    return cost


class RunningPass:
    """One pytest run in a subprocess whose output lines are printed with the pass's name in front."""

    def __init__(self, name: str, env: dict[str, str], pytest_args: list[str], *, guarded: bool = False) -> None:
        self.result = PassResult(name)
        self.folder = tempfile.TemporaryDirectory(prefix=f"daicho-{name}-")
        self.report = Path(self.folder.name) / "junit.xml"
        self.guard_report = Path(self.folder.name) / "dialect-guard.txt"
        if guarded:
            env = env | {GUARD_REPORT_ENV: str(self.guard_report)}
        print(f"===== {name} pass started =====", flush=True)
        self.started = self.finished = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest", f"--junitxml={self.report}", *pytest_args],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.printer = threading.Thread(target=self._print_lines, daemon=True)
        self.printer.start()

    def _print_lines(self) -> None:
        prefix = f"[{self.result.name}] "
        for line in self.process.stdout:
            print(prefix + line, end="", flush=True)
        self.finished = time.monotonic()  # the pass's own end: the other pass may still be running when it is waited on

    def wait(self) -> PassResult:
        _, status, usage = os.wait4(self.process.pid, 0)  # its usage counts every child it waited for
        self.process.returncode = self.result.exit_code = os.waitstatus_to_exitcode(status)
        self.printer.join()
        self.result.seconds = self.finished - self.started
        self.result.cpu_seconds = usage.ru_utime + usage.ru_stime
        count_results(self.report, self.result)
        if self.guard_report.exists():
            self.result.misplaced = self.guard_report.read_text(encoding="utf-8").split()
        if self.report.exists():
            REPORTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.report, REPORTS / f"{self.result.name}.xml")
        self.folder.cleanup()
        return self.result


@dataclass
class LintResult:
    failed_steps: list[str]

    @property
    def ok(self) -> bool:
        return not self.failed_steps

    def summary(self) -> str:
        if self.ok:
            return "lint: OK"
        ruff_failed = any(step.startswith("ruff") for step in self.failed_steps)
        hint = "; `ruff format .` and `ruff check --fix .` fix most of it" if ruff_failed else ""
        return f"lint: FAILED ({', '.join(self.failed_steps)}{hint})"


def lint(root: Path = REPO_ROOT, only: tuple[str, ...] | None = None) -> LintResult:
    """Run each lint step (or those named in only) over the tree at root, printing its output with a [lint] prefix."""
    print("===== lint stage =====", flush=True)
    failed = []
    for name, command in LINT_STEPS:
        if only is not None and name not in only:
            continue
        done = subprocess.run(
            [*LOWEST_PRIORITY, *command], cwd=root, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        for line in (done.stdout + done.stderr).splitlines():
            print(f"[lint] {line}", flush=True)
        if done.returncode != 0:
            failed.append(name)
            print(f"[lint] {name}: FAILED", flush=True)
    return LintResult(failed)


def postgres_problem(database_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it answers."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    try:
        psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {shown(database_url)}: {str(exc).strip().splitlines()[0]}"
    return None


def redis_server_problem() -> str | None:
    """Why the pass cannot start its own Redis (tests/support/run_resources.py), or None when it can."""
    if shutil.which("redis-server") is None:
        return "no redis-server (Debian's package redis-server) to start the pass's own Redis with"
    return None


def shown(url: str) -> str:
    """The URL with any password masked, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def postgres_database_url() -> str:
    return os.environ.get("APP_TEST_DATABASE_URL", DEFAULT_DATABASE_URL)


def postgres_pass_problem() -> str | None:
    """Why the PostgreSQL + Redis pass cannot run here (the PostgreSQL server, or the redis-server binary it starts its
    own Redis with), or None when it can."""
    problems = [p for p in (postgres_problem(postgres_database_url()), redis_server_problem()) if p]
    return "; ".join(problems) or None


def postgres_pass(tier: str, pytest_args: list[str], problem: str | None) -> RunningPass | PassResult:
    """The PostgreSQL + Redis pass under way (watched by the dialect guard in `make check`), or, in `make test`, a
    skipped result saying plainly what it lacks."""
    if problem:
        print(f"\n{problem}: the PostgreSQL pass was SKIPPED", flush=True)
        return PassResult("postgres", skip_reason=problem)
    env = os.environ | {"DAICHO_TEST_BACKEND": "postgres", "APP_TEST_DATABASE_URL": postgres_database_url()}
    return RunningPass("postgres", env | {TIER_ENV: tier}, pytest_args, guarded=tier == "check")


def slowest_modules(root: ElementTree.Element) -> list[tuple[str, float]]:
    """The test modules that took longest, their test cases' times summed (setup and teardown included)."""
    totals: dict[str, float] = {}
    for case in root.iter("testcase"):
        module = case.get("classname", "").split(".Test")[0]
        totals[module] = totals.get(module, 0.0) + float(case.get("time", 0))
    return sorted(totals.items(), key=lambda item: -item[1])[:SLOWEST_SHOWN]


def failed_tests(root: ElementTree.Element) -> list[str]:
    """Each failed or erred test case's id with the first line of its message: the summary names them, so a run whose
    log is cut to its end still says what failed."""
    failed = []
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        message = (problem.get("message") or problem.text or "").strip().splitlines()
        failed.append(f"{test_id}: {message[0][:300] if message else problem.tag}")
    return failed


def skipped_tests(root: ElementTree.Element) -> dict[str, str]:
    """Each skipped test case's id with its reason (the skip's message, without the location pytest puts first)."""
    skipped = {}
    for case in root.iter("testcase"):
        skip = case.find("skipped")
        if skip is not None:
            reason = (skip.get("message") or skip.text or "no reason given").strip().splitlines()[0]
            skipped[f"{case.get('classname', '')}::{case.get('name', '')}"] = reason
    return skipped


def by_module(test_ids: list[str]) -> str:
    """The modules of test ids with how many of them each holds: `tests.a (3), tests.b (1)`."""
    counts: dict[str, int] = {}
    for test_id in test_ids:
        module = test_id.split("::")[0].split(".Test")[0]
        counts[module] = counts.get(module, 0) + 1
    return ", ".join(f"{module} ({count})" for module, count in sorted(counts.items()))


def module_count(test_ids: list[str]) -> int:
    return len({test_id.split("::")[0].split(".Test")[0] for test_id in test_ids})


def skip_lines(results: list[PassResult]) -> list[str]:
    """What each pass skipped and why: the tests that run in the other pass by module (so the tests that run only on
    PostgreSQL are named), what the fast tier leaves to `make check` counted, and every other reason with its tests,
    which ran nowhere in this run."""
    lines = []
    for result in results:
        elsewhere = sorted(test for test, reason in result.skips.items() if OTHER_PASS in reason)
        if elsewhere:
            other = "postgres" if result.name == "sqlite" else "sqlite"
            lines.append(f"run only in the {other} pass ({len(elsewhere)}): {by_module(elsewhere)}")
        reasons: dict[str, list[str]] = {}
        for test, reason in result.skips.items():
            if OTHER_PASS not in reason:
                reasons.setdefault(reason, []).append(test)
        for reason, tests in sorted(reasons.items()):
            which = f"{module_count(tests)} modules" if reason in LEFT_TO_CHECK else by_module(tests)
            lines.append(f"{result.name} pass SKIPPED {len(tests)} ({reason}): {which}")
    return lines


def system_tier_line(results: list[PassResult]) -> str:
    """What the system tier took: its tests' own times and CPU, per pass."""
    parts = [
        f"{r.name} {r.system.tests} tests, {r.system.seconds:.0f}s, {r.system.cpu_seconds:.0f} CPU-s" for r in results
    ]
    return f"system tier (outside, walk, stack): {'; '.join(parts)}"


def compile_bytecode() -> None:
    """The project's modules and what the service imports, compiled once into the venv's bytecode folder
    (PYTHONPYCACHEPREFIX), so the two passes do not both compile them as they start."""
    print("===== compiling bytecode =====", flush=True)
    folders = ["service", "jobs", "dashboards", "agent", "scanner_station", "clientkit", "tools", "tests", "bench"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *folders], cwd=REPO_ROOT, check=False)
    subprocess.run([sys.executable, "-c", "import service.main"], cwd=REPO_ROOT, check=False)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TIERS:
        print(f"usage: python -m tools.test {{{'|'.join(TIERS)}}} [pytest arguments]", file=sys.stderr)
        return 2
    tier, pytest_args = argv[0], (FAST_TIER_WORKERS if argv[0] == "test" else []) + argv[1:]
    started = time.monotonic()
    problem = postgres_pass_problem()
    if problem and tier == "check":
        print(f"{problem}\n`make check` FAILED: the gate runs the PostgreSQL pass, and it cannot run here", flush=True)
        return 1
    ensure_debian_packages(tier)
    compile_bytecode()
    sqlite_env = os.environ | {"DAICHO_TEST_BACKEND": "sqlite", TIER_ENV: tier}
    passes = [RunningPass("sqlite", sqlite_env, pytest_args), postgres_pass(tier, pytest_args, problem)]
    linted = lint()
    results = [p.wait() if isinstance(p, RunningPass) else p for p in passes]
    print("\n===== summary =====")
    for result in results:
        if result.slowest:
            print(result.slowest_line())
    if tier == "check":
        print(system_tier_line(results))
    print(linted.summary())
    for line in skip_lines(results):
        print(line)
    for result in results:
        print(result.summary())
        for line in result.failure_lines():
            print(line)
    ran = [r for r in results if not r.skip_reason]
    print(f"`make {tier}` took {(time.monotonic() - started) / 60:.1f} min wall")
    print(
        f"total: {sum(r.passed for r in ran)} passed, {sum(r.failed for r in ran)} failed, "
        f"{sum(r.skipped for r in ran)} skipped"
    )
    if problem:
        print(f"SQLite only: the PostgreSQL pass was SKIPPED ({problem}); `make check` would fail here")
    return 0 if linted.ok and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
