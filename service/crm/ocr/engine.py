"""The OCR engine behind a small interface: `APP_OCR_ENGINE` names it (`ppocrv6`, `tesseract`, or `none`).
PP-OCRv6 is the default: on bench/ocr.py's held-out bills, its detector given a page of 1280 pixels, it reads more
fields right than Tesseract at under 5 CPU-s a bill.

PP-OCRv6 small (Apache-2.0) on ONNX Runtime through RapidOCR, from the model files the rapidocr wheel ships (nothing is
downloaded). A box per piece of text, and per character from the recogniser's alignment; the pieces standing on one
row joined into one line, as Tesseract's lines are.

Tesseract 5 with two Japanese models, each word taken from the surer (`Japanese+jpn`: the script model of Debian's
tesseract-ocr-script-jpan reads kanji of names the language model of tesseract-ocr-jpn misreads, 翼 and 覇 among them,
and the other way round), through pytesseract; its hOCR answer gives a box and a confidence for every character.
Its orientation detection (OSD, `--psm 0`, `osd.traineddata` from Debian's `tesseract-ocr-osd`) tells a page
photographed sideways or upside down."""

import os
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Protocol

from service.config import OcrEngine, get_settings

if TYPE_CHECKING:  # pytesseract (which pulls in pandas) is imported where the engine runs, not with the app
    from PIL import Image
    from rapidocr import RapidOCR

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


def shifted(line: Line, down: int) -> Line:
    """The line as it stands `down` pixels lower (a page stacked under another)."""
    if not down:
        return line
    return Line(
        tuple(Glyph(g.text, g.confidence, (g.box[0], g.box[1] + down, g.box[2], g.box[3] + down)) for g in line.glyphs)
    )


# A quick look, then a longer one (about 1 s of CPU) when it is unsure.
ORIENTATION_LOOKS = (10, 50)
ORIENTATION_TRUSTED = 0.5  # OSD's confidence from which its answer is taken (a page it read wrong scored 0.3 at most)


class EngineUnavailable(RuntimeError):
    """Not installed, or OCR switched off."""


class Engine(Protocol):
    name: str
    setup: str  # the one command that installs it here, as `make run`'s banner says when it cannot run
    sure_name: float  # a name with a character read with less confidence is doubtful: nothing else on a page checks it

    def version(self) -> str | None:
        """None when it cannot run here."""

    def orientation(self, page: "Image.Image") -> int:
        """Degrees clockwise to make the text upright; 0 when unsure."""

    def read(self, page: "Image.Image") -> list[Line]:
        """Top to bottom."""


class Tesseract:
    """psm 4: a bill's label and its value, even across a ruled table, stay on one line."""

    name = "tesseract"
    setup = "apt-get install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-script-jpan"
    sure_name = 0.35  # the bar every engine's names had before PP-OCRv6's was chosen (not measured for Tesseract)
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


# What PP-OCR's recogniser, trained mostly on Chinese, writes for a Japanese character, where no Japanese text has it:
# the simplified and traditional forms of the words bills print (a company's 不動産, a 県 or 区 of an address) and
# lookalikes. Each is replaced one for one, so every character keeps its box.
PPOCR_LOOKALIKES = str.maketrans(
    {"压": "圧", "电": "電", "请": "請", "额": "額", "费": "費", "约": "約", "亍": "〒"}
    | {"產": "産", "产": "産", "會": "会", "縣": "県", "县": "県", "區": "区", "业": "業", "务": "務", "东": "東"}
)
# A lookalike replaced only before (or after) what makes it one: 乙 (a real kanji) where ご starts 使用, 契約 …;
# カ (katakana) after 電 (電力); 工 (a kanji) before katakana (再エネ).
PPOCR_IN_CONTEXT = (
    (re.compile(r"乙(?=[使契利請案住確])"), "ご"),
    (re.compile(r"(?<=電)カ"), "力"),
    (re.compile(r"工(?=[ァ-ヶー])"), "エ"),
)
PPOCR_ROW_OVERLAP = 0.5  # two pieces whose heights overlap by this share of the lower one's stand on one row
PPOCR_DETECTION_SIDE = 1280  # the page's longer side is brought within this for the text detector (1600: over 5 s)
PPOCR_ORIENTATION_SIDE = 960  # the small copy the lines' direction is looked for on
PPOCR_ORIENTATION_LINES = 12  # the longest lines the upside-down classifier is asked about
PPOCR_SIDEWAYS = 1.5  # a piece of text this many times taller than wide lies sideways


