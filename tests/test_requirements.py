"""The two requirement sets: requirements.txt is what the service, the jobs, the dashboards and the clients run with
(the production image installs it alone), requirements-dev.txt adds the tests', the lint stage's and the benches'
tools. None of the runtime packages may import a package that only the development set installs."""

import functools
import re
from importlib.metadata import packages_distributions

import grimp
import pytest

from service.config import REPO_ROOT

pytestmark = pytest.mark.embedded_only  # reads files and the import graph: the same on either backend

RUNTIME = REPO_ROOT / "requirements.txt"
DEVELOPMENT = REPO_ROOT / "requirements-dev.txt"
RUNTIME_PACKAGES = ("service", "jobs", "dashboards", "agent", "scanner_station", "clientkit")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^]]*\])?==[^=\s]+(\s+#.*)?$")


def canonical(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503): `Zxing_CPP` and `zxing-cpp` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def pinned(path) -> set[str]:
    return {canonical(found.group(1)) for line in requirement_lines(path) if (found := PIN.match(line))}


@functools.cache
def development_only_modules() -> dict[str, str]:
    """Each top-level module that only the development set installs -> the distribution it comes with."""
    only = pinned(DEVELOPMENT) - pinned(RUNTIME)
    return {
        module: distribution
        for module, distributions in packages_distributions().items()
        for distribution in distributions
        if canonical(distribution) in only
    }


def development_only_imports(graph: grimp.ImportGraph) -> list[str]:
    forbidden = development_only_modules()
    return [
        f"{importer} imports {module} ({forbidden[module]}, installed by requirements-dev.txt only)"
        for module in sorted(forbidden.keys() & graph.modules)
        for importer in sorted(graph.find_modules_that_directly_import(module))
    ]


def runtime_graph() -> grimp.ImportGraph:
    return grimp.build_graph(*RUNTIME_PACKAGES, include_external_packages=True, cache_dir=None)


def test_the_runtime_packages_import_nothing_only_the_development_set_installs():
    assert development_only_imports(runtime_graph()) == []


def test_a_runtime_module_importing_a_test_tool_is_named():
    graph = runtime_graph()
    graph.add_import(importer="service.planted", imported="hypothesis")
    graph.add_import(importer="dashboards.planted", imported="playwright")
    assert development_only_imports(graph) == [
        "service.planted imports hypothesis (hypothesis, installed by requirements-dev.txt only)",
        "dashboards.planted imports playwright (playwright, installed by requirements-dev.txt only)",
    ]


def test_each_set_is_pinned_exactly_and_each_pin_stated_once():
    runtime, development = requirement_lines(RUNTIME), requirement_lines(DEVELOPMENT)
    assert [line for line in runtime if not PIN.match(line)] == []
    assert [line for line in development if not PIN.match(line)] == ["-r requirements.txt"]
    assert pinned(RUNTIME) & pinned(DEVELOPMENT) == set()
    assert {"pytest", "playwright", "mypy", "locust", "uv"} <= pinned(DEVELOPMENT)


def test_the_image_installs_the_runtime_set_alone():
    installs = [line for line in (REPO_ROOT / "Dockerfile").read_text().splitlines() if "pip install" in line]
    assert installs == ["RUN pip install -r requirements.txt"]
