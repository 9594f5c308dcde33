"""The dashboards read the time in one place, dashboards/clock.py (Japan time), never the machine's clock and zone
(UTC on most servers, where between 00:00 and 09:00 Japan time the date is the day before): no other module calls
date.today(), datetime.now() and the like, and no date or time widget falls back on Streamlit's "today"/"now" default
(the machine's). What the pages do at a given hour is tested with a set clock (tests/support/clock.py), e.g.
test_fleet_quiet_times.py at 00:30 Japan time."""

import ast
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
CLOCK = DASHBOARDS / "clock.py"
# (object, method) calls that read the machine's clock or zone.
MACHINE_CLOCK = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("Timestamp", "now"),
    ("Timestamp", "today"),
    ("time", "localtime"),
    ("time", "time"),
}
TIME_WIDGETS = {"date_input", "time_input", "datetime_input"}
MACHINE_DEFAULTS = {"today", "now"}


def dotted(node: ast.expr) -> tuple[str, ...]:
    """The names of an attribute chain, e.g. ("datetime", "now") for datetime.now or datetime.datetime.now."""
    if isinstance(node, ast.Attribute):
        return (*dotted(node.value), node.attr)
    return (node.id,) if isinstance(node, ast.Name) else ()


def widget_default(call: ast.Call) -> ast.expr | None:
    """The value argument of a date/time widget (the second positional one or value=)."""
    named = {keyword.arg: keyword.value for keyword in call.keywords}
    return call.args[1] if len(call.args) > 1 else named.get("value")


def machine_clock_reads(source: str, module: str) -> list[str]:
    """Each call in a module's source that reads the machine's clock, as "module:line what"."""
    found = []
    for node in ast.walk(ast.parse(source, module)):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        where = f"{module}:{node.lineno}"
        if name[-2:] in MACHINE_CLOCK:
            found.append(f"{where} {'.'.join(name)}()")
        elif name[-1:] and name[-1] in TIME_WIDGETS:
            default = widget_default(node)
            passes_kwargs = any(keyword.arg is None for keyword in node.keywords)
            if default is None and not passes_kwargs:
                found.append(f"{where} {name[-1]} without a value (Streamlit's default is the machine's today/now)")
            elif isinstance(default, ast.Constant) and default.value in MACHINE_DEFAULTS:
                found.append(f"{where} {name[-1]} value={default.value!r}")
    return found


def test_only_the_clock_module_reads_the_clock():
    modules = sorted(path for path in DASHBOARDS.rglob("*.py") if path != CLOCK)
    assert modules, "no dashboards modules found"
    reads = [machine_clock_reads(path.read_text(), str(path.relative_to(DASHBOARDS.parent))) for path in modules]
    assert [read for module in reads for read in module] == []


def test_the_check_finds_a_read_of_the_machines_clock():
    source = (
        "import datetime\nfrom datetime import date\n"
        "a = date.today()\nb = datetime.datetime.now()\n"
        "st.date_input('終了日', key='x')\nst.time_input('開始', 'now')\nst.date_input('日付', value=clock.today())\n"
    )
    reads = [read.split(" ", 1)[1] for read in machine_clock_reads(source, "example.py")]
    assert reads == [
        "date.today()",
        "datetime.datetime.now()",
        "date_input without a value (Streamlit's default is the machine's today/now)",
        "time_input value='now'",
    ]
