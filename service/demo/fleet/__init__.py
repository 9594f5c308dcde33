"""Demo data for 端末管理: nine customers, about 2,850 TC-200 terminals at their stores, and their last month.

The service's own functions make whatever has rules (customers, rollouts, the offline sweep and its incident, alert
work, maintenance, the roll-up, the digest); bulk inserts make the volume. Terminals shown online get an offline
deadline a year ahead, so the offline sweep leaves the picture as it was loaded."""

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.demo.fleet.alerting import current_alerts, past_alerts, place_problems
from service.demo.fleet.plan import CUSTOMERS, FULL, RELEASES, SEED, STAFF, Fleet, Size
from service.demo.fleet.readings import add_events, add_series, roll_up_metrics, snapshot
from service.demo.fleet.registry import add_customers, add_terminals, put_in_maintenance, top_up_terminals
from service.demo.fleet.rollouts import add_release, full_rollout, paused_rollout
from service.demo.framework import DemoProgress, ProgressSink, SilentSink, demo_hook, discover_hooks, load_demo
from service.fleet.alerting import escalations, monitoring
from service.fleet.models import Customer, fleet_state
from service.identity import people
from service.identity import service as identity


@demo_hook("fleet")
def load_fleet(db: Session, progress: DemoProgress) -> None:
    build_fleet(db, progress, FULL)


def load_demo_sized(
    db: Session,
    *,
    actor: Actor,
    size: Size,
    sink: ProgressSink | None = None,
    only: list[str] | None = None,
    top_up_to: int | None = None,
) -> list[str]:
    """`load_demo` with the fleet's demo at `size` (`demo load --terminals`, the page benches, the tests' small
    fleet); the other hooks as they are. On a fleet already loaded, top_up_to adds terminals up to that many, and the
    fleet's name says what was done («fleet (17,143 terminals added: 2,857 → 20,000)»)."""
    chosen = only or [hook.name for hook in discover_hooks()]
    names = load_demo(db, actor=actor, sink=sink, only=[name for name in chosen if name != "fleet"])
    if "fleet" not in chosen:
        return names
    done = build_fleet(db, DemoProgress(actor=actor, sink=sink or SilentSink()), size, top_up_to=top_up_to)
    return [*names, f"fleet ({done})" if done else "fleet"]


def build_fleet(db: Session, progress: DemoProgress, size: Size, *, top_up_to: int | None = None) -> str:
    """Nothing is added when its first customer exists already, but terminals up to `top_up_to`; says what it did
    then ("" otherwise)."""
    steps = len(CUSTOMERS) + size.history_terminals + 8
    progress.start("端末管理", total=steps)
    now = utcnow()
    fleet = Fleet(now, size, random.Random(SEED), ZoneInfo(get_settings().timezone), progress.actor, _staff(db))
    if db.scalar(select(Customer.id).where(Customer.company_name == CUSTOMERS[0].name)):
        done = top_up_terminals(db, fleet, top_up_to) if top_up_to is not None else ""
        progress.advance(steps)
        return done
    add_customers(db, fleet, progress)
    add_terminals(db, fleet)
    progress.advance()
    releases = [add_release(db, fleet, *spec) for spec in RELEASES]
    full_rollout(db, fleet, releases[1])
    progress.advance()
    update_failed = paused_rollout(db, fleet, releases[2])
    progress.advance()
    past_alerts(db, fleet)
    monitoring.record_as_mailed(db, at=now - timedelta(hours=1))
    escalations.record_as_escalated(db, at=now)
    progress.advance()
    history = place_problems(fleet) + [t for t in fleet.terminals if t.id in {a.terminal_id for a in update_failed}]
    history += fleet.pick(size.history_terminals - len(history))
    for terminal in history:
        add_series(db, fleet, terminal)
        progress.advance()
    snapshot(db, fleet, {t.id for t in history})
    put_in_maintenance(db, fleet)
    current_alerts(db, fleet, update_failed)
    progress.advance()
    roll_up_metrics(db, fleet)
    progress.advance()
    add_events(db, fleet, history)
    progress.advance()
    fleet_state(db).last_ingest_at = now
    monitoring.send_digest(db, now=now)
    db.flush()
    progress.advance()
    return ""


def _staff(db: Session) -> dict[str, tuple[Actor, int | None]]:
    found: dict[str, tuple[Actor, int | None]] = {}
    for login in STAFF:
        user = identity.find_user_by_login(db, login)
        if user is not None:
            found[login] = (people.actor(user), user.id)
    return found
