"""Firmware releases and their rollouts in waves (ファームウェア管理), and a terminal's update tasks."""

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlalchemy import func, select

from service import exports
from service.body_guard import upload_limit
from service.database import utcnow
from service.deps import DbSession
from service.fleet.dependencies import Admin, Operator, Reader, Scope, ScopedRollout, ScopedTerminal
from service.fleet.models import FirmwareRelease
from service.fleet.rollouts import csv_exports, firmware
from service.fleet.rollouts.schemas import (
    ReleaseNotes,
    ReleaseRead,
    ReleaseVersion,
    RolloutCreate,
    RolloutRead,
    Sha256,
    UpdateTaskRead,
)
from service.pagination import Page, Paging, page_of
from service.schemas import OneOf

router = APIRouter(prefix="/fleet", tags=["fleet"])


@router.get("/terminals/{terminal_id}/update-tasks", response_model=list[UpdateTaskRead])
def list_update_tasks(_: Reader, terminal: ScopedTerminal, db: DbSession) -> list:
    return firmware.terminal_tasks(db, terminal_id=terminal.id)


@router.get("/firmware/releases", response_model=Page[ReleaseRead])
def list_releases(_: Reader, db: DbSession, paging: Paging) -> Page:
    total = db.scalar(select(func.count()).select_from(FirmwareRelease)) or 0
    rows = db.scalars(
        select(FirmwareRelease).order_by(FirmwareRelease.id.desc()).offset(paging.offset).limit(paging.page_size)
    )
    return page_of([ReleaseRead.model_validate(r) for r in rows], total, paging)


@router.get("/firmware/releases/export", **exports.DOWNLOAD)
def export_releases(_: Reader) -> exports.Download:
    return exports.download(csv_exports.release_export(), "fleet_firmware_releases", "ファームウェア一覧")


@router.post("/firmware/releases", response_model=ReleaseRead, status_code=201)
@upload_limit("max_upload_bytes")
def upload_release(
    caller: Admin,
    db: DbSession,
    version: Annotated[ReleaseVersion, Form()],
    sha256: Annotated[Sha256, Form()],
    file: Annotated[UploadFile, File()],
    notes: Annotated[ReleaseNotes, Form()] = "",
) -> ReleaseRead:
    release = firmware.create_release(
        db,
        version=version,
        sha256=sha256,
        notes=notes,
        filename=file.filename or "firmware.bin",
        data=file.file.read(),
        actor=caller.actor,
        now=utcnow(),
    )
    return ReleaseRead.model_validate(release)


@router.get("/rollouts", response_model=Page[RolloutRead])
def list_rollouts(_: Reader, scope: Scope, db: DbSession, paging: Paging) -> Page:
    rows, total = firmware.list_rollouts(db, scope=scope, offset=paging.offset, limit=paging.page_size)
    return page_of([firmware.rollout_read(db, r) for r in rows], total, paging)


@router.get("/rollouts/export", **exports.DOWNLOAD)
def export_rollouts(_: Reader, scope: Scope) -> exports.Download:
    return exports.download(csv_exports.rollout_export(scope), "fleet_rollouts", "ロールアウト一覧")


@router.post("/rollouts", response_model=RolloutRead, status_code=201)
def create_rollout(body: RolloutCreate, caller: Admin, scope: Scope, db: DbSession) -> RolloutRead:
    return firmware.rollout_read(
        db, firmware.create_rollout(db, data=body, scope=scope, actor=caller.actor, now=utcnow())
    )


@router.get("/rollouts/{rollout_id:int}", response_model=RolloutRead)
def get_rollout(_: Reader, rollout: ScopedRollout, db: DbSession) -> RolloutRead:
    return firmware.rollout_read(db, rollout)


CHANGES = {
    "pause": firmware.pause,
    "resume": firmware.resume,
    "cancel": firmware.cancel,
}  # what a person does to a rollout


@router.post("/rollouts/{rollout_id}/{action}", response_model=RolloutRead)
def change_rollout(
    action: Annotated[str, OneOf(tuple(CHANGES))], caller: Operator, rollout: ScopedRollout, db: DbSession
) -> RolloutRead:
    change = CHANGES[action]
    return firmware.rollout_read(db, change(db, rollout=rollout, actor=caller.actor, now=utcnow()))
