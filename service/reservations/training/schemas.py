"""Response bodies of the manuals."""

from pydantic import BaseModel


class ManualSummary(BaseModel):
    name: str
    title: str
    audience: str
    audience_label: str  # ご依頼者向け, 提携店向け, 運営担当者向け


class ManualRead(ManualSummary):
    markdown: str
