"""OCR bodies: the engine's state, an image's proposals, OCR確認履歴's rows and OCR採用率."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from service.figures import FigureRead


class OcrEngineRead(BaseModel):
    """Whether statement images are read by OCR here: the engine configured, its version, and if not, why."""

    engine: str
    version: str | None
    available: bool
    message: str


class OcrProposal(BaseModel):
    """A value proposed for a site field: its confidence (0–1), its box on the page read, each character with its
    confidence (those below `OcrRead.low_confidence` are the ones to look at)."""

    field: str
    label: str
    value: str | int
    confidence: float
    box: list[int]
    chars: list[tuple[str, float]]


class OcrWithheld(BaseModel):
    """A value found after its label that broke its field's rule: not proposed."""

    field: str
    label: str
    read: str
    rule: str


class OcrRead(BaseModel):
    """An image's OCR: its status (None: never read), the engine that read it and when, the text, the proposals in
    the form's order and what was withheld."""

    image_id: int
    status: str | None
    status_label: str
    message: str = ""
    engine: str | None = None
    version: str | None = None
    read_at: datetime | None = None
    text: str = ""
    page_size: list[int] = Field(default_factory=list)
    proposals: list[OcrProposal] = Field(default_factory=list)
    withheld: list[OcrWithheld] = Field(default_factory=list)
    low_confidence: float


class OcrReviewItem(BaseModel):
    """A row of OCR確認履歴: what one save did with one OCR proposal (crm_ocr_review)."""

    id: int
    reviewed_at: datetime
    agency_id: int
    agency_name: str
    field: str
    field_label: str
    proposed: str
    saved: str
    accepted: bool
    accepted_label: str  # はい (saved as proposed) or いいえ (corrected): the list's 提案のまま採用
    confidence: float
    request_id: int | None
    site_id: int | None
    image_id: int | None
    reviewed_by_name: str | None


class OcrAcceptanceRow(BaseModel):
    """One agency's and one field's OCR採用率: the proposals reviewed, those saved as proposed, and the named figure
    (its list: OCR確認履歴 of that agency and field over the period); in the total, agency_id and field are those
    of the filter (None: every agency, every field)."""

    agency_id: int | None
    agency_name: str
    field: str | None
    field_label: str
    accepted: int
    reviewed: int
    figure: FigureRead


class OcrAcceptanceRead(BaseModel):
    """OCR採用率 per agency and field over a period of 確認日 (by agency code, then the form's field order), and
    their total (合計: the same share over all the rows' reviews)."""

    since: date | None
    until: date | None
    rows: list[OcrAcceptanceRow]
    total: OcrAcceptanceRow
