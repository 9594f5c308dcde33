"""bench/README.md: what each bench measures (its docstring's first sentence) and its latest figures, made from
bench/results/<bench>.json (written by the bench itself: bench/common.py `keep_result`). `python -m tools.bench_table`
writes it; tests/test_readme.py fails when it is stale. The figures' history is git's."""

import ast
import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH = REPO_ROOT / "bench"
README = BENCH / "README.md"
HEADER = """# Benchmarks

Run by hand on PostgreSQL (`make bench`, or `.venv/bin/python bench/<bench>.py`); each starts what it needs, cleans
up and ends with one JSON line of figures, kept in `bench/results/<bench>.json` with the commit, time and load.
Targets: each docstring. The machine swings 2×: compare timings only A/B in the same minutes (`farm-bench`).
Made by `python -m tools.bench_table`.

| bench | what it measures | measured at | figures |
|---|---|---|---|
"""
NOT_RUN = "not run yet"


def benches() -> list[Path]:
    """Every bench/*.py with a main block (the others are the benches' helpers)."""
    return sorted(p for p in BENCH.glob("*.py") if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))


def purpose(script: Path) -> str:
    docstring = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    first = " ".join(docstring.split("\n\n")[0].split())
    return first.split(": ")[0].split(". ")[0].rstrip(".").replace("|", "/")


def flat(figures: Any, prefix: str = "") -> list[str]:
    """`name value` pairs, nested names joined with dots."""
    if isinstance(figures, dict):
        return [pair for key, value in figures.items() for pair in flat(value, f"{prefix}{key}.")]
    if isinstance(figures, list):
        figures = ", ".join(json.dumps(item, ensure_ascii=False) for item in figures)
    return [f"{prefix.rstrip('.')} {figures}".replace("|", "/")]


def row(script: Path) -> str:
    kept = BENCH / "results" / f"{script.stem}.json"
    if not kept.exists():
        return f"| `{script.name}` | {purpose(script)} | {NOT_RUN} | |"
    result = json.loads(kept.read_text(encoding="utf-8"))
    when = f"{result['commit']}, {result['measured_at']}, load {result['load_average_1m']}"
    return f"| `{script.name}` | {purpose(script)} | {when} | {'; '.join(flat(result['figures']))} |"


def page() -> str:
    return HEADER + "\n".join(row(script) for script in benches()) + "\n"


if __name__ == "__main__":
    README.write_text(page(), encoding="utf-8")
