"""Each test's CPU seconds and tier, written into the JUnit report as properties: `make test` and `make check` sum them
per tier (tools/test.py), so a run says what its system tier cost beside its wall time.

A test's CPU is the run's process and the children it waited for (servers, workers, browsers a test stopped), from
its set-up to the end of its teardown."""

import resource
from collections.abc import Callable

import pytest

from tools.test import CPU_PROPERTY, TIER_PROPERTY


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class TestCosts:
    """A pytest plugin; tier_of names a test item's tier ("system" or "fast")."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, tier_of: Callable[[pytest.Item], str]) -> None:
        self.tier_of = tier_of
        self.started: dict[str, float] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.started[item.nodeid] = cpu_seconds()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item):
        yield
        spent = cpu_seconds() - self.started.pop(item.nodeid, cpu_seconds())
        item.user_properties.extend([(CPU_PROPERTY, f"{spent:.3f}"), (TIER_PROPERTY, self.tier_of(item))])
