"""Statement images as files under APP_CRM_STORAGE_DIR.

An upload's files are checked from their headers first (size, type, pixels, all its pictures' pixels together); only
then are the pictures decoded whole, in a child process. A file written in a transaction survives only if it commits;
files of deleted rows are removed only once the deletion commits."""

import hashlib
import io
import os
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from service.config import get_settings
from service.crm.models import Image
from service.errors import NotFound, ValidationFailed
from service.pictures import headers

JPEG, PNG, PDF = headers.JPEG, headers.PNG, "application/pdf"
PDF_MAGIC = b"%PDF-"
TYPES = "JPEG・PNG・HEIC・PDF"
INLINE = {JPEG, PNG}
PENDING = "crm_files_written"
DOOMED = "crm_files_doomed"
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True)
class CheckedUpload:
    file_name: str
    data: bytes
    content_type: str
    extension: str
    width: int | None
    height: int | None
    thumbnail: bytes | None = None  # a PDF's placeholder is drawn on storing

    @property
    def pixels(self) -> int:
        """0 for a PDF."""
        return (self.width or 0) * (self.height or 0)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _reject(field: str, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"field": field, "rule": rule})


def check_uploads(files: list[tuple[str | None, bytes]]) -> list[CheckedUpload]:
    """Before anything is stored; a 422 names the first bad one."""
    settings = get_settings()
    uploads = [_check_file(name, data, field=f"images[{i}]") for i, (name, data) in enumerate(files)]
    pictures = [(i, upload) for i, upload in enumerate(uploads) if upload.width is not None]
    if not pictures:
        return uploads
    _check_pixels(sum(upload.pixels for _, upload in pictures), settings.crm_max_pixels_per_upload)
    from service.pictures import decoding  # with Pillow: imported by the first upload, not with the app

    decoded = decoding.decode_in_child([upload.data for _, upload in pictures], size=settings.crm_thumbnail_px)
    for (i, upload), (thumbnail, converted) in zip(pictures, decoded, strict=True):
        if thumbnail is None:
            raise _reject(f"images[{i}]", "image_corrupt", f"{upload.file_name}: 画像が壊れているか読み取れません")
        uploads[i] = replace(upload, thumbnail=thumbnail)
        if converted is not None:
            name = f"{os.path.splitext(upload.file_name)[0] or 'image'}.jpg"
            uploads[i] = replace(uploads[i], file_name=name, data=converted, content_type=JPEG, extension="jpg")
    return uploads


def _check_pixels(total: int, limit: int) -> None:
    if total > limit:
        raise ValidationFailed(
            f"一度にアップロードできる画像の画素数は合計{limit:,}画素までです（{total:,}画素）。分けてアップロードしてください",
            details={"field": "images", "rule": "max_pixels_per_upload", "limit": limit, "pixels": total},
        )


def _check_file(file_name: str | None, data: bytes, *, field: str) -> CheckedUpload:
    """Type by magic bytes (JPEG, PNG, HEIC/HEIF or PDF)."""
    settings = get_settings()
    name = UNSAFE_NAME.sub("_", os.path.basename(file_name or "")).strip()[:200] or "image"
    if not data:
        raise _reject(field, "image_empty", f"{name}: ファイルが空です")
    if len(data) > settings.crm_max_image_bytes:
        limit_mb = settings.crm_max_image_bytes / (1024 * 1024)
        raise _reject(field, "image_max_bytes", f"{name}: 画像は{limit_mb:g}MBまでです")
    kind = _kind(data)
    if kind is None:
        raise _reject(field, "image_type", f"{name}: {TYPES}のいずれかを選んでください")
    content_type, extension, pil_format = kind
    if pil_format is None:
        _check_pdf(data, name=name, field=field)
        return CheckedUpload(name, data, content_type, extension, None, None)
    width, height = _picture_size(data, pil_format, name=name, field=field, max_pixels=settings.crm_max_image_pixels)
    return CheckedUpload(name, data, content_type, extension, width, height)


def _kind(data: bytes) -> tuple[str, str, str | None] | None:
    """None for a PDF's format; None for any other kind."""
    return (PDF, "pdf", None) if data.startswith(PDF_MAGIC) else headers.picture_kind(data)


