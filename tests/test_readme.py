"""The README's claims: its quick start (ten lines, the two set-up commands, where to start as `make run` says it),
every demo login, make run's options, the configuration reference generated from the settings, and the Markdown's
size budget (a newcomer reads the docs in ten minutes)."""

import re
import subprocess

from service.config import REPO_ROOT, Settings
from service.demo.framework import demo_logins
from tools import bench_table, run, settings_doc

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
QUICK_START_LINES = 10
KB = 1000
MARKDOWN_BUDGET_BYTES = {"README.md": 8 * KB, "ARCHITECTURE.md": 12 * KB}
ALL_MARKDOWN_BUDGET_BYTES = 150 * KB
# The manuals the service serves to operators, shops and requesters are the product's content, not the developers' docs
PRODUCT_CONTENT = ("service/reservations/training/manuals/",)


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each `## ` section, in order."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def shell_commands(text: str) -> list[str]:
    """The commands of every ```sh block, without their comments."""
    blocks = re.findall(r"^```sh\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    lines = (line.split("#")[0].strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def test_every_setting_says_what_it_means():
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_the_configuration_reference_is_generated_from_the_settings():
    assert settings_doc.REFERENCE.read_text(encoding="utf-8") == settings_doc.reference(), (
        "docs/configuration.md is stale: run `python -m tools.settings_doc`"
    )


def test_the_benches_figures_are_one_generated_table_of_their_latest_results():
    assert bench_table.README.read_text(encoding="utf-8") == bench_table.page(), (
        "bench/README.md is stale: run `python -m tools.bench_table`"
    )
    kept = sorted((REPO_ROOT / "bench" / "results").glob("*.json"))
    assert {path.stem for path in kept} <= {script.stem for script in bench_table.benches()}


def test_the_benches_table_shows_a_benchs_headline_figures_and_links_them_all(tmp_path):
    figures = bench_table.flat({"sign_in": {"p95_ms": 900, "refused": 0}, "pages": ["a", "b"], "load": 3.1})
    named, unnamed = tmp_path / "named.py", tmp_path / "unnamed.py"
    named.write_text('HEADLINE = ("sign_in.refused", "load")\n', encoding="utf-8")
    unnamed.write_text("FIGURES = 1\n", encoding="utf-8")
    assert bench_table.shown(named, figures) == "sign_in.refused 0; load 3.1"
    assert "](results/working_day.json), load " in bench_table.row(bench_table.BENCH / "working_day.py")
    assert bench_table.shown(unnamed, figures).startswith('sign_in.p95_ms 900; sign_in.refused 0; pages "a", "b"')


def test_the_readme_opens_with_a_ten_line_quick_start_that_says_where_to_begin():
    assert README.split("\n## ")[0].strip() == "# Daichō (台帳)"  # nothing above the quick start but the title
    heading, body = sections(README)[0]
    assert heading == "Quick start"
    assert len(body.strip("\n").splitlines()) <= QUICK_START_LINES
    assert shell_commands(body) == ["make run", "make test"]
    assert run.first_steps(run.DEFAULT_DASHBOARD_PORT) in body  # the banner's last line, word for word


def test_the_two_set_up_commands_are_the_only_ones_the_readme_gives():
    assert shell_commands(README) == ["make run", "make test"]


def test_the_moved_guides_are_linked_and_there():
    for guide in ("docs/testing.md", "docs/operations.md", "docs/configuration.md"):
        assert f"]({guide})" in README and (REPO_ROOT / guide).is_file()


def test_every_demo_login_and_make_runs_options_are_in_the_readme():
    for login in demo_logins():
        assert f"`{login.login_id}`" in README, login.login_id
    for option in ("make run ACCESS_LOG=1", "make run LOG_LEVEL=info", "APP_DEMO_AGENTS=0"):
        assert option in README, option


def tracked_markdown_sizes() -> dict[str, int]:
    """Bytes of every Markdown file of the docs git tracks, by path."""
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {path: (REPO_ROOT / path).stat().st_size for path in listed if not path.startswith(PRODUCT_CONTENT)}


def test_the_markdown_stays_within_its_size_budget():
    sizes = tracked_markdown_sizes()
    for path, budget in MARKDOWN_BUDGET_BYTES.items():
        assert sizes[path] <= budget, f"{path} is {sizes[path]:,} bytes, over its {budget:,}"
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:5]
    assert total <= ALL_MARKDOWN_BUDGET_BYTES, f"tracked Markdown is {total:,} bytes, largest: {largest}"
