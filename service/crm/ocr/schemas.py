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
    the form's order and what was withheld, and the issuer's name as its header reads (a new-power company's is
    proposed as 電力会社 その他)."""

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
    issuer: str | None = None
    low_confidence: float


class OcrReviewItem(BaseModel):
    """A row of OCR確認履歴: what one save did with one field of the form OCR reads (crm_ocr_review): kept as
    proposed, corrected, or typed where nothing was proposed (`proposed` and `confidence` None)."""

    id: int
    reviewed_at: datetime
    agency_id: int
    agency_name: str
    field: str
    field_label: str
    proposed: str | None
    saved: str
    outcome: str  # accepted, corrected or typed
    outcome_label: str  # the list's 結果
    accepted: bool
    accepted_label: str  # はい (saved as proposed) or いいえ (corrected, typed): the list's 提案のまま採用
    confidence: float | None
    request_id: int | None
    site_id: int | None
    image_id: int | None
    reviewed_by_name: str | None


class OcrBillItem(BaseModel):
    """A row of OCR確認履歴（請求書ごと）: a site saved from a bill OCR read, its fields' reviews together: how many,
    kept, corrected and typed, and whether it was saved without a keystroke (手入力なし)."""

    reviewed_at: datetime
    agency_id: int
    agency_name: str
    request_id: int | None
    site_id: int | None
    image_id: int | None
    reviewed: int
    accepted: int
    corrected: int
    typed: int
    hands_free: bool
    hands_free_label: str  # はい or いいえ: the list's 手入力なし
    reviewed_by_name: str | None


class OcrAcceptanceRow(BaseModel):
    """One agency's and one field's OCR採用率: the fields reviewed (proposed, or typed where nothing was), those saved
    as proposed, and the named figure
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
    """OCR採用率 per agency and field over a period of 確認日 (by agency code, then the form's field order), their
    total (合計: the same share over all the rows' reviews), and 手入力なしの請求書 over the same reviews' bills."""

    since: date | None
    until: date | None
    rows: list[OcrAcceptanceRow]
    total: OcrAcceptanceRow
    hands_free: FigureRead
