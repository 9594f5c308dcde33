"""The page an engine reads: upright by EXIF (or each of a PDF's pages, up to `PDF_PAGES`), in grey, the sheet of a
photo taken at an angle warped flat, scaled to a reading size, turned upright by quarter turns, deskewed (up to 15°
either way) and its contrast stretched. The engine's boxes are in this page's pixels (a PDF's pages stacked into one),
so it is stored beside the image to show the operator where each value was read."""

import io
import math
import statistics
from collections.abc import Callable, Sequence

import cv2
import numpy as np
import pillow_heif
import pypdfium2
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

PDF = "application/pdf"
READING_SIDE = (1400, 2600)  # a page's longer side is brought within this (text about 30 px high on an A4 bill)
PDF_SCALE = 2.0
PDF_PAGES = 4  # a statement's pages read; an upload longer than this has its first ones read
PAGE_GAP = 40  # white pixels between two pages stacked into the one page stored and shown
SKEW_LIMIT, SKEW_STEP, SKEW_FINE = 15.0, 0.5, 0.1  # degrees tried either way, coarse then fine
SKEW_PROBE = 600  # the width of the small copy the skew is measured on
INK = 140  # grey levels below this are ink when measuring the skew
SHEET_PROBE = 400  # the longer side of the small copy the sheet of paper is looked for on
SHEET_SPECKS = 5  # bright or dark specks smaller than this (probe pixels) are ignored when finding the sheet
SHEET_RING = 0.02  # the photo's outermost strip (a share of its longer side) tells the desk's colour
SHEET_DESK_DISTANCE = 60  # how far from the desk's colour (in its most different channel) a pixel is the sheet
PAPER_SHARE = 0.1  # the brightest tenth of a photo is paper
SHEET_SMALLEST = 0.25  # a sheet covering less of the photo than this is not trusted to be the page
SHEET_BACKGROUND = 0.6  # the desk around a sheet is at most this bright next to the paper (medians): not a shadow
SHEET_FILLS = 0.02  # corners this close (a share of the side) to the photo's own: the page already fills the photo
SHEET_INSET = 0.004  # the warped sheet's edge given up on each side (a share of the side): no strip of the desk
BAND_PROBE = 200  # the width of the small copy dark bands are looked for on
BAND_DARK = 0.8  # a row (and a column of it) whose median is darker than this share of the paper's is a band
BAND_SHORTEST = 0.01  # a band is at least this share of the page high (a table's rule is not one)
BAND_TEXT_SPAN = 31  # pixels (odd) round each pixel whose median is its background when telling light text from dark
BAND_INK = 40  # grey levels from its background that make a pixel a stroke
BAND_TEXT_SHARE = 99  # the percentile of a band's grey levels that is its text's (the strokes' cores)
BAND_SOFTENING = 1.0  # the Gaussian blur's sigma (pixels) that gives a band's stretched text the page's soft edges
LIGHT_BLOCK = 4  # the paper's light is measured on a copy this many times smaller (a sharpened edge's halo gone)
LIGHT_SPAN = 7  # blocks: wider than any stroke, so the small copy closed by this square is the paper's light
RULE_ACROSS, RULE_DOWN = 200, 100  # a run of ink this long (pixels of the reading size) is a rule, not a stroke
RULE_SOLID = 230  # the share of ink (of 255) in a stretch half that long that makes it solid
RULE_INK = 200  # grey levels below this are a rule's ink (a blurred rule is grey, not black)
RULE_FRINGE = 5  # the pixels whitened round a rule found (odd: a square this wide)
WARP_SHARPENING = ImageFilter.UnsharpMask(radius=2, percent=80, threshold=2)  # what the warp's resampling softened
Point = tuple[float, float]
QUARTER_TURNS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}

pillow_heif.register_heif_opener()


def pictures(data: bytes, content_type: str) -> list[Image.Image]:
    """A PDF's pages (its first `PDF_PAGES`), or the photo's one."""
    if content_type == PDF:
        document = pypdfium2.PdfDocument(data)
        try:
            return [
                document[n].render(scale=PDF_SCALE).to_pil().convert("RGB")
                for n in range(min(len(document), PDF_PAGES))
            ]
        finally:
            document.close()
    with Image.open(io.BytesIO(data)) as picture:
        return [ImageOps.exif_transpose(picture).convert("RGB")]


def first_page(data: bytes, content_type: str) -> Image.Image:
    return pictures(data, content_type)[0]


