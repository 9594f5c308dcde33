"""The demo's alerts: a month of them worked through §4.2, and those open now (an incident among them)."""

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.demo.fleet.plan import (
    ERROR_DETAILS,
    ERRORS_NOW,
    HIGH_CPU_NOW,
    HIGH_MEMORY_NOW,
    HOURLY_DAYS,
    INCIDENT_CUSTOMER,
    INCIDENT_MINUTES_AGO,
    INCIDENT_WORK,
    OFFLINE_NOW,
    PAST_KINDS,
    STAFF,
    UPDATE_FAILED_WORK,
    DemoTerminal,
    Fleet,
    Problem,
    Work,
)
from service.demo.fleet.readings import event_row
from service.fleet import labels
from service.fleet.alerting import alerts, monitoring
from service.fleet.kinds import AlertKind
from service.fleet.models import Alert


def _open(db: Session, fleet: Fleet, terminal: DemoTerminal, kind: str, message: str, at: datetime) -> Alert:
    new = alerts.NewAlert(terminal.id, fleet.customer_ids[terminal.customer], kind, message)
    alerts.open_alerts(db, [new], now=at)
    return _open_alert(db, terminal, kind)


def _open_alert(db: Session, terminal: DemoTerminal, kind: str) -> Alert:
    return db.scalars(
        select(Alert).where(Alert.terminal_id == terminal.id, Alert.alert_type == kind, Alert.status != alerts.RESOLVED)
    ).one()


def work_on(db: Session, fleet: Fleet, alert: Alert, work: Work) -> None:
    actor, user_id = fleet.worker(work.who)

    def at(minutes: int) -> datetime:
        return alert.created_at + timedelta(minutes=minutes)

    if work.acknowledged is not None:
        if user_id is not None:
            alerts.assign(db, alert=alert, assignee_id=user_id, actor=actor, now=at(work.acknowledged))
        alerts.acknowledge(db, alert=alert, actor=actor, now=at(work.acknowledged))
    if work.diagnosed is not None:
        alerts.mark_step(db, alert=alert, step="diagnosed", actor=actor, now=at(work.diagnosed))
    if work.contacted is not None:
        alerts.contact_customer(db, alert=alert, message=work.told, actor=actor, now=at(work.contacted))
    if work.resolved is not None:
        alerts.resolve(db, alert=alert, note=work.note, actor=actor, now=at(work.resolved))
    elif work.note:
        done = max(m for m in (work.acknowledged, work.diagnosed, work.contacted) if m is not None)
        alerts.add_note(db, alert=alert, body=work.note, actor=actor, now=at(done))


def _message(fleet: Fleet, kind: str, detail: str, at: datetime) -> str:
    if kind == "offline":
        last = fleet.local(at - monitoring.offline_threshold()).strftime("%Y-%m-%d %H:%M")
        return labels.OFFLINE_MESSAGE.format(last=last)
    if kind == "error":
        return labels.ERROR_MESSAGE.format(detail=detail)
    settings, usage = get_settings(), AlertKind.of(kind).usage
    return labels.HIGH_USAGE_MESSAGE.format(
        label=usage.label if usage else "",
        value=fleet.rng.uniform(90.5, 97),
        count=settings.fleet_high_usage_consecutive,
        threshold=settings.fleet_high_usage_percent,
    )


def _past_work(fleet: Fleet, notes: tuple[str, ...]) -> Work | None:
    rng = fleet.rng
    if rng.random() < 0.35:
        return None
    acknowledged = rng.choice((1, 2, 3, 3, 4, 4, 5, 7, 9))
    diagnosed = acknowledged + rng.randint(3, 12)
    contacted = diagnosed + rng.randint(4, 20)
    resolved = contacted + rng.randint(5, 40)
    return Work(rng.choice(STAFF[:2]), acknowledged, diagnosed, contacted, resolved, rng.choice(notes))