def _check_pdf(data: bytes, *, name: str, field: str) -> None:
    """Whole, readable without a password, free of JavaScript, OpenAction, Launch and embedded files. pypdf is imported
    by the first PDF uploaded."""
    from service.crm import pdf_content

    corrupt = _reject(field, "image_corrupt", f"{name}: PDFが壊れているか途中までしかありません")
    if b"%%EOF" not in data[-2048:]:
        raise corrupt
    try:
        found = pdf_content.active_content(data)
    except pdf_content.UnreadablePdf as exc:
        raise corrupt from exc
    except pdf_content.EncryptedPdf as exc:
        raise _reject(field, "pdf_encrypted", f"{name}: パスワード付きのPDFはアップロードできません") from exc
    if found:
        kinds = "・".join(pdf_content.LABELS[kind] for kind in found)
        raise ValidationFailed(
            f"{name}: {kinds}を含むPDFは安全のためアップロードできません",
            details={"field": field, "rule": "pdf_active_content", "found": found},
        )


def content_disposition(content_type: str, file_name: str) -> str:
    """A PDF is only ever downloaded, never opened in the API's origin."""
    kind = "inline" if content_type in INLINE else "attachment"
    return f"{kind}; filename*=UTF-8''{quote(file_name)}"


def _picture_size(data: bytes, pil_format: str, *, name: str, field: str, max_pixels: int) -> tuple[int, int]:
    """Nothing decoded."""
    try:
        width, height = headers.picture_size(data, pil_format)
    except headers.NotItsFormat as exc:
        raise _reject(field, "image_type", f"{name}: ファイルの中身が拡張子と一致しません") from exc
    except headers.UnreadableHeader as exc:
        raise _reject(field, "image_corrupt", f"{name}: 画像が壊れているか読み取れません") from exc
    if width * height > max_pixels:
        raise _reject(field, "image_max_pixels", f"{name}: 画像の画素数が大きすぎます")
    return width, height


def root() -> Path:
    return get_settings().crm_storage_root


def path_of(relative: str) -> Path:
    """Never outside the storage root."""
    base = root().resolve()
    target = (base / relative).resolve()
    if base not in target.parents or not target.is_file():
        raise NotFound("画像ファイルが見つかりません", code="image_file_missing")
    return target


def _write(db: Session, relative: str, data: bytes) -> None:
    target = root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_bytes(data)
    db.info.setdefault(PENDING, []).append(target)
    os.replace(temporary, target)


def store(
    db: Session, upload: CheckedUpload, *, agency_id: int, request_id: int, thumbnail: bytes | None = None
) -> tuple[str, str]:
    """Paths relative to the storage root."""
    stem = f"{agency_id}/{request_id}/{uuid.uuid4().hex}"
    original, thumbnail_path = f"{stem}.{upload.extension}", f"{stem}.thumb.jpg"
    _write(db, original, upload.data)
    _write(db, thumbnail_path, thumbnail or make_thumbnail(upload))
    return original, thumbnail_path


def store_page(db: Session, image: Image, data: bytes) -> str:
    relative = f"{os.path.splitext(image.stored_path)[0]}.ocr.jpg"
    _write(db, relative, data)
    return relative


def make_thumbnail(upload: CheckedUpload) -> bytes:
    """Decoded in this process; a labelled placeholder for a PDF."""
    from PIL import Image as PilImage
    from PIL import ImageDraw

    from service.pictures import thumbnails

    size = get_settings().crm_thumbnail_px
    if upload.content_type != PDF:
        with PilImage.open(io.BytesIO(upload.data)) as opened:
            return thumbnails.thumbnail_of(opened, size)
    picture = PilImage.new("RGB", (size * 3 // 4, size), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((4, 4, picture.width - 5, picture.height - 5), outline="#b00020", width=3)
    draw.text((picture.width // 2, picture.height // 2), "PDF", fill="#b00020", anchor="mm", font_size=size // 6)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def remove_after_commit(db: Session, *relatives: str) -> None:
    db.info.setdefault(DOOMED, []).extend(root() / r for r in relatives)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(PENDING, None)
    _unlink(session.info.pop(DOOMED, []))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        _unlink(session.info.pop(PENDING, []))
        session.info.pop(DOOMED, None)


def sweep_orphans(db: Session, *, older_than: datetime) -> int:
    """Leftovers of a process that died mid-upload. One request folder at a time, so memory stays small at any size."""
    base = root()
    removed = 0
    if not base.is_dir():
        return 0
    cutoff = older_than.timestamp()
    for folder in sorted(p for p in base.glob("*/*") if p.is_dir()):
        request_id = int(folder.name) if folder.name.isdigit() else None
        known = set()
        if request_id is not None:
            rows = db.execute(
                select(Image.stored_path, Image.thumbnail_path, Image.ocr_page_path).where(
                    Image.request_id == request_id
                )
            )
            known = {path for row in rows for path in row if path}
        for path in folder.iterdir():
            relative = path.relative_to(base).as_posix()
            if path.is_file() and relative not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
