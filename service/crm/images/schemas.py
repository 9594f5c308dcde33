"""明細画像 (§2.6) bodies."""

from datetime import datetime

from pydantic import AliasPath, BaseModel, ConfigDict, Field


class ImageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int
    site_id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    uploaded_at: datetime
    # pending, done or failed (service/crm/ocr/reading.py); None: not read (uploaded while OCR was unavailable)
    ocr_status: str | None = Field(default=None, validation_alias=AliasPath("ocr_result", "status"))


class ImageLink(BaseModel):
    site_id: int | None = Field(default=None, ge=1)