def past_alerts(db: Session, fleet: Fleet) -> None:
    rng = fleet.rng
    kinds = rng.choices(PAST_KINDS, weights=[k[1] for k in PAST_KINDS], k=fleet.size.past_alerts)
    healthy = [t for t in fleet.terminals if t.enrolled]
    terminals = rng.sample(healthy, min(len(kinds), len(healthy)))
    starts = sorted(fleet.now - timedelta(minutes=rng.randint(36 * 60, HOURLY_DAYS * 24 * 60)) for _ in terminals)
    for (kind, _, notes), terminal, at in zip(kinds, terminals, starts, strict=False):
        detail = rng.choice(ERROR_DETAILS)
        alert = _open(db, fleet, terminal, kind, _message(fleet, kind, detail, at), at)
        work = _past_work(fleet, notes)
        if work is None:
            alerts.resolve_alerts(db, [(terminal.id, kind)], now=at + timedelta(minutes=rng.randint(6, 50)))
        else:
            work_on(db, fleet, alert, work)
        if kind == "error":
            fleet.events.append(event_row(fleet, terminal.id, at, "error", "device_error", f"端末エラー: {detail}"))


def place_problems(fleet: Fleet) -> list[DemoTerminal]:
    """Returns the troubled terminals."""
    settings = get_settings()
    group = [t for t in fleet.terminals if t.customer == INCIDENT_CUSTOMER and t.enrolled]
    needed = max(settings.fleet_incident_min_terminals, math.ceil(settings.fleet_incident_ratio * len(group))) + 1
    incident = sorted(group, key=lambda t: t.id)[:needed]
    fleet.taken |= {t.id for t in incident}
    since = fleet.now - timedelta(minutes=INCIDENT_MINUTES_AGO)
    troubled = []
    for number, terminal in enumerate(incident):
        troubled.append(_place(terminal, Problem("offline", since, INCIDENT_WORK if number == 0 else None)))
    for kind, plan in (
        ("offline", OFFLINE_NOW),
        ("error", ERRORS_NOW),
        ("high_cpu", HIGH_CPU_NOW),
        ("high_memory", HIGH_MEMORY_NOW),
    ):
        for terminal, (minutes, work) in zip(fleet.pick(len(plan)), plan, strict=False):
            detail = fleet.rng.choice(ERROR_DETAILS) if kind == "error" else ""
            troubled.append(_place(terminal, Problem(kind, fleet.now - timedelta(minutes=minutes), work, detail)))
    for terminal, problem in troubled:
        if problem.kind == "offline":
            silence = monitoring.offline_threshold() + timedelta(seconds=fleet.rng.randint(10, 240))
            terminal.last_seen = problem.since - silence
        else:
            terminal.last_seen = fleet.now - timedelta(seconds=fleet.rng.randint(5, 50))
    for terminal in fleet.terminals:
        if terminal.enrolled and terminal.last_seen is None:
            terminal.last_seen = fleet.now - timedelta(seconds=fleet.rng.randint(5, 295))
    return [terminal for terminal, _ in troubled]


def _place(terminal: DemoTerminal, problem: Problem) -> tuple[DemoTerminal, Problem]:
    terminal.problem = problem
    return terminal, problem


def current_alerts(db: Session, fleet: Fleet, update_failed: list[Alert]) -> None:
    placed = [(terminal, terminal.problem) for terminal in fleet.terminals if terminal.problem is not None]
    troubled = sorted(placed, key=lambda pair: pair[1].since)
    for since in sorted({problem.since for _, problem in troubled if problem.kind == "offline"}):
        monitoring.sweep_offline(db, now=since)
    for terminal, problem in troubled:
        if problem.kind == "offline":
            alert = _open_alert(db, terminal, "offline")
        else:
            alert = _open(
                db,
                fleet,
                terminal,
                problem.kind,
                _message(fleet, problem.kind, problem.detail, problem.since),
                problem.since,
            )
        if problem.kind == "error":
            fleet.events.append(
                event_row(fleet, terminal.id, problem.since, "error", "device_error", f"端末エラー: {problem.detail}")
            )
        if problem.work is not None:
            work_on(db, fleet, alert, problem.work)
    for number, alert in enumerate(update_failed):
        work_on(db, fleet, alert, UPDATE_FAILED_WORK if number == 0 else Work("fleet-operator", 20, note=""))
