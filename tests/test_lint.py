"""`make test`'s lint stage (tools/test.py): ruff, the import contracts and mypy fail the run on a copy of the tree."""

import shutil
import tomllib
from pathlib import Path

import pytest

from service.config import REPO_ROOT
from tools import test as make_test

PACKAGES = ("service", "jobs", "dashboards", "agent", "scanner_station", "clientkit", "tools")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the first-party packages and pyproject.toml, to plant a broken rule in."""
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# Each import contract broken once in one tree (lint-imports reads the whole tree's import graph: seconds a run):
# (the module planted, its docstring, its import, the line lint-imports reports).
BROKEN_CONTRACTS = (
    (
        "dashboards/shortcut.py",
        "Reads the database directly.",
        "service.database",
        "dashboards.shortcut -> service.database",
    ),
    ("service/shortcut.py", "Queues a task itself.", "jobs.celery_app", "service.shortcut -> jobs.celery_app"),
    (
        "service/fleet/shortcut.py",
        "Reads a CRM table.",
        "service.crm.models",
        "service.fleet.shortcut -> service.crm.models",
    ),
    ("agent/shortcut.py", "Shares a schema.", "service.schemas", "agent.shortcut -> service.schemas"),
    (
        "service/errors.py",
        "Names refused fields with the audit log's words.",
        "service.audit.vocabulary",
        "service.errors -> service.audit.vocabulary",
    ),
    ("service/figures.py", "Asks who calls.", "service.identity.people", "service.figures -> service.identity.people"),
    ("service/storage.py", "Audits its files.", "service.audit.service", "service.storage -> service.audit.service"),
    ("service/dialect.py", "Queues a task per dialect.", "service.broker", "service.dialect -> service.broker"),
    (
        "service/reservations/models.py",
        "Calls a shop when a reservation is saved.",
        "service.reservations.shops.calls",
        "service.reservations.models -> service.reservations.shops.calls",
    ),
    (
        "service/crm/visibility.py",
        "Reads the comments' unread marks.",
        "service.crm.comments.service",
        "service.crm.visibility -> service.crm.comments.service",
    ),
    (
        "service/fleet/registry/shortcut.py",
        "Answers an agent's heartbeat.",
        "service.fleet.agent.heartbeats",
        "service.fleet.registry.shortcut -> service.fleet.agent.heartbeats",
    ),
)


def test_each_import_contract_broken_fails_the_import_contracts_naming_the_import(tree: Path, capsys) -> None:
    """A dashboard importing the service, the service a job, one domain another, the agent the service, a low layer of
    the platform a higher one, a domain's shared room one of its features (reservations, CRM), a feature one above it
    (fleet's registry the agent, which imports it)."""
    for path, docstring, imported, _ in BROKEN_CONTRACTS:
        (tree / path).write_text(f'"""{docstring}"""\n\nimport {imported}\n')
    result = make_test.lint(tree, only=("lint-imports",))
    assert result.failed_steps == ["lint-imports"] and result.summary().startswith("lint: FAILED")
    reported = capsys.readouterr().out
    assert [line for *_, line in BROKEN_CONTRACTS if line not in reported] == []


def test_a_domain_module_in_no_layer_fails_the_import_contracts(tree: Path, capsys) -> None:
    """A module in no layer of its domain may import anything: the contract would not see it."""
    (tree / "service" / "loaners" / "shortcut.py").write_text('"""Imports nothing yet."""\n')
    assert make_test.lint(tree, only=("lint-imports",)).failed_steps == ["lint-imports"]
    assert "- service.loaners.shortcut" in capsys.readouterr().out


def test_an_unformatted_file_fails_ruff_format(tree: Path, capsys) -> None:
    (tree / "tools" / "crammed.py").write_text('"""Crammed."""\n\nx = {"a":1}\n')
    assert "ruff format --check" in make_test.lint(tree, only=("ruff format --check",)).failed_steps
    assert "--> tools/crammed.py" in capsys.readouterr().out


def test_an_unused_import_fails_ruff_check(tree: Path, capsys) -> None:
    (tree / "tools" / "unused.py").write_text('"""Unused."""\n\nimport os\n')
    assert "ruff check" in make_test.lint(tree, only=("ruff check",)).failed_steps
    assert "F401" in capsys.readouterr().out


def test_a_type_error_fails_mypy(tmp_path: Path, capsys) -> None:
    """mypy as configured in pyproject.toml, over empty packages and one small file (the whole tree takes minutes)."""
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["mypy"]["files"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "service" / "mistyped.py").write_text('"""Mistyped."""\n\n\ndef count() -> int:\n    return "three"\n')
    result = make_test.lint(tmp_path, only=("mypy",))
    assert result.failed_steps == ["mypy"]
    assert result.summary() == "lint: FAILED (mypy)"
    assert 'service/mistyped.py:5: error: Incompatible return value type (got "str", expected "int")' in (
        capsys.readouterr().out
    )


def test_the_summary_names_each_pass_s_slowest_test_modules(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    cases = [("tests.service.test_a", "1.5"), ("tests.service.test_b", "7.0"), ("tests.service.test_a", "2.0")]
    cases += [("tests.service.test_c.TestThing", "4.0"), ("tests.service.test_c", "0.5")]
    testcases = "".join(
        f'<testcase classname="{module}" name="t{i}" time="{time}"/>' for i, (module, time) in enumerate(cases)
    )
    report.write_text(
        f'<testsuites><testsuite tests="5" skipped="0" failures="0" errors="0">{testcases}</testsuite></testsuites>'
    )
    result = make_test.PassResult("sqlite")
    make_test.count_results(report, result)
    assert result.passed == 5
    assert result.slowest == [
        ("tests.service.test_b", 7.0),
        ("tests.service.test_c", 4.5),
        ("tests.service.test_a", 3.5),
    ]
    assert result.slowest_line() == (
        "sqlite pass, slowest test modules: tests.service.test_b 7s, tests.service.test_c 4s, tests.service.test_a 4s"
    )


def test_the_summary_names_each_failed_test_with_its_message(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="3" skipped="0" failures="1" errors="1">'
        '<testcase classname="tests.service.test_a" name="test_ok" time="0.1"/>'
        '<testcase classname="tests.service.test_a" name="test_sum" time="0.1">'
        '<failure message="AssertionError: assert 3 == 4&#10;  where 3 = total()">trace</failure></testcase>'
        '<testcase classname="tests.browser.test_b" name="test_page[1]" time="0.1">'
        '<error message="failed on setup with &quot;TimeoutError&quot;">trace</error></testcase>'
        "</testsuite></testsuites>"
    )
    result = make_test.PassResult("sqlite")
    make_test.count_results(report, result)
    assert (result.passed, result.failed) == (1, 2)
    assert result.failure_lines() == [
        "sqlite pass FAILED tests.service.test_a::test_sum: AssertionError: assert 3 == 4",
        'sqlite pass FAILED tests.browser.test_b::test_page[1]: failed on setup with "TimeoutError"',
    ]


def junit_with_skips(path: Path, skips: list[tuple[str, str]]) -> Path:
    """A report as pytest writes it, with one passed test and the given (test id, reason) skipped."""
    cases = "".join(
        f'<testcase classname="{test.split("::")[0]}" name="{test.split("::")[1]}" time="0.1">'
        f'<skipped type="pytest.skip" message="{reason}">{test}: {reason}</skipped></testcase>'
        for test, reason in skips
    )
    path.write_text(
        f'<testsuites><testsuite tests="{len(skips) + 1}" skipped="{len(skips)}" failures="0" errors="0">'
        f'<testcase classname="tests.service.test_a" name="test_ok" time="0.1"/>{cases}</testsuite></testsuites>'
    )
    return path


def test_the_summary_names_the_tests_each_pass_left_to_the_other_and_every_other_skip(tmp_path: Path) -> None:
    elsewhere = f"postgres_only: {make_test.OTHER_PASS}"
    sqlite, postgres = make_test.PassResult("sqlite"), make_test.PassResult("postgres")
    make_test.count_results(
        junit_with_skips(
            tmp_path / "sqlite.xml",
            [("tests.service.test_pg::test_lock", elsewhere), ("tests.service.test_pg::test_notify", elsewhere)],
        ),
        sqlite,
    )
    make_test.count_results(
        junit_with_skips(tmp_path / "postgres.xml", [("tests.browser.test_b::test_page", "Chromium is not installed")]),
        postgres,
    )

    assert make_test.skip_lines([sqlite, postgres]) == [
        "run only in the postgres pass (2): tests.service.test_pg (2)",
        "postgres pass SKIPPED 1 (Chromium is not installed): tests.browser.test_b (1)",
    ]


def test_the_summary_counts_what_the_fast_tier_left_to_make_check_and_what_the_system_tier_cost(
    tmp_path: Path,
) -> None:
    system, fast = make_test.SYSTEM_TIER, make_test.POSTGRES_IN_CHECK
    report = junit_with_skips(
        tmp_path / "postgres.xml",
        [("tests.test_route_walk::test_walk[0]", system), ("tests.service.test_a::test_b", fast)]
        + [("tests.service.test_c::test_d", fast)],
    )
    walked = (
        '<testcase classname="tests.test_figure_walk" name="test_figures" time="30.5"><properties>'
        f'<property name="{make_test.CPU_PROPERTY}" value="12.25"/><property name="{make_test.TIER_PROPERTY}" '
        'value="system"/></properties></testcase>'
    )
    report.write_text(
        report.read_text().replace("</testsuite>", f"{walked}</testsuite>").replace('tests="4"', 'tests="5"')
    )
    postgres = make_test.PassResult("postgres")
    make_test.count_results(report, postgres)

    assert make_test.skip_lines([postgres]) == [
        f"postgres pass SKIPPED 1 ({system}): 1 modules",
        f"postgres pass SKIPPED 2 ({fast}): 2 modules",
    ]
    assert (postgres.passed, postgres.system.tests) == (2, 1)
    assert make_test.system_tier_line([postgres]) == (
        "system tier (outside, walk, stack): postgres 1 tests, 30s, 12 CPU-s"
    )


def platform_layers() -> list[str]:
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers" and "service.main" in c["layers"]]
    return [name.strip() for layer in layers for name in layer.replace(":", "|").split("|")]


def test_every_top_module_of_the_service_sits_in_a_layer_of_the_platform() -> None:
    """A module in no layer may import anything: the contract would not see it (migrations are Alembic's, not ours)."""
    tops = {f"service.{p.stem if p.is_file() else p.name}" for p in (REPO_ROOT / "service").iterdir()}
    packages_and_modules = {
        name
        for name in tops
        if not name.endswith(("__init__", "__pycache__", "migrations", "README"))
        and ((REPO_ROOT / name.replace(".", "/")).is_dir() or (REPO_ROOT / f"{name.replace('.', '/')}.py").is_file())
    }
    assert sorted(packages_and_modules - set(platform_layers())) == []
