"""On call (§2.3.1 オンコール対応 1名（輪番）): the rotation by week or by day, the overrides (代番), and who is on
duty.

A shift is a day from 9:00 (business_hours.OPENS) to the next day's 9:00, so a night belongs to the day before it. An
override names the member who covers its days instead. Changes are audited."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.errors import Conflict, ValidationFailed
from service.identity.models import Grant, User
from service.reservations import auditing, business_hours, labels
from service.reservations.kinds import OnCallPeriod
from service.reservations.messages import DOMAIN
from service.reservations.models import OnCallMember, OnCallOverride, OnCallRotation
from service.reservations.oncall.schemas import OnCallOverrideCreate, OnCallRotationIn

ON_CALL_ROLE = "operator"  # 運営担当者
UPCOMING_DAYS = 14
AHEAD_DAYS = 92


@dataclass(frozen=True)
class Duty:
    shift_day: date
    member: OnCallMember
    override: OnCallOverride | None

    @property
    def source(self) -> str:
        return "rotation" if self.override is None else "override"


def rotation(db: Session) -> OnCallRotation | None:
    return db.scalar(select(OnCallRotation).order_by(OnCallRotation.id).limit(1))


def shift_day(at: datetime) -> date:
    """Before 9:00 it is still the day before's."""
    local = at.astimezone(business_hours.zone())
    return local.date() if local.time() >= business_hours.OPENS else local.date() - timedelta(days=1)


def _overrides(db: Session, first: date, last: date) -> list[OnCallOverride]:
    stmt = select(OnCallOverride).where(OnCallOverride.end_date >= first, OnCallOverride.start_date <= last)
    return list(db.scalars(stmt.order_by(OnCallOverride.start_date, OnCallOverride.id)))


def _member(team: OnCallRotation, user_id: int) -> OnCallMember | None:
    return next((member for member in team.members if member.user_id == user_id), None)


def _duty(team: OnCallRotation, day: date, overrides: list[OnCallOverride]) -> Duty:
    override = next((o for o in overrides if o.start_date <= day <= o.end_date), None)
    covering = _member(team, override.user_id) if override is not None else None
    if override is not None and covering is not None:
        return Duty(day, covering, override)
    turn = (day - team.starts_on).days // OnCallPeriod.of(team.period).days
    return Duty(day, team.members[turn % len(team.members)], None)


def on_duty(db: Session, at: datetime) -> Duty | None:
    """None without a rotation."""
    team = rotation(db)
    if team is None or not team.members:
        return None
    day = shift_day(at)
    return _duty(team, day, _overrides(db, day, day))


def upcoming(db: Session, now: datetime, days: int = UPCOMING_DAYS) -> list[Duty]:
    team = rotation(db)
    if team is None or not team.members:
        return []
    first = shift_day(now)
    overrides = _overrides(db, first, first + timedelta(days=days - 1))
    return [_duty(team, first + timedelta(days=offset), overrides) for offset in range(days)]


def chain(db: Session, first_user_id: int) -> list[OnCallMember]:
    """Them, then the rest of the rotation in its order (Grafana OnCall's escalation chain through the schedule)."""
    team = rotation(db)
    if team is None:
        return []
    members = list(team.members)
    start = next((index for index, member in enumerate(members) if member.user_id == first_user_id), None)
    if start is None:
        return members
    return members[start:] + members[:start]


def holidays_ahead(db: Session, now: datetime) -> list[Duty]:
    """The team is on call all day then."""
    return [duty for duty in upcoming(db, now, AHEAD_DAYS) if business_hours.holiday_name(duty.shift_day)]


def holiday_shifts(db: Session, now: datetime) -> list[dict]:
    """Each with the override covering it: its note and who registered it (by name); empty for the rotation's."""
    return [
        shift_read(duty)
        | {
            "override_note": duty.override.note if duty.override else "",
            "registered_by": duty.override.created_by if duty.override else "",
        }
        for duty in holidays_ahead(db, now)
    ]


OVERRIDE_ORDER = (OnCallOverride.start_date, OnCallOverride.id)


def override_query(now: datetime) -> Select:
    return select(OnCallOverride).where(OnCallOverride.end_date >= shift_day(now))


def current_overrides(db: Session, now: datetime) -> list[OnCallOverride]:
    return list(db.scalars(override_query(now).order_by(*OVERRIDE_ORDER)))


def operators(db: Session, user_ids: list[int]) -> dict[int, User]:
    """Another domain's or tenant's users are not."""
    rows = db.scalars(
        select(User)
        .join(Grant, Grant.user_id == User.id)
        .where(User.id.in_(user_ids), User.is_active, Grant.domain == DOMAIN, Grant.role == ON_CALL_ROLE)
    )
    return {user.id: user for user in rows}


def _member_words(member: OnCallMember) -> str:
    slack = f" @{member.slack_user_id}" if member.slack_user_id else ""
    return f"{member.user.name}（{member.phone}{slack}）"


def _rotation_snapshot(team: OnCallRotation | None) -> dict | None:
    if team is None:
        return None
    members = [_member_words(member) for member in team.members]
    return {"period": team.period, "starts_on": team.starts_on, "members": members}