def stacked(pages: Sequence[Image.Image]) -> tuple[Image.Image, list[int]]:
    """The pages one under another, left-aligned, as one page; and where each one's top now stands."""
    tops, height = [], 0
    for page in pages:
        tops.append(height)
        height += page.height + PAGE_GAP
    whole = Image.new("L", (max(page.width for page in pages), height - PAGE_GAP), 255)
    for page, top in zip(pages, tops, strict=True):
        whole.paste(page, (0, top))
    return whole, tops


def _reading_size(picture: Image.Image) -> Image.Image:
    low, high = READING_SIDE
    side = max(picture.size)
    if low <= side <= high:
        return picture
    scale = (low if side < low else high) / side
    size = (round(picture.width * scale), round(picture.height * scale))
    return picture.resize(size, Image.Resampling.LANCZOS)


def _row_spread(ink: Image.Image, angle: float) -> float:
    """The projection-profile method: text lines lined up with the rows make the spread of the row sums largest."""
    turned = ink.rotate(angle, Image.Resampling.BILINEAR, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
    return statistics.pvariance(rows)


def skew_angle(grey: Image.Image) -> float:
    """Degrees, counter-clockwise."""
    probe = grey.resize((SKEW_PROBE, max(1, round(grey.height * SKEW_PROBE / grey.width))), Image.Resampling.BOX)
    ink = probe.point(lambda level: 255 if level < INK else 0)
    steps = int(SKEW_LIMIT / SKEW_STEP)
    coarse = max((n * SKEW_STEP for n in range(-steps, steps + 1)), key=lambda a: _row_spread(ink, a))
    fine = (coarse + n * SKEW_FINE for n in range(-4, 5))
    return max(fine, key=lambda a: _row_spread(ink, a))


def _threshold(grey: Image.Image) -> int:
    """Otsu's method over the histogram."""
    counts = grey.histogram()
    total, weighted = sum(counts), sum(level * n for level, n in enumerate(counts))
    best, best_spread, below, below_weighted = 128, -1.0, 0, 0
    for level, n in enumerate(counts):
        below, below_weighted = below + n, below_weighted + level * n
        above = total - below
        if below == 0 or above == 0:
            continue
        gap = below_weighted / below - (weighted - below_weighted) / above
        spread = below * above * gap * gap
        if spread > best_spread:
            best, best_spread = level, spread
    return best


def _row_ends(mask: Image.Image) -> list[tuple[int, int, int]]:
    ends = []
    for y in range(mask.height):
        found = mask.crop((0, y, mask.width, y + 1)).getbbox()
        if found:
            ends.append((y, found[0], found[2] - 1))
    return ends


def _brightest(grey: Image.Image, share: float) -> int:
    """The grey level that `share` of the pixels reach."""
    counts, wanted, seen = grey.histogram(), share * grey.width * grey.height, 0
    for level in range(255, -1, -1):
        seen += counts[level]
        if seen >= wanted:
            return level
    return 0


def _ring(size: tuple[int, int]) -> Image.Image:
    """The mask of a picture's outermost strip, where the desk shows round a sheet lying on it."""
    width, height = size
    inset = max(1, round(SHEET_RING * max(size)))
    ring = Image.new("L", size, 255)
    ImageDraw.Draw(ring).rectangle((inset, inset, width - 1 - inset, height - 1 - inset), fill=0)
    return ring


def sheet_corners(picture: Image.Image) -> tuple[Point, ...] | None:
    """Upper left, lower left, lower right, upper right: the points furthest along each diagonal of what is not the
    desk (the colour round the photo's edge), so a coloured band printed across the top of the sheet stays on it.
    None when no desk shows round the page (its edge is as bright as paper), or no sheet stands out clearly."""
    scale = SHEET_PROBE / max(picture.size)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    probe = picture.convert("RGB").resize(size, Image.Resampling.BOX)
    grey = probe.convert("L")
    ring = _ring(size)
    desk = tuple(round(level) for level in ImageStat.Stat(probe, ring).median)
    paper = _brightest(grey, PAPER_SHARE)
    if ImageStat.Stat(grey, ring).median[0] > SHEET_BACKGROUND * paper:
        return None  # paper to the edge: a scan, a PDF, a page photographed close
    red, green, blue = ImageChops.difference(probe, Image.new("RGB", size, desk)).split()
    distance = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    sheet = distance.point(lambda v: 255 if v > SHEET_DESK_DISTANCE else 0)
    sheet = sheet.filter(ImageFilter.MinFilter(SHEET_SPECKS)).filter(ImageFilter.MaxFilter(SHEET_SPECKS))
    ends = _row_ends(sheet)
    if not ends:
        return None
    lefts = [(float(x), float(y)) for y, x, _ in ends]
    rights = [(float(x), float(y)) for y, _, x in ends]
    corners = (
        min(lefts, key=lambda p: p[0] + p[1]),
        min(lefts, key=lambda p: p[0] - p[1]),
        max(rights, key=lambda p: p[0] + p[1]),
        max(rights, key=lambda p: p[0] - p[1]),
    )
    width, height = size
    own = ((0, 0), (0, height - 1), (width - 1, height - 1), (width - 1, 0))
    fills = all(
        abs(x - ox) <= SHEET_FILLS * width and abs(y - oy) <= SHEET_FILLS * height
        for (x, y), (ox, oy) in zip(corners, own, strict=True)
    )
    if fills or not _convex(corners) or _area(corners) < SHEET_SMALLEST * width * height:
        return None
    if not _stands_out(grey, corners):
        return None
    return tuple((x / scale, y / scale) for x, y in corners)


def _stands_out(probe: Image.Image, corners: Sequence[Point]) -> bool:
    """Not the same paper in less light (a page lit unevenly, its dim part taken for the background)."""
    inside = Image.new("L", probe.size, 0)
    ImageDraw.Draw(inside).polygon(list(corners), fill=255)
    paper = ImageStat.Stat(probe, inside).median[0]
    around = ImageStat.Stat(probe, ImageOps.invert(inside)).median[0]
    return around <= SHEET_BACKGROUND * paper


def _area(quad: Sequence[Point]) -> float:
    """The shoelace formula."""
    pairs = zip(quad, [*quad[1:], quad[0]], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2


def _convex(quad: Sequence[Point]) -> bool:
    """Not a bow tie or a sliver."""
    turns = []
    for i, (x0, y0) in enumerate(quad):
        (x1, y1), (x2, y2) = quad[(i + 1) % 4], quad[(i + 2) % 4]
        turns.append((x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1))
    return all(t > 0 for t in turns) or all(t < 0 for t in turns)


def perspective(target: Sequence[Point], source: Sequence[Point]) -> tuple[float, ...]:
    """pillow's PERSPECTIVE coefficients carrying each `target` point to its `source` point: the homography through four
    pairs, by Gaussian elimination."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for column in range(8):
        pivot = max(range(column, 8), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for r in range(8):
            if r != column:
                factor = rows[r][column] / rows[column][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column], strict=True)]
    return tuple(rows[r][8] / rows[r][r] for r in range(8))


def flattened(picture: Image.Image) -> Image.Image:
    """In grey, sharpened again: the far part of the sheet is stretched and softened, and a table's rows would run
    together for the engine. The picture itself when the page fills it (a scan, a PDF)."""
    corners = sheet_corners(picture)
    grey = picture.convert("L")
    if corners is None:
        return grey
    upper_left, lower_left, lower_right, upper_right = corners
    width = round(max(math.dist(upper_left, upper_right), math.dist(lower_left, lower_right)))
    height = round(max(math.dist(upper_left, lower_left), math.dist(upper_right, lower_right)))
    out_x, out_y = width * SHEET_INSET, height * SHEET_INSET  # the sheet's edge falls just outside the page made
    made = ((-out_x, -out_y), (-out_x, height + out_y), (width + out_x, height + out_y), (width + out_x, -out_y))
    coefficients = perspective(made, corners)
    warped = grey.transform((width, height), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)
    return warped.filter(WARP_SHARPENING)


def upright(page: Image.Image, turn: int) -> Image.Image:
    return page.transpose(QUARTER_TURNS[turn]) if turn in QUARTER_TURNS else page


def _runs(flags: Sequence[bool], shortest: int) -> list[tuple[int, int]]:
    """(first, past the last) of each run of at least `shortest` true flags."""
    runs, start = [], None
    for n, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = n
        elif not flag and start is not None:
            if n - start >= shortest:
                runs.append((start, n))
            start = None
    return runs


def _medians(probe: Image.Image, *, rows: bool) -> list[int]:
    """The median grey of each row (or column) of a small copy."""
    data = list(probe.getdata())
    width, height = probe.size
    lines = (
        [data[y * width : (y + 1) * width] for y in range(height)] if rows else [data[x::width] for x in range(width)]
    )
    return [sorted(line)[len(line) // 2] for line in lines]


def light_on_dark(grey: Image.Image) -> Image.Image:
    """Light text on a dark band (an issuer's name in white on its colour, as headers print it) made dark on white,
    as the engine reads it, its strokes' soft edges kept (text cut out hard is dropped by Tesseract's layout
    analysis). A dark stretch whose text is darker still (paper in a shadow) is left to `evenly_lit`."""
    scale = BAND_PROBE / grey.width
    probe = grey.resize((BAND_PROBE, max(1, round(grey.height * scale))), Image.Resampling.BOX)
    paper = ImageStat.Stat(probe).median[0]
    dark = [median < BAND_DARK * paper for median in _medians(probe, rows=True)]
    page = grey
    for top, bottom in _runs(dark, max(1, round(BAND_SHORTEST * probe.height))):
        band = probe.crop((0, top, probe.width, bottom))
        columns = _runs([median < BAND_DARK * paper for median in _medians(band, rows=False)], 1)
        left, right = columns[0][0], columns[-1][1]
        box = (round(left / scale), round(top / scale), round(right / scale), round(bottom / scale))
        region = np.asarray(grey.crop(box))
        if _light_text(region):
            page = page.copy() if page is grey else page
            page.paste(Image.fromarray(_inverted(region)), box[:2])
    return page


def _light_text(region: np.ndarray) -> bool:
    """More strokes lighter than their surroundings than darker (a stroke told from the light falling off across the
    region by its own background: the median round it)."""
    residual = region.astype(np.int16) - cv2.medianBlur(region, BAND_TEXT_SPAN)
    return int((residual > BAND_INK).sum()) > int((residual < -BAND_INK).sum())


def _inverted(region: np.ndarray) -> np.ndarray:
    """The band's colour (its median) made white and its text's (its lightest strokes) black, linearly between, then
    softened: stretching the band's narrow range of grey sharpens its strokes' edges, and Tesseract drops some such
    text (「四国」 of 四国電力's header)."""
    background, text = float(np.median(region)), float(np.percentile(region, BAND_TEXT_SHARE))
    levels = np.clip((text - region.astype(np.float32)) * 255 / max(text - background, 1.0), 0, 255)
    return cv2.GaussianBlur(levels.astype(np.uint8), (0, 0), BAND_SOFTENING)


def evenly_lit(grey: Image.Image) -> Image.Image:
    """Each pixel divided by the paper's light round it: text under a phone's shadow, or where a photo's light falls
    off, as dark on as white a paper as the rest. The paper's light is a small copy of the page closed by a square
    wider than any stroke (the text taken away, the light kept), smoothed and brought back to the page's size."""
    pixels = np.asarray(grey)
    small = cv2.resize(pixels, None, fx=1 / LIGHT_BLOCK, fy=1 / LIGHT_BLOCK, interpolation=cv2.INTER_AREA)
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (LIGHT_SPAN, LIGHT_SPAN))
    closed = cv2.blur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, square), (LIGHT_SPAN, LIGHT_SPAN))
    light = cv2.resize(closed, grey.size, interpolation=cv2.INTER_LINEAR)
    return Image.fromarray(cv2.divide(pixels, light, scale=255))


