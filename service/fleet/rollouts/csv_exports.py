"""The rollout and firmware release lists as CSV downloads (service/exports.py), with the columns the lists
show."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service import fields
from service.exports import ListExport, declared, entities, field
from service.fleet.csv_columns import CUSTOMER
from service.fleet.models import FirmwareRelease, Rollout
from service.fleet.rollouts import firmware
from service.fleet.rollouts.schemas import RolloutRead
from service.sheets import Column
from service.tenancy import TenantScope, scoped

SEVERAL_CUSTOMERS = "複数の顧客"


def _wave_total(part: str) -> Any:
    return lambda rollout: sum(getattr(wave, part) for wave in rollout.waves)


def _waves(rollout: RolloutRead) -> str:
    """The waves' cumulative percentages as chosen: 1, 10, 100."""
    return ", ".join(f"{wave.percent:g}" for wave in rollout.waves)


ROLLOUT_COLUMNS = (
    field("ID", "id"),
    field(fields.facts(FirmwareRelease.version).label, "version"),  # its release's
    Column(CUSTOMER.header, lambda rollout: rollout.company_name or SEVERAL_CUSTOMERS),
    declared(Rollout.status),
    Column("現在の波", lambda rollout: f"{rollout.current_wave} / {len(rollout.waves)}"),
    Column("成功", _wave_total("succeeded")),
    Column("失敗", _wave_total("failed")),
    Column("対象台数", _wave_total("total")),
    field("作成者", "created_by"),
    field("作成日時", "created_at"),
    field("完了日時", "finished_at"),
    Column(fields.facts(Rollout.waves).label, _waves),
    declared(Rollout.failure_threshold_pct),
    declared(Rollout.timeout_minutes),
)
RELEASE_COLUMNS = (
    field("ID", "id"),
    declared(FirmwareRelease.version),
    declared(FirmwareRelease.filename),
    declared(FirmwareRelease.size),
    declared(FirmwareRelease.sha256),
    declared(FirmwareRelease.notes),
    field("登録者", "created_by"),
    field("登録日時", "created_at"),
)


def _rollout_reads(db: Session, rows: Sequence[Row]) -> list[RolloutRead]:
    return [firmware.rollout_read(db, row[0]) for row in rows]


def rollout_export(scope: TenantScope) -> ListExport:
    """Newest first, as the list, with each rollout's progress summed over its waves."""
    return ListExport(
        scoped(select(Rollout), scope, Rollout.customer_id), (Rollout.id.desc(),), ROLLOUT_COLUMNS, _rollout_reads
    )


def release_export() -> ListExport:
    return ListExport(select(FirmwareRelease), (FirmwareRelease.id.desc(),), RELEASE_COLUMNS, entities)
