"""The README's environment table stays complete as settings are added."""

import re

from service.config import REPO_ROOT, Settings


def test_every_setting_is_in_the_readme_table():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(APP_[A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    expected = {f"APP_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()


def test_readme_shows_the_two_set_up_commands():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
