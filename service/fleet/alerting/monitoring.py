"""Fleet-wide monitoring: ingest-gap detection and the stall alert, the offline sweep, customer incidents and the alert
email digest."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, aliased

from service.config import get_settings
from service.dialect import epoch, insert, insert_rows, local_text
from service.fleet import labels, links, schedules
from service.fleet.alerting.alerts import (
    ACKNOWLEDGED,
    ALERT_PLACE,
    OPEN,
    RESOLVED,
    SYSTEM_LABEL,
    WORKER_ROLES,
    NewAlert,
    open_alerts,
    resolve_alerts,
    with_places,
)
from service.fleet.alerting.incidents import incident_stores
from service.fleet.kinds import AlertKind
from service.fleet.models import Alert, Customer, Digest, FleetState, Incident, Terminal, fleet_state
from service.fleet.schedules import LOCAL_MINUTE, local_minute
from service.identity.models import Grant, User
from service.outbox import content
from service.outbox.service import enqueue

INGEST_MARK_SECONDS = 5
ALIVE = ("online", "error")
STORE_MIN_TERMINALS = 2  # a store of one terminal gets that terminal's own alert
Rows: TypeAlias = Sequence[Row[*tuple[Any, ...]]]  # rows of alert or incident columns


def offline_threshold(settings=None) -> timedelta:
    settings = settings or get_settings()
    return terminal_offline_threshold(settings.fleet_heartbeat_interval_seconds, settings)


def terminal_offline_threshold(interval_seconds: int, settings=None) -> timedelta:
    """Its own interval plus the grace, missed `fleet_offline_missed_intervals` times. The settings refuse a grace so
    short that the shortest threshold is within the ingest-gap window, so a stalled intake pauses the sweep first."""
    settings = settings or get_settings()
    missed = settings.fleet_offline_missed_intervals
    return timedelta(seconds=missed * (interval_seconds + settings.fleet_offline_grace_seconds))


def is_ingest_gap(db: Session, *, last_ingest_at: datetime | None, now: datetime) -> bool:
    """True when the silence is ours: so many live terminals cannot all be quiet."""
    settings = get_settings()
    if last_ingest_at is None:
        return False
    silence = (now - last_ingest_at).total_seconds()
    if silence < settings.fleet_ingest_gap_seconds:
        return False
    alive = db.scalar(select(func.count()).select_from(Terminal).where(Terminal.status.in_(ALIVE))) or 0
    expected = alive * silence / settings.fleet_heartbeat_interval_seconds
    return expected >= settings.fleet_ingest_gap_expected_heartbeats


def ingest_mark_due(*, now: datetime, last_ingest_at: datetime | None) -> bool:
    return last_ingest_at is None or now - last_ingest_at >= timedelta(seconds=INGEST_MARK_SECONDS)


def mark_ingest(db: Session, *, now: datetime, last_ingest_at: datetime | None) -> None:
    """The first after a gap starts a grace period."""
    if not ingest_mark_due(now=now, last_ingest_at=last_ingest_at):
        return
    fresh = timedelta(seconds=INGEST_MARK_SECONDS)
    values: dict = {"last_ingest_at": now}
    if is_ingest_gap(db, last_ingest_at=last_ingest_at, now=now):
        values["grace_until"] = now + offline_threshold()
    if last_ingest_at is None:
        insert_rows(db, FleetState, [{"id": 1}], ignore_conflicts=True)
    stale = or_(FleetState.last_ingest_at.is_(None), FleetState.last_ingest_at < now - fresh)
    db.execute(
        update(FleetState)
        .where(FleetState.id == 1, stale)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class SweepResult:
    marked_offline: int
    incidents: int
    skipped: str = ""
    realerted: int = 0  # terminals still offline after their alert was resolved, alerted again


def sweep_offline(db: Session, *, now: datetime) -> SweepResult:
    """Unless the service itself was deaf. A terminal whose stores are closed (or in a maintenance window) goes offline
    with its alert held until opening; a store whose terminals all went silent together gets one store alert."""
    state = fleet_state(db)
    stalled = is_ingest_gap(db, last_ingest_at=state.last_ingest_at, now=now)
    note_ingest_stall(db, state, stalled=stalled, now=now)
    if stalled:
        return SweepResult(0, 0, skipped="ingest_gap")
    if state.grace_until is not None and now < state.grace_until:
        return SweepResult(0, 0, skipped="grace_period")
    held = schedules.held_condition(db, now=now)
    gone = db.scalars(
        update(Terminal)
        .where(Terminal.status.in_(ALIVE), Terminal.offline_deadline_at < now)
        .values(
            status="offline",
            offline_since=now,
            usage_streaks={},
            offline_alert_held=held,
            offline_alert_at=case((held, None), else_=now),
        )
        .returning(Terminal.customer_id)
        .execution_options(synchronize_session=False)
    ).all()
    released = db.scalars(
        update(Terminal)
        .where(Terminal.offline_alert_held, ~held)
        .values(offline_alert_held=False, offline_alert_at=case((Terminal.status == "offline", now)))
        .returning(Terminal.customer_id)
        .execution_options(synchronize_session=False)
    ).all()
    _resolve_store_alerts(db, now=now)
    unattended = db.scalars(
        UNATTENDED_OUTAGES.values(offline_alert_at=now).returning(Terminal.customer_id),
        {"now": now},
    ).all()
    if not gone and not released and not unattended:
        return SweepResult(0, 0)
    outages = outage_customers(db, customer_ids=set(gone) | set(released) | set(unattended), now=now)
    _fold_store_alerts(db, customer_ids=outages, now=now)
    stores = _open_store_alerts(db, now=now, excluding=outages)
    _open_offline_alerts(db, now=now, excluding=stores)
    incidents = sum(_gather_incident(db, customer_id=c, size=size, now=now) for c, size in outages.items())
    return SweepResult(len(gone), incidents, realerted=len(unattended))


def _unattended_outages():
    """Terminals still offline whose alert was resolved meanwhile and no open store alert speaks for: their alert is due
    again, so an outage never leaves the list. Built once, as STORE_ALERTS_BACK."""
    own_alert = (
        select(Alert.id)
        .where(Alert.terminal_id == Terminal.id, Alert.alert_type == AlertKind.OFFLINE, Alert.status != RESOLVED)
        .exists()
    )
    holder = aliased(Terminal)
    store_alert = (
        select(Alert.id)
        .join(holder, holder.id == Alert.terminal_id)
        .where(
            holder.customer_id == Terminal.customer_id,
            holder.store == Terminal.store,
            Alert.alert_type == AlertKind.STORE_OFFLINE,
            Alert.status != RESOLVED,
        )
        .exists()
    )
    return (
        update(Terminal)
        .where(
            Terminal.status == "offline",
            ~Terminal.offline_alert_held,
            Terminal.offline_alert_at < bindparam("now"),
            ~own_alert,
            ~store_alert,
        )
        .execution_options(synchronize_session=False)
    )


UNATTENDED_OUTAGES = _unattended_outages()


# --- the ingest stall: a platform alert ----------------------------------------------------


@dataclass(frozen=True)
class IngestStatus:
    last_heartbeat_at: datetime | None
    silence_seconds: float | None
    stalled: bool
    heartbeats_expected: bool = True  # false while `make run`'s demo agents are off (APP_DEMO_AGENTS=0)


def ingest_status(db: Session, *, now: datetime) -> IngestStatus:
    """To the ingest mark's few seconds."""
    last = db.scalar(select(FleetState.last_ingest_at).where(FleetState.id == 1))
    silence = None if last is None else max((now - last).total_seconds(), 0.0)
    stalled = is_ingest_gap(db, last_ingest_at=last, now=now)
    return IngestStatus(last, silence, stalled, heartbeats_expected=get_settings().demo_agents)


