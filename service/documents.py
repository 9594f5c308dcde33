"""Shared pieces for generated documents: the Japanese font and a PDF already set up to use it."""

import importlib.util
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

from service.errors import ServiceUnavailable

FONT = "ipaexg"


@lru_cache
def japanese_font_path() -> Path:
    """IPAex Gothic shipped by matplotlib-fontja, found without importing that package (it would pull in matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "ipaexg.ttf"
        if path.exists():
            return path
    raise ServiceUnavailable("PDF用の日本語フォントが見つかりません（matplotlib-fontja）", code="font_missing")


def japanese_pdf(**options: object) -> FPDF:
    """An FPDF document with the Japanese font registered as FONT and selected."""
    pdf = FPDF(**options)
    pdf.add_font(FONT, fname=str(japanese_font_path()))
    pdf.set_font(FONT, size=11)
    return pdf
