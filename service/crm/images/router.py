"""明細画像 (§2.6): statement images uploaded to a request, served (as uploaded, or a thumbnail), linked to a site or
removed. An upload's files are checked from their headers before anything is stored (crm/storage.py)."""

from typing import Annotated

from fastapi import File, UploadFile
from fastapi.responses import Response

from service.body_guard import upload_limit
from service.config import get_settings
from service.crm import storage
from service.crm.dependencies import AnyRole, BackOffice, Scope, ScopedImage, ScopedRequest
from service.crm.images import service as images
from service.crm.images.schemas import ImageLink, ImageRead
from service.crm.routing import acting, feature_router
from service.crm.storage import CheckedUpload
from service.database import utcnow
from service.deps import DbSession
from service.openapi import media

router = feature_router()


def checked_uploads(files: list[UploadFile] | None) -> list[CheckedUpload]:
    """The files a form sent (empty file inputs left out), counted and checked before any is stored."""
    settings = get_settings()
    files = [f for f in files or [] if f.filename or f.size]
    images.check_count(len(files), limit=settings.crm_max_images_per_upload)
    return storage.check_uploads([(f.filename, f.file.read(settings.crm_max_image_bytes + 1)) for f in files])


@router.post("/requests/{request_id}/images", response_model=list[ImageRead], status_code=201)
@upload_limit("crm_max_upload_bytes")
def upload_images(
    caller: AnyRole, request: ScopedRequest, db: DbSession, files: Annotated[list[UploadFile], File(alias="images")]
) -> list:
    """More statement images for the request (the sales side while it is open)."""
    uploads = checked_uploads(files)
    return [
        ImageRead.model_validate(i)
        for i in images.add_images(db, request=request, uploads=uploads, by=acting(caller), now=utcnow())
    ]


def _file(relative: str, media_type: str, filename: str) -> Response:
    headers = {
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": storage.content_disposition(media_type, filename),
    }
    return Response(storage.path_of(relative).read_bytes(), media_type=media_type, headers=headers)


@router.get("/images/{image_id}/file", **media("image/jpeg", "image/png", "application/pdf"))
def image_file(_: AnyRole, image: ScopedImage) -> Response:
    """The statement image as uploaded (for the zoomable preview)."""
    return _file(image.stored_path, image.content_type, image.file_name)


@router.get("/images/{image_id}/thumbnail", **media("image/jpeg"))
def image_thumbnail(_: AnyRole, image: ScopedImage) -> Response:
    return _file(image.thumbnail_path, "image/jpeg", f"thumb_{image.id}.jpg")


@router.patch("/images/{image_id}", response_model=ImageRead)
def link_image(body: ImageLink, caller: BackOffice, scope: Scope, image: ScopedImage, db: DbSession) -> ImageRead:
    """明細画像と地点を紐づけ (site_id null unlinks)."""
    return ImageRead.model_validate(
        images.link_image(db, image=image, site_id=body.site_id, scope=scope, by=acting(caller))
    )


@router.delete("/images/{image_id}", status_code=204)
def delete_image(caller: AnyRole, image: ScopedImage, db: DbSession) -> None:
    images.delete_image(db, image=image, by=acting(caller))
