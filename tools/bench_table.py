"""bench/README.md: what each bench measures (its docstring's first sentence) and its headline figures, made from
bench/results/<bench>.json (written by the bench itself: bench/common.py `keep_result`), which holds them all. A bench
names its headline figures in a module-level `HEADLINE` tuple of dotted names; without one, its first
`DEFAULT_HEADLINE_COUNT` figures are shown. `python -m tools.bench_table` writes it; tests/test_readme.py fails when it
is stale. The figures' history is git's."""

import ast
import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH = REPO_ROOT / "bench"
README = BENCH / "README.md"
HEADER = """# Benchmarks

Run by hand on PostgreSQL (`make bench`); each starts what it needs, cleans up and ends with one JSON line of figures,
kept in `results/` (linked by date). Targets: each docstring. Compare timings only A/B in the same minutes. Made
by `python -m tools.bench_table`.

| bench | what it measures | measured at | figures |
|---|---|---|---|
"""
NOT_RUN = "not run yet"
DEFAULT_HEADLINE_COUNT = 6


def benches() -> list[Path]:
    """Every bench/*.py with a main block (the others are the benches' helpers)."""
    return sorted(p for p in BENCH.glob("*.py") if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8"))


def purpose(script: Path) -> str:
    docstring = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    first = " ".join(docstring.split("\n\n")[0].split())
    return first.split(": ")[0].split(". ")[0].rstrip(".").replace("|", "/")


def headline(script: Path) -> tuple[str, ...] | None:
    """The bench's `HEADLINE` names, read from its source (a bench is not imported: it may patch the interpreter)."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(target, ast.Name) and target.id == "HEADLINE" for target in targets):
            return tuple(ast.literal_eval(node.value))
    return None


def flat(figures: Any, prefix: str = "") -> dict[str, str]:
    """Each figure by its name, nested names joined with dots."""
    if isinstance(figures, dict):
        return {name: value for key, item in figures.items() for name, value in flat(item, f"{prefix}{key}.").items()}
    if isinstance(figures, list):
        figures = ", ".join(json.dumps(item, ensure_ascii=False) for item in figures)
    return {prefix.rstrip("."): str(figures)}


def shown(script: Path, figures: dict[str, str]) -> str:
    names = headline(script) or tuple(figures)[:DEFAULT_HEADLINE_COUNT]
    pairs = [f"{name} {figures[name]}" for name in names if name in figures]
    return "; ".join(pairs).replace("|", "/")


def row(script: Path) -> str:
    kept = BENCH / "results" / f"{script.stem}.json"
    if not kept.exists():
        return f"| `{script.name}` | {purpose(script)} | {NOT_RUN} | |"
    result = json.loads(kept.read_text(encoding="utf-8"))
    link = f"[{result['commit']}, {result['measured_at']}](results/{script.stem}.json)"
    when = f"{link}, load {result['load_average_1m']}"
    return f"| `{script.name}` | {purpose(script)} | {when} | {shown(script, flat(result['figures']))} |"


def page() -> str:
    return HEADER + "\n".join(row(script) for script in benches()) + "\n"


if __name__ == "__main__":
    README.write_text(page(), encoding="utf-8")