class PpOcrV6:
    """PP-OCRv6 (small) through RapidOCR, on one ONNX Runtime thread (the worker's bulk slot has one core), its model
    files those the rapidocr wheel ships."""

    name = "ppocrv6"
    setup = "make venv"  # pinned in requirements.txt: `make run` installs it
    sure_name = 0.76  # the lowest bar withholding every name bench/ocr.py's development bills read wrong (0.754)
    models = "PP-OCRv6 small"
    files = {
        "Det.model_path": "PP-OCRv6_det_small.onnx",
        "Rec.model_path": "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",  # upside-down lines
    }

    def version(self) -> str | None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            self._model_files()
            return f"{self.models} (rapidocr {version('rapidocr')}, onnxruntime {version('onnxruntime')})"
        except (ImportError, PackageNotFoundError, FileNotFoundError):
            return None

    def _model_files(self) -> dict[str, str]:
        """Inside the installed wheel: nothing is downloaded."""
        from importlib.resources import files

        folder = files("rapidocr").joinpath("models")
        found = {setting: folder.joinpath(path) for setting, path in self.files.items()}
        missing = [str(path) for path in found.values() if not path.is_file()]
        if missing:
            raise FileNotFoundError(", ".join(missing))
        return {setting: str(path) for setting, path in found.items()}

    @cached_property
    def _reader(self) -> "RapidOCR":
        try:
            import cv2
            from rapidocr import RapidOCR

            models = self._model_files()
        except (ImportError, FileNotFoundError) as exc:
            raise EngineUnavailable(self.name) from exc
        cv2.setNumThreads(1)
        return RapidOCR(
            params={
                **models,
                "Global.log_level": "warning",
                "Global.use_cls": False,  # the page is upright already
                "Det.limit_type": "max",
                "Det.limit_side_len": PPOCR_DETECTION_SIDE,
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def orientation(self, page: "Image.Image") -> int:
        """Its lines' direction on a small copy tells a page lying sideways; the classifier of upside-down text,
        asked about its longest lines, tells which way round."""
        import numpy as np

        small = page.convert("RGB")
        small.thumbnail((PPOCR_ORIENTATION_SIDE, PPOCR_ORIENTATION_SIDE))
        found: Any = self._reader(np.asarray(small), use_det=True, use_cls=False, use_rec=False)
        boxes = [_bounds(quad) for quad in (found.boxes if found.boxes is not None else [])]
        if not boxes:
            return 0
        sideways = sum(b[3] - b[1] > PPOCR_SIDEWAYS * (b[2] - b[0]) for b in boxes) > len(boxes) / 2
        turn = 90 if sideways else 0
        longest = sorted(boxes, key=lambda b: max(b[2] - b[0], b[3] - b[1]), reverse=True)[:PPOCR_ORIENTATION_LINES]
        crops = [np.asarray(_upright(small.crop(box), turn)) for box in longest]
        _, votes = self._reader.cls_and_rotate(crops)
        flipped = sum(score if label == "180" else -score for label, score in votes.cls_res or [])
        return (turn + 180) % 360 if flipped > 0 else turn

    def read(self, page: "Image.Image") -> list[Line]:
        import numpy as np

        found: Any = self._reader(  # the output's kind (one of four) follows the steps asked for
            np.asarray(page.convert("RGB")),
            use_det=True,  # each call's choices stay with the reader: all of them given every time
            use_cls=False,
            use_rec=True,
            return_word_box=True,
            return_single_char_box=True,
        )
        if found.txts is None:
            return []
        pieces = [
            _piece(text, float(score), _bounds(quad), chars)
            for quad, text, score, chars in zip(found.boxes, found.txts, found.scores, found.word_results, strict=True)
        ]
        return [_joined(row) for row in _rows(piece for piece in pieces if piece)]


def ppocr_normalised(text: str) -> str:
    """The same length as `text`."""
    text = text.translate(PPOCR_LOOKALIKES)
    for pattern, replacement in PPOCR_IN_CONTEXT:
        text = pattern.sub(replacement, text)
    return text


Quad = Sequence[Sequence[float]]  # four corners, as the detector gives a piece's box


def _bounds(quad: Quad) -> Box:
    xs, ys = [point[0] for point in quad], [point[1] for point in quad]
    return (round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys)))


