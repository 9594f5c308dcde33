"""The OCR engine behind a small interface: `APP_OCR_ENGINE` names it (`tesseract`, or `none`).

Tesseract 5 with two Japanese models, each word taken from the surer (`Japanese+jpn`: the script model of Debian's
tesseract-ocr-script-jpan reads kanji of names the language model of tesseract-ocr-jpn misreads, 翼 and 覇 among them,
and the other way round), through pytesseract; its hOCR answer gives a box and a confidence for every character.
Its orientation detection (OSD, `--psm 0`, `osd.traineddata` from Debian's `tesseract-ocr-osd`) tells a page
photographed sideways or upside down."""

import os
import subprocess
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Protocol

from service.config import get_settings

if TYPE_CHECKING:  # pytesseract (which pulls in pandas) is imported where the engine runs, not with the app
    from PIL import Image

Box = tuple[int, int, int, int]  # left, top, right, bottom, in the page's pixels
UNAVAILABLE = "OCRは利用できません（OCRエンジン {engine} がこのサーバーにありません）。明細画像を見て入力してください"
DISABLED = "OCRは利用できません（設定で無効になっています）。明細画像を見て入力してください"
# The worker's single bulk slot gets one core: OpenMP threads would only add overhead on a shared machine.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class Glyph:
    text: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(glyph.text for glyph in self.glyphs)


# A quick look, then a longer one (about 1 s of CPU) when it is unsure.
ORIENTATION_LOOKS = (10, 50)
ORIENTATION_TRUSTED = 0.5  # OSD's confidence from which its answer is taken (a page it read wrong scored 0.3 at most)


class EngineUnavailable(RuntimeError):
    """Not installed, or OCR switched off."""


class Engine(Protocol):
    name: str

    def version(self) -> str | None:
        """None when it cannot run here."""

    def orientation(self, page: "Image.Image") -> int:
        """Degrees clockwise to make the text upright; 0 when unsure."""

    def read(self, page: "Image.Image") -> list[Line]:
        """Top to bottom."""


class Tesseract:
    """psm 4: a bill's label and its value, even across a ruled table, stay on one line."""

    name = "tesseract"
    language = "Japanese+jpn"
    config = "--psm 4 -c hocr_char_boxes=1"

    def version(self) -> str | None:
        """Its languages listed as the engine names them: pytesseract's own list leaves out a script model's
        capitalised name."""
        import pytesseract

        try:
            found = str(pytesseract.get_tesseract_version())
            listed = subprocess.run(
                [pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True, text=True, check=True
            )
        except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError, subprocess.CalledProcessError):
            return None
        return found if set(self.language.split("+")) <= set(listed.stdout.split()) else None

    def orientation(self, page: "Image.Image") -> int:
        import pytesseract

        for characters in ORIENTATION_LOOKS:
            config = f"--psm 0 -c min_characters_to_try={characters}"
            try:
                found = pytesseract.image_to_osd(page, config=config, output_type=pytesseract.Output.DICT)
            except pytesseract.TesseractNotFoundError as exc:
                raise EngineUnavailable(self.name) from exc
            except pytesseract.TesseractError:  # too few characters to tell (or no osd.traineddata)
                continue
            if found["orientation_conf"] >= ORIENTATION_TRUSTED:
                return int(found["rotate"])
        return 0  # unsure: read as it lies

    def read(self, page: "Image.Image") -> list[Line]:
        import pytesseract

        try:
            hocr = pytesseract.image_to_pdf_or_hocr(page, lang=self.language, extension="hocr", config=self.config)
        except pytesseract.TesseractNotFoundError as exc:
            raise EngineUnavailable(self.name) from exc
        return hocr_lines(hocr.decode("utf-8"))


class NoEngine:
    name = "none"

    def version(self) -> str | None:
        return None

    def orientation(self, page: "Image.Image") -> int:
        raise EngineUnavailable(self.name)

    def read(self, page: "Image.Image") -> list[Line]:
        raise EngineUnavailable(self.name)


ENGINES: dict[str, type[Tesseract] | type[NoEngine]] = {"tesseract": Tesseract, "none": NoEngine}


@dataclass(frozen=True)
class EngineState:
    engine: str
    version: str | None
    available: bool
    message: str


def configured() -> Engine:
    return _engine(get_settings().ocr_engine)


@cache
def _engine(name: str) -> Engine:
    return ENGINES[name]()


@cache
def _version(name: str) -> str | None:
    """Asked once per process: whether the engine is installed does not change while it runs."""
    return _engine(name).version()


def state() -> EngineState:
    engine = configured()
    version = _version(engine.name)
    if version is not None:
        return EngineState(engine.name, version, True, "")
    message = DISABLED if isinstance(engine, NoEngine) else UNAVAILABLE.format(engine=engine.name)
    return EngineState(engine.name, None, False, message)


class _HocrReader(HTMLParser):
    """A character's confidence is the lower of its own and its word's."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[list[Glyph]] = []
        self._word_confidence = 1.0
        self._char: tuple[Box, float] | None = None
        self._word_started = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind, title = dict(attrs).get("class"), _title(dict(attrs).get("title") or "")
        if kind == "ocr_line":
            self.lines.append([])
        elif kind == "ocrx_word" and self.lines:
            self._word_confidence = float(title.get("x_wconf", "100")) / 100
            self._word_started = True
        elif kind == "ocrx_cinfo" and self.lines:
            box = tuple(int(v) for v in title["x_bboxes"].split())
            self._char = (box, float(title.get("x_conf", "100")) / 100)  # type: ignore[assignment]

    def handle_data(self, data: str) -> None:
        if self._char is None or not data:
            return
        box, confidence = self._char
        line = self.lines[-1]
        if self._word_started and line:
            previous = line[-1].box
            line.append(Glyph(" ", 1.0, (previous[2], previous[1], box[0], box[3])))
        self._word_started = False
        line.append(Glyph(data, min(confidence, self._word_confidence), box))
        self._char = None


def _title(title: str) -> dict[str, str]:
    """'bbox 1 2 3 4; x_wconf 93' -> {'bbox': '1 2 3 4', 'x_wconf': '93'}."""
    parts = (part.strip().split(" ", 1) for part in title.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def hocr_lines(hocr: str) -> list[Line]:
    reader = _HocrReader()
    reader.feed(hocr)
    return [Line(tuple(glyphs)) for glyphs in reader.lines if glyphs]