def stall_banner(status: IngestStatus) -> str:
    """ "" otherwise."""
    if not status.stalled or status.silence_seconds is None:
        return ""
    template = labels.STALL_BANNER if status.heartbeats_expected else labels.NO_DEMO_AGENTS_BANNER
    return template.format(since=local_minute(status.last_heartbeat_at), minutes=int(status.silence_seconds // 60))


def note_ingest_stall(db: Session, state: FleetState, *, stalled: bool, now: datetime) -> None:
    """Once when a stall begins and once when heartbeats resume (not when the stall merely stops counting as one, e.g.
    every terminal put into maintenance)."""
    since, last = state.ingest_stalled_since, state.last_ingest_at
    if last is None:
        return
    if stalled and since is None:
        state.ingest_stalled_since = last
        minutes = int((now - last).total_seconds() // 60)
        body = labels.STALL_BODY.format(since=local_minute(last), minutes=minutes)
        _mail_team(db, "stalled", labels.STALL_SUBJECT, body, since=last)
    elif not stalled and since is not None and last > since:
        grace = int(offline_threshold().total_seconds() // 60)
        body = labels.STALL_RECOVERED_BODY.format(since=local_minute(since), now=local_minute(now), grace=grace)
        _mail_team(db, "recovered", labels.STALL_RECOVERED_SUBJECT, body, since=since)
        state.ingest_stalled_since = None
    db.flush()


def _mail_team(db: Session, kind: str, subject: str, body: str, *, since: datetime) -> None:
    """At most once per stall (its last heartbeat names it) and kind."""
    overview = content.Link(url=links.overview_url())
    for person in recipients(db):
        enqueue(
            db,
            channel="email",
            recipient=person.email,
            subject=subject,
            content=(content.Paragraph(parts=(body,)), content.Paragraph(parts=(overview,))),
            domain="fleet",
            ref_type="fleet_ingest_stall",
            dedupe_key=f"fleet-ingest-{kind}:{since.isoformat()}:{person.email.lower()}",
        )


def _open_offline_alerts(db: Session, *, now: datetime, excluding: list[tuple[int, str]]) -> None:
    """One INSERT … SELECT: no row goes through Python, which at 10,000 terminals costs more than the database's own
    work. Terminals of stores given a store alert get none of their own."""
    before, _, after = labels.OFFLINE_MESSAGE.partition("{last}")
    message = (
        literal(before)
        + func.coalesce(local_text(db, Terminal.last_heartbeat_at, LOCAL_MINUTE, at=now), "-")
        + literal(after)
    )
    due = and_(Terminal.status == "offline", Terminal.offline_alert_at == now)
    if excluding:
        due = and_(due, tuple_(Terminal.customer_id, Terminal.store).not_in(excluding))
    _reopen_flapping(db, due, message)
    swept = select(
        Terminal.id,
        Terminal.customer_id,
        literal(AlertKind.OFFLINE.value),
        message,
        literal(now, Alert.created_at.type),
    )
    columns = ["terminal_id", "customer_id", "alert_type", "message", "created_at"]
    db.execute(insert(db, Alert).from_select(columns, swept.where(due)).on_conflict_do_nothing())


def _reopen_flapping(db: Session, due: ColumnElement[bool], message: ColumnElement[str]) -> None:
    """Hysteresis: a terminal back for fewer than `fleet_offline_flap_intervals` intervals reopens the alert its return
    resolved, so a flapping connection is one alert and its §4.2 clock keeps running. Only an alert the system resolved
    (a person's resolution stands) outside an incident."""
    flap = get_settings().fleet_offline_flap_intervals
    back_briefly = epoch(Terminal.last_heartbeat_at) < epoch(Alert.resolved_at) + Terminal.interval_seconds * flap
    later = aliased(Alert)
    newer = select(later.id).where(
        later.terminal_id == Alert.terminal_id, later.alert_type == AlertKind.OFFLINE, later.id > Alert.id
    )
    db.execute(
        update(Alert)
        .where(
            Alert.terminal_id.in_(select(Terminal.id).where(due)),
            Alert.alert_type == AlertKind.OFFLINE,
            Alert.status == RESOLVED,
            Alert.resolved_by == SYSTEM_LABEL,
            Alert.incident_id.is_(None),
            select(Terminal.id).where(Terminal.id == Alert.terminal_id, back_briefly).exists(),
            ~newer.exists(),
        )
        .values(
            status=case((Alert.acknowledged_at.is_(None), OPEN), else_=ACKNOWLEDGED),
            resolved_at=None,
            resolved_by="",
            message=select(message).where(Terminal.id == Alert.terminal_id).scalar_subquery(),
            digest_id=None,
            resolved_digest_id=None,
        )
        .execution_options(synchronize_session=False)
    )


def _open_store_alerts(db: Session, *, now: datetime, excluding: Collection[int]) -> list[tuple[int, str]]:
    """Stores (of ≥ 2 terminals) whose every monitored terminal went silent within the incident window, of customers not
    in an outage; the store's open offline alerts of the window fold into it."""
    window = get_settings().fleet_incident_window_minutes
    since = now - timedelta(minutes=window)
    store = tuple_(Terminal.customer_id, Terminal.store)
    silent_now = and_(Terminal.status == "offline", Terminal.offline_alert_at >= since)
    candidates = (  # only the terminals silent within the window
        select(Terminal.customer_id, Terminal.store)
        .where(silent_now, Terminal.customer_id.not_in(excluding))
        .group_by(Terminal.customer_id, Terminal.store)
        .having(func.count() >= STORE_MIN_TERMINALS, func.max(Terminal.offline_alert_at) == now)
    )
    silent = case((silent_now, 1), else_=0)
    rows = db.execute(
        select(Terminal.customer_id, Terminal.store, func.count(), func.min(Terminal.id))
        .where(store.in_(candidates), Terminal.status != "maintenance")
        .group_by(Terminal.customer_id, Terminal.store)
        .having(func.count() >= STORE_MIN_TERMINALS, func.count() == func.sum(silent))
    ).all()
    if not rows:
        return []
    stores = [(r[0], r[1]) for r in rows]
    earlier = db.execute(
        select(Alert.terminal_id)
        .join(Terminal, Terminal.id == Alert.terminal_id)
        .where(
            store.in_(stores), Alert.alert_type == AlertKind.OFFLINE, Alert.status == OPEN, Alert.created_at >= since
        )
    ).scalars()
    resolve_alerts(db, [(terminal_id, AlertKind.OFFLINE) for terminal_id in earlier], now=now)
    message = labels.STORE_OFFLINE_MESSAGE
    open_alerts(
        db,
        [
            NewAlert(
                first, customer_id, AlertKind.STORE_OFFLINE, message.format(store=name, count=count, minutes=window)
            )
            for customer_id, name, count, first in rows
        ],
        now=now,
    )
    return stores


def _worked_stores(db: Session) -> list[tuple[int, str]]:
    return [
        (r[0], r[1])
        for r in db.execute(
            select(Terminal.customer_id, Terminal.store)
            .join(Alert, Alert.terminal_id == Terminal.id)
            .where(Alert.alert_type == AlertKind.STORE_OFFLINE, Alert.status == ACKNOWLEDGED)
        )
    ]


def _store_alerts_back() -> Select:
    """Built once: aliases made per call would miss the statement cache."""
    anchor, member = aliased(Terminal), aliased(Terminal)
    down = (
        select(member.id)
        .where(
            member.customer_id == anchor.customer_id,
            member.store == anchor.store,
            member.status == "offline",
        )
        .exists()
    )
    return (
        select(Alert.terminal_id)
        .join(anchor, anchor.id == Alert.terminal_id)
        .where(Alert.alert_type == AlertKind.STORE_OFFLINE, Alert.status != RESOLVED, ~down)
    )


STORE_ALERTS_BACK = _store_alerts_back()


def _resolve_store_alerts(db: Session, *, now: datetime) -> None:
    back = db.scalars(STORE_ALERTS_BACK).all()
    resolve_alerts(db, [(terminal_id, AlertKind.STORE_OFFLINE) for terminal_id in back], now=now)


def _window_start(now: datetime) -> datetime:
    return now - timedelta(minutes=get_settings().fleet_incident_window_minutes)


@dataclass(frozen=True)
class FleetSize:
    """A customer's terminals as the dashboard's 総端末数 counts them (every registered one) and how many of them are in
    maintenance; an outage is measured against the others, the monitored ones."""

    registered: int
    in_maintenance: int

    @property
    def monitored(self) -> int:
        return self.registered - self.in_maintenance


def outage_customers(db: Session, *, customer_ids: set[int], now: datetime) -> dict[int, FleetSize]:
    """An outage: ≥ ratio (and ≥ N) of a customer's monitored terminals went offline within the window, in more than one
    store (one store silent as a whole is a store alert)."""
    settings = get_settings()
    monitored = and_(Terminal.customer_id.in_(customer_ids), Terminal.status != "maintenance")
    recent = and_(monitored, Terminal.offline_alert_at >= _window_start(now))
    worked = _worked_stores(db)
    if worked:
        recent = and_(recent, tuple_(Terminal.customer_id, Terminal.store).not_in(worked))
    went = {
        customer_id: count
        for customer_id, count, stores in db.execute(
            select(Terminal.customer_id, func.count(), func.count(distinct(Terminal.store)))
            .where(recent)
            .group_by(Terminal.customer_id)
        )
        if count >= settings.fleet_incident_min_terminals and stores > 1
    }
    if not went:
        return {}
    in_maintenance = func.count().filter(Terminal.status == "maintenance")
    sizes = db.execute(
        select(Terminal.customer_id, func.count(), in_maintenance)
        .where(Terminal.customer_id.in_(went))
        .group_by(Terminal.customer_id)
    ).all()
    return {
        customer_id: size
        for customer_id, size in ((row[0], FleetSize(row[1], row[2])) for row in sizes)
        if went[customer_id] >= settings.fleet_incident_ratio * size.monitored
    }


def _fold_store_alerts(db: Session, *, customer_ids: Collection[int], now: datetime) -> None:
    """An outage's incident speaks for its stores: an unworked store alert of the window is resolved, its terminals due
    their alert now, to be gathered in the incident."""
    if not customer_ids:
        return
    anchors = db.scalars(
        select(Alert.terminal_id).where(
            Alert.customer_id.in_(customer_ids),
            Alert.alert_type == AlertKind.STORE_OFFLINE,
            Alert.status == OPEN,
            Alert.created_at >= _window_start(now),
        )
    ).all()
    if not anchors:
        return
    stores = db.execute(select(Terminal.customer_id, Terminal.store).where(Terminal.id.in_(anchors))).tuples().all()
    resolve_alerts(db, [(terminal_id, AlertKind.STORE_OFFLINE) for terminal_id in anchors], now=now)
    db.execute(
        update(Terminal)
        .where(tuple_(Terminal.customer_id, Terminal.store).in_(stores), Terminal.status == "offline")
        .where(~Terminal.offline_alert_held)
        .values(offline_alert_at=now)
        .execution_options(synchronize_session=False)
    )


def _work_done(incident: Incident) -> dict:
    """So a terminal joining after the 初動確認 is not left unacknowledged."""
    done: dict = {"assignee_id": incident.assignee_id} if incident.assignee_id is not None else {}
    for step in ("acknowledged", "diagnosed", "customer_contacted"):
        if getattr(incident, f"{step}_at") is not None:
            done |= {f"{step}_at": getattr(incident, f"{step}_at"), f"{step}_by": getattr(incident, f"{step}_by")}
    if incident.acknowledged_at is not None:
        done["status"] = ACKNOWLEDGED
    return done


def _gather_incident(db: Session, *, customer_id: int, size: FleetSize, now: datetime) -> int:
    """1 when the incident is new."""
    incident = db.scalar(
        select(Incident).where(
            Incident.customer_id == customer_id, Incident.alert_type == AlertKind.OFFLINE, Incident.status != RESOLVED
        )
    )
    created = incident is None
    if incident is None:
        incident = Incident(customer_id=customer_id, alert_type="offline", status="open", created_at=now)
        db.add(incident)
        db.flush()
    recent = select(Terminal.id).where(
        Terminal.customer_id == customer_id, Terminal.offline_alert_at >= _window_start(now)
    )
    db.execute(
        update(Alert)
        .where(
            Alert.customer_id == customer_id,
            Alert.alert_type == AlertKind.OFFLINE,
            Alert.status != RESOLVED,
            Alert.incident_id.is_(None),
            Alert.terminal_id.in_(recent),
        )
        .values(incident_id=incident.id, **_work_done(incident))
        .execution_options(synchronize_session=False)
    )
    stores = incident_stores(db, incident.id)
    company = db.scalar(select(Customer.company_name).where(Customer.id == customer_id))
    incident.terminal_count = sum(count for _, count, _ in stores)
    incident.store_count = len(stores)
    incident.message = labels.INCIDENT_MESSAGE.format(
        company=company,
        places=labels.incident_places(len(stores), incident.terminal_count),
        minutes=get_settings().fleet_incident_window_minutes,
        fleet=labels.fleet_size(size.registered, size.in_maintenance),
        stores=labels.store_names([name for name, *_ in stores]),
    )
    db.flush()
    return 1 if created else 0


# --- the email digest ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    customer_scope: str | None


def recipients(db: Session) -> list[Recipient]:
    """The configured addresses plus every active fleet admin/operator/support with an email."""
    found: dict[str, Recipient] = {}
    for email in get_settings().fleet_alert_recipients.split(","):
        if email.strip():
            found[email.strip().lower()] = Recipient(email.strip(), None)
    rows = db.execute(
        select(User.email, Grant.scope)
        .join(Grant, Grant.user_id == User.id)
        .where(Grant.domain == "fleet", Grant.role.in_(WORKER_ROLES), User.is_active, User.email != "")
    ).all()
    for email, scope in rows:
        found.setdefault(email.lower(), Recipient(email, scope))
    return sorted(found.values(), key=lambda r: r.email)


def _mail_due(db: Session, *, now: datetime) -> bool:
    """Alertmanager's grouping: news waits group_wait, mails go group_interval apart."""
    settings = get_settings()
    last = db.scalar(select(func.max(Digest.sent_at)))
    if last is not None and now - last < timedelta(seconds=settings.fleet_alert_group_interval_seconds):
        return False
    oldest = [
        db.scalar(select(func.min(model.created_at)).where(model.digest_id.is_(None))) for model in (Alert, Incident)
    ] + [
        db.scalar(select(func.min(model.resolved_at)).where(_unmailed_resolution(model))) for model in (Alert, Incident)
    ]
    pending = [at for at in oldest if at is not None]
    return bool(pending) and now - min(pending) >= timedelta(seconds=settings.fleet_alert_group_wait_seconds)


def _unmailed_resolution(model):
    return and_(model.status == RESOLVED, model.resolved_digest_id.is_(None))


def _news(model):
    return or_(model.digest_id.is_(None), _unmailed_resolution(model))


def _news_rows(db: Session) -> tuple[Rows, Rows]:
    alerts = db.execute(
        with_places(
            Alert.id,
            Alert.customer_id,
            Alert.alert_type,
            Alert.message,
            Alert.status,
            Alert.incident_id,
            Alert.digest_id,
            Alert.created_at,
            Alert.resolved_at,
            Terminal.serial_number,
            ALERT_PLACE.label("place"),
            Customer.company_name,
        )
        .where(_news(Alert))
        .order_by(Alert.created_at, Alert.id)
    ).all()
    incidents = db.execute(
        select(
            Incident.id,
            Incident.customer_id,
            Incident.message,
            Incident.status,
            Incident.digest_id,
            Incident.created_at,
            Incident.resolved_at,
            Customer.company_name,
        )
        .join(Customer, Customer.id == Incident.customer_id)
        .where(_news(Incident))
        .order_by(Incident.id)
    ).all()
    return alerts, incidents


def _new_digest(db: Session, *, at: datetime, alerts: Rows, incidents: Rows) -> Digest:
    digest = Digest(sent_at=at, alert_count=len(alerts) + len(incidents))
    db.add(digest)
    db.flush()
    for model, rows in ((Alert, alerts), (Incident, incidents)):
        _mark_mailed(db, model, [r.id for r in rows if r.digest_id is None], digest_id=digest.id)
        _mark_mailed(db, model, [r.id for r in rows if r.status == RESOLVED], digest_id=digest.id, resolution=True)
    return digest


def record_as_mailed(db: Session, *, at: datetime) -> None:
    """History loaded from elsewhere, like the demo's past."""
    alerts, incidents = _news_rows(db)
    _new_digest(db, at=at, alerts=alerts, incidents=incidents)


def send_digest(db: Session, *, now: datetime) -> int:
    """Returns emails enqueued."""
    if not _mail_due(db, now=now):
        return 0
    alerts, incidents = _news_rows(db)
    digest = _new_digest(db, at=now, alerts=alerts, incidents=incidents)
    sent = 0
    for person in recipients(db):
        rows = _digest_rows(person, alerts, incidents)
        if rows:
            resolved = sum(row[0] != labels.DIGEST_NEW for row in rows)
            enqueue(
                db,
                channel="email",
                recipient=person.email,
                subject=labels.DIGEST_SUBJECT.format(new=len(rows) - resolved, resolved=resolved),
                content=(content.Table(header=labels.DIGEST_COLUMNS, rows=tuple(rows)),),
                domain="fleet",
                ref_type="fleet_digest",
                ref_id=digest.id,
                dedupe_key=f"fleet-digest:{digest.id}:{person.email.lower()}",
            )
            sent += 1
    digest.recipient_count = sent
    return sent


def _mark_mailed(db: Session, model, ids: list[int], *, digest_id: int, resolution: bool = False) -> None:
    if ids:
        column = "resolved_digest_id" if resolution else "digest_id"
        db.execute(
            update(model)
            .where(model.id.in_(ids))
            .values({column: digest_id})
            .execution_options(synchronize_session=False)
        )


def _digest_rows(person: Recipient, alerts, incidents) -> list[tuple[content.Inline, ...]]:
    """Only what the person may see; resolved ones say when."""

    def visible(customer_id: int) -> bool:
        return person.customer_scope is None or person.customer_scope == str(customer_id)

    def row(record, kind: str, what: str, place: str, url: str) -> tuple[content.Inline, ...]:
        state = labels.DIGEST_NEW
        if record.status == RESOLVED:
            state = labels.DIGEST_RESOLVED.format(resolved=local_minute(record.resolved_at))
        page = content.Link(url=url, label=labels.ESCALATION_SUBJECTS[kind].format(id=record.id))
        return state, what, place, local_minute(record.created_at), record.message, page

    rows = [
        row(i, "incident", labels.INCIDENT_KIND, i.company_name, links.incident_url(i.id))
        for i in incidents
        if visible(i.customer_id)
    ]
    rows += [
        row(
            a,
            "alert",
            labels.ALERT_TYPES.get(a.alert_type, a.alert_type),
            f"{a.company_name} - {labels.alert_place(a.alert_type, a.place, a.serial_number)}",
            links.alert_url(a.id),
        )
        for a in alerts
        if a.incident_id is None and visible(a.customer_id)
    ]
    return rows