def set_rotation(db: Session, *, data: OnCallRotationIn, actor: Actor, now: datetime) -> OnCallRotation:
    user_ids = [member.user_id for member in data.members]
    if len(set(user_ids)) != len(user_ids):
        raise ValidationFailed(labels.ONCALL_DUPLICATE, details={"field": "members", "rule": "unique_member"})
    known = operators(db, user_ids)
    for index, user_id in enumerate(user_ids):
        if user_id not in known:
            raise ValidationFailed(
                labels.ONCALL_NOT_OPERATOR,
                details={"field": "members", "index": index, "user_id": user_id, "rule": "reservations_operator"},
            )
    team = rotation(db)
    _check_overrides_kept(db, set(user_ids), now)
    before = _rotation_snapshot(team)
    if team is None:
        team = OnCallRotation(period=data.period, starts_on=data.starts_on)
        db.add(team)
    team.period, team.starts_on, team.updated_at = data.period, data.starts_on, now
    team.members.clear()
    db.flush()
    team.members.extend(
        OnCallMember(
            position=index, user_id=m.user_id, phone=m.phone, slack_user_id=m.slack_user_id, user=known[m.user_id]
        )
        for index, m in enumerate(data.members)
    )
    db.flush()
    auditing.record(
        db, actor, "set_oncall_rotation", ("oncall_rotation", team.id), before, _rotation_snapshot(team), now
    )
    return team


def _check_overrides_kept(db: Session, kept: set[int], now: datetime) -> None:
    """It names them."""
    for override in current_overrides(db, now):
        if override.user_id not in kept:
            raise Conflict(
                labels.MEMBER_HAS_OVERRIDE.format(
                    name=override.user.name, start=_day(override.start_date), end=_day(override.end_date)
                ),
                code="member_has_override",
                details={"override_id": override.id, "user_id": override.user_id},
            )


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def add_override(db: Session, *, data: OnCallOverrideCreate, actor: Actor, now: datetime) -> OnCallOverride:
    """Refused when it overlaps another override."""
    if data.end_date < data.start_date:
        raise ValidationFailed(labels.OVERRIDE_ORDER, details={"field": "end_date", "rule": "after_start_date"})
    team = rotation(db)
    if team is None or _member(team, data.user_id) is None:
        raise ValidationFailed(labels.ONCALL_NOT_MEMBER, details={"field": "user_id", "rule": "oncall_member"})
    overlapping = _overrides(db, data.start_date, data.end_date)
    if overlapping:
        other = overlapping[0]
        raise Conflict(
            labels.OVERRIDE_OVERLAP.format(
                name=other.user.name, start=_day(other.start_date), end=_day(other.end_date)
            ),
            code="override_overlaps",
            details={"override_id": other.id},
        )
    override = OnCallOverride(**data.model_dump(), created_by=actor.label[:100], created_at=now)
    db.add(override)
    db.flush()
    auditing.record(
        db, actor, "create_oncall_override", ("oncall_override", override.id), None, _override(override), now
    )
    return override


def _override(override: OnCallOverride) -> dict:
    return {
        "user_id": override.user_id,
        "start_date": override.start_date,
        "end_date": override.end_date,
        "note": override.note,
    }


def delete_override(db: Session, *, override: OnCallOverride, actor: Actor, now: datetime) -> None:
    auditing.record(
        db, actor, "delete_oncall_override", ("oncall_override", override.id), _override(override), None, now
    )
    db.delete(override)


def duty_read(duty: Duty | None, at: datetime) -> dict:
    working = business_hours.in_hours(at)
    local_day = at.astimezone(business_hours.zone()).date()
    shown = {
        "at": at,
        "business_hours": working,
        "hours_label": labels.IN_HOURS if working else labels.OUT_OF_HOURS,
        "holiday_name": business_hours.holiday_name(local_day),
    }
    return shown | (_duty_fields(duty) if duty is not None else {"shift_day": shift_day(at)} | NOBODY)


NOBODY = {"user_id": None, "name": None, "phone": None, "source": None, "source_label": None}


def _duty_fields(duty: Duty) -> dict:
    return {
        "shift_day": duty.shift_day,
        "user_id": duty.member.user_id,
        "name": duty.member.user.name,
        "phone": duty.member.phone,
        "source": duty.source,
        "source_label": labels.ONCALL_SOURCES[duty.source],
    }


def schedule_read(db: Session, now: datetime) -> dict:
    team = rotation(db)
    return {
        "rotation": None if team is None else rotation_read(team),
        "overrides": [override_read(override) for override in current_overrides(db, now)],
        "now": duty_read(on_duty(db, now), now),
        "upcoming": [shift_read(duty) for duty in upcoming(db, now)],
        "holidays": holiday_shifts(db, now),
        "business_hours": business_hours.hours_text(),
        "handoff": business_hours.clock_text(business_hours.OPENS),
    }


def rotation_read(team: OnCallRotation) -> dict:
    return {
        "period": team.period,
        "period_label": labels.ONCALL_PERIODS[team.period],
        "starts_on": team.starts_on,
        "updated_at": team.updated_at,
        "members": [
            {"user_id": m.user_id, "name": m.user.name, "phone": m.phone, "slack_user_id": m.slack_user_id}
            for m in team.members
        ],
    }


def override_read(override: OnCallOverride) -> dict:
    return {
        "id": override.id,
        "user_id": override.user_id,
        "name": override.user.name,
        "start_date": override.start_date,
        "end_date": override.end_date,
        "note": override.note,
        "created_by": override.created_by,
        "created_at": override.created_at,
    }


def shift_read(duty: Duty) -> dict:
    working, holiday = business_hours.is_working_day(duty.shift_day), business_hours.holiday_name(duty.shift_day)
    return {
        "shift_day": duty.shift_day,
        "working_day": working,
        "holiday_name": holiday,
        "day_label": labels.WORKING_DAY if working else holiday or labels.DAY_OFF,
        **_duty_fields(duty),
    }
