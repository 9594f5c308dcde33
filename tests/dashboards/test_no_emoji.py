"""No emoji in the dashboards' text: where no emoji font is installed (office PCs, kiosks) one is an empty box, so a
state told by one is not told at all. Colours are badges and coloured cells with their word (components/badges.py);
`:material/…:` icons come with Streamlit's own font. Comments may say anything."""

import tokenize
from pathlib import Path

import pytest

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
# Blocks of pictographs and dingbats; what JIS X 0208 has of them (→ ↓ ○ ● ■ ★) is in every Japanese font.
PICTOGRAPH_BLOCKS = (
    (0x2190, 0x21FF),  # arrows: ↩ ↪ are emoji
    (0x2300, 0x23FF),  # technical: ⌚ ⏰ ⏳
    (0x25A0, 0x25FF),  # geometric shapes: ▶ ◀ ◻
    (0x2600, 0x27BF),  # symbols and dingbats: ⚠ ⚪ ✅ ✔ ✖ ❌
    (0x2B00, 0x2BFF),  # symbols and arrows: ⬛ ⭐
    (0x1F000, 0x1FAFF),  # emoji proper: 🔴 🟠 🟡 🟢 🔵
)
EMOJI_JOINERS = {0x200D, 0x20E3, 0xFE0F}  # zero-width joiner, keycap, emoji presentation
# A string literal's text (from Python 3.12 an f-string's text comes as FSTRING_MIDDLE tokens).
TEXT_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def in_jis(char: str) -> bool:
    try:
        char.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return True


def needs_emoji_font(char: str) -> bool:
    """Whether a character is drawn only by an emoji (or symbol) font, not by a Japanese one."""
    code = ord(char)
    if code in EMOJI_JOINERS:
        return True
    return any(low <= code <= high for low, high in PICTOGRAPH_BLOCKS) and not in_jis(char)


def emoji_in_text(path: Path, root: Path = DASHBOARDS.parent) -> list[str]:
    """Each string literal's emoji in a Python file, as 'file:line: char (U+XXXX)' (file relative to root); comments
    are not looked at."""
    found = []
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type not in TEXT_TOKENS:
                continue
            for offset, line in enumerate(token.string.splitlines()):
                found += [
                    f"{path.relative_to(root)}:{token.start[0] + offset}: {char} (U+{ord(char):04X})"
                    for char in line
                    if needs_emoji_font(char)
                ]
    return found


@pytest.mark.parametrize("char", ["🔴", "🟠", "🟡", "🟢", "⚪", "🔵", "⚠", "✅", "❌", "✔", "✖", "⭐", "\ufe0f"])
def test_emoji_and_dingbats_need_an_emoji_font(char):
    assert needs_emoji_font(char)


@pytest.mark.parametrize("char", ["↓", "↑", "→", "○", "●", "■", "★", "…", "×", "÷", "¥", "§", "›", "入", "ア"])
def test_what_japanese_fonts_carry_does_not(char):
    assert not needs_emoji_font(char)


def test_the_scan_finds_an_emoji_in_a_string_but_not_in_a_comment(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('# 🔴 red in a comment is fine\nMARKS = {"urgent": "🔴"}\nNOTE = f"""ok\n⚠ {1}"""\n')

    assert emoji_in_text(page, tmp_path) == ["page.py:2: 🔴 (U+1F534)", "page.py:4: ⚠ (U+26A0)"]


def test_no_dashboard_text_needs_an_emoji_font():
    found = [hit for path in sorted(DASHBOARDS.rglob("*.py")) for hit in emoji_in_text(path)]
    assert found == [], (
        "emoji show as empty boxes without an emoji font; use a badge or a coloured cell:\n" + "\n".join(found)
    )