def _rules(ink: Image.Image, *, across: bool) -> Image.Image:
    """Where `ink` runs unbroken along rows (`across`) or columns for a rule's length (a table's rules): each such run
    whole, to its ends."""
    picture = ink if across else ink.transpose(Image.Transpose.TRANSPOSE)
    step = (RULE_ACROSS if across else RULE_DOWN) // 2
    solid = picture.resize((max(1, picture.width // step), picture.height), Image.Resampling.BOX)
    found = Image.new("L", picture.size, 0)
    for y in range(picture.height):
        blocks = solid.crop((0, y, solid.width, y + 1)).tobytes()
        if max(blocks) < RULE_SOLID:
            continue
        row = picture.crop((0, y, picture.width, y + 1)).tobytes()
        for start, end in _runs([level > 0 for level in row], 2 * step):
            found.paste(255, (start, y, end, y + 1))
    return found if across else found.transpose(Image.Transpose.TRANSPOSE)


def without_rules(grey: Image.Image) -> Image.Image:
    """A table's ruled lines whitened, a blurred one's fringe too: the engine takes a box's sides for text, or drops
    the text beside them."""
    ink = grey.point(lambda level: 255 if level < RULE_INK else 0)
    rules = ImageChops.lighter(_rules(ink, across=True), _rules(ink, across=False))
    return Image.composite(Image.new("L", grey.size, 255), grey, rules.filter(ImageFilter.MaxFilter(RULE_FRINGE)))


def normalised(picture: Image.Image, orientation: Callable[[Image.Image], int]) -> Image.Image:
    """`orientation`: the engine's degrees clockwise that make the text upright."""
    grey = _reading_size(flattened(picture))
    grey = upright(grey, orientation(grey))
    angle = skew_angle(grey)
    if abs(angle) >= SKEW_FINE:
        grey = grey.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return ImageOps.autocontrast(without_rules(evenly_lit(light_on_dark(grey))), cutoff=1)


def jpeg(page: Image.Image) -> bytes:
    out = io.BytesIO()
    page.save(out, "JPEG", quality=80)
    return out.getvalue()