def _upright(crop: "Image.Image", turn: int) -> "Image.Image":
    from PIL import Image

    return crop.transpose(Image.Transpose.ROTATE_270) if turn == 90 else crop


def _width(char: str) -> int:
    """Half-width characters count one, the others two."""
    return 1 if unicodedata.east_asian_width(char) in "NaH" else 2


def _piece(text: str, score: float, box: Box, chars: Sequence[tuple[str, float, Quad]] | None) -> tuple[Glyph, ...]:
    """Each character with its box: the recogniser's own where it gave one for each (it gives none for a space, which
    spans the gap), else the piece's box split by the characters' widths."""
    text = ppocr_normalised(text.strip())
    marks = [char for char in text if not char.isspace()]
    if chars is not None and len(chars) == len(marks):
        boxes = iter(_bounds(quad) for _, _, quad in chars)
        confidences = iter(float(confidence) for _, confidence, _ in chars)
        glyphs: list[Glyph] = []
        for char in text:
            if char.isspace():
                glyphs.append(Glyph(" ", 1.0, glyphs[-1].box if glyphs else box))
            else:
                glyphs.append(Glyph(char, min(score, next(confidences)), next(boxes)))
        return tuple(_spaces_spanned(glyphs))
    total, left, at = sum(_width(char) for char in text) or 1, box[0], 0
    step = (box[2] - box[0]) / total
    glyphs = []
    for char in text:
        start, at = at, at + _width(char)
        glyphs.append(Glyph(char, score, (round(left + start * step), box[1], round(left + at * step), box[3])))
    return tuple(glyphs)


def _spaces_spanned(glyphs: list[Glyph]) -> list[Glyph]:
    """A space's box from the character before it to the one after."""
    spanned = list(glyphs)
    for n, glyph in enumerate(glyphs):
        if glyph.text == " " and 0 < n < len(glyphs) - 1:
            before, after = glyphs[n - 1].box, glyphs[n + 1].box
            spanned[n] = Glyph(" ", 1.0, (before[2], min(before[1], after[1]), after[0], max(before[3], after[3])))
    return spanned


def _rows(pieces: "Iterable[tuple[Glyph, ...]]") -> list[list[tuple[Glyph, ...]]]:
    """Pieces whose heights overlap enough, top to bottom, each row left to right."""
    rows: list[list[tuple[Glyph, ...]]] = []
    for piece in sorted(pieces, key=lambda p: _piece_box(p)[1]):
        top, bottom = _piece_box(piece)[1], _piece_box(piece)[3]
        for row in rows:
            row_top, row_bottom = _piece_box(row[-1])[1], _piece_box(row[-1])[3]
            shared = min(bottom, row_bottom) - max(top, row_top)
            if shared >= PPOCR_ROW_OVERLAP * min(bottom - top, row_bottom - row_top):
                row.append(piece)
                break
        else:
            rows.append([piece])
    return [sorted(row, key=lambda p: _piece_box(p)[0]) for row in rows]


def _piece_box(piece: tuple[Glyph, ...]) -> Box:
    return (
        min(g.box[0] for g in piece),
        min(g.box[1] for g in piece),
        max(g.box[2] for g in piece),
        max(g.box[3] for g in piece),
    )


def _joined(row: list[tuple[Glyph, ...]]) -> Line:
    """A row's pieces with a space between each two, spanning the gap."""
    glyphs: list[Glyph] = list(row[0])
    for piece in row[1:]:
        before, after = glyphs[-1].box, piece[0].box
        glyphs.append(Glyph(" ", 1.0, (before[2], min(before[1], after[1]), after[0], max(before[3], after[3]))))
        glyphs += piece
    return Line(tuple(glyphs))


class NoEngine:
    name = "none"
    setup = ""
    sure_name = 1.0  # it reads nothing

    def version(self) -> str | None:
        return None

    def orientation(self, page: "Image.Image") -> int:
        raise EngineUnavailable(self.name)

    def read(self, page: "Image.Image") -> list[Line]:
        raise EngineUnavailable(self.name)


ENGINES: dict[str, type[PpOcrV6] | type[Tesseract] | type[NoEngine]] = {
    OcrEngine.PPOCRV6: PpOcrV6,
    OcrEngine.TESSERACT: Tesseract,
    OcrEngine.NONE: NoEngine,
}


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
