"""お迎え管理: who may collect a child (お迎え不可), 「本日のみ」 passes and their card, adults' photos (shown
at the station on their scans), and the alerts of a refused child's exit."""

from typing import Annotated

from fastapi import APIRouter, File, Path, Response, UploadFile

from service.database import utcnow
from service.deps import DbSession
from service.entry_logs import cards, labels, parent_links, station
from service.entry_logs.dependencies import (
    ChildNurseryParent,
    PathChild,
    PathNursery,
    PathParent,
    StaffCaller,
    StaffScope,
    StationToken,
)
from service.entry_logs.lookups import local_today
from service.entry_logs.models import Parent, PickupAlert
from service.entry_logs.pickup import service as pickup
from service.entry_logs.pickup.schemas import (
    ChildPickup,
    Collector,
    PassCreate,
    PassRead,
    PickupAlertRead,
    RestrictionIn,
)
from service.entry_logs.roster.schemas import ParentRead
from service.openapi import declares, media

router = APIRouter(tags=["entry_logs"])


@router.get("/entry-logs/children/{child_id:int}/pickup", response_model=ChildPickup)
def child_pickup(child: PathChild, db: DbSession) -> ChildPickup:
    """Who may collect the child: its guardians (お迎え不可 when restricted) and its 「本日のみ」 people."""
    return ChildPickup(
        child_id=child.id,
        child_name=child.name,
        collectors=[
            Collector.model_validate(c).model_copy(update={"kind_label": labels.PICKUP_KINDS[c.kind]})
            for c in pickup.collectors(db, child=child)
        ],
    )


@router.put("/entry-logs/children/{child_id:int}/pickup/restrictions/{parent_id:int}", status_code=204)
def restrict_pickup(
    child: PathChild, parent: ChildNurseryParent, body: RestrictionIn, caller: StaffCaller, db: DbSession
) -> None:
    """A guardian who must not collect the child: their exit scans are stored, warned in red and alerted."""
    pickup.restrict(db, child=child, parent=parent, note=body.note, actor=caller.actor)


@router.delete("/entry-logs/children/{child_id:int}/pickup/restrictions/{parent_id:int}", status_code=204)
def lift_pickup_restriction(child: PathChild, parent: ChildNurseryParent, caller: StaffCaller, db: DbSession) -> None:
    pickup.lift_restriction(db, child=child, parent=parent, actor=caller.actor)


def _pass_read(db: DbSession, person: Parent) -> PassRead:
    return PassRead(
        parent_id=person.id,
        nursery_id=person.nursery_id,
        name=person.name,
        name_kana=person.name_kana,
        relation=person.relation,
        pass_date=person.pass_date,
        child_names=pickup.pass_children(db, person),
        url=parent_links.link_url(person),
    )


@router.post("/entry-logs/nurseries/{nursery_id}/pickup-passes", response_model=PassRead, status_code=201)
@declares(404)  # a child of another nursery
def create_pickup_pass(nursery: PathNursery, body: PassCreate, caller: StaffCaller, db: DbSession) -> PassRead:
    """「本日のみ」: a person who may collect these children on one date, with their own barcode (card PDF, phone)."""
    person = pickup.create_pass(
        db,
        nursery=nursery,
        name=body.name,
        name_kana=body.name_kana,
        relation=body.relation,
        day=body.date,
        child_ids=body.child_ids,
        actor=caller.actor,
        now=utcnow(),
    )
    return _pass_read(db, person)


@router.get("/entry-logs/nurseries/{nursery_id}/pickup-passes", response_model=list[PassRead])
def pickup_passes(nursery: PathNursery, db: DbSession) -> list[PassRead]:
    """The nursery's passes of today and later, soonest first."""
    found = pickup.passes(db, nursery=nursery, since=local_today(utcnow()))
    return [_pass_read(db, person) for person, _ in found]


@router.delete("/entry-logs/nurseries/{nursery_id}/pickup-passes/{parent_id:int}", status_code=204)
def revoke_pickup_pass(nursery: PathNursery, parent_id: int, caller: StaffCaller, db: DbSession) -> None:
    """The person may collect nobody any more; their logs stay."""
    pickup.revoke_pass(db, person=pickup.pass_of(db, nursery=nursery, parent_id=parent_id), actor=caller.actor)


@router.get("/entry-logs/nurseries/{nursery_id}/pickup-passes/{parent_id:int}/card", **media("application/pdf"))
def pickup_pass_card(nursery: PathNursery, parent_id: int, db: DbSession) -> Response:
    """The person's one-page PDF: name, relation, date, children and their barcode."""
    person = pickup.pass_of(db, nursery=nursery, parent_id=parent_id)
    pdf = cards.pass_card(person, nursery_name=nursery.name, child_names=pickup.pass_children(db, person))
    name = f"pickup_pass_{person.id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f"attachment; filename={name}"})


@router.get("/entry-exit-logs/parents/{parent_id}/photo", **media("image/jpeg"))
@declares(401, 404)
def station_photo(parent_id: Annotated[int, Path(ge=1)], db: DbSession, claims: StationToken) -> Response:
    """The adult's photo for the station that scanned them (a station of their nursery, still let in)."""
    station.admitted_fingerprint(db, claims)
    return _photo(pickup.photo_of(db, scope=claims.scope, parent_id=parent_id))


@router.put("/entry-logs/parents/{parent_id:int}/photo", response_model=ParentRead)
def set_parent_photo(
    parent: PathParent, caller: StaffCaller, db: DbSession, file: Annotated[UploadFile, File()]
) -> Parent:
    """The adult's photo (JPEG, PNG or HEIC), shown at the station on their scans; kept small, never in a CSV."""
    return pickup.set_photo(db, parent=parent, data=file.file.read(), actor=caller.actor, now=utcnow())


@router.delete("/entry-logs/parents/{parent_id:int}/photo", status_code=204)
def remove_parent_photo(parent: PathParent, caller: StaffCaller, db: DbSession) -> None:
    pickup.remove_photo(db, parent=parent, actor=caller.actor)


@router.get("/entry-logs/parents/{parent_id:int}/photo", **media("image/jpeg"))
def parent_photo(parent: PathParent, scope: StaffScope, db: DbSession) -> Response:
    return _photo(pickup.photo_of(db, scope=scope, parent_id=parent.id))


def _photo(image: bytes) -> Response:
    return Response(image, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


def _alert_read(alert: PickupAlert, parent_name: str) -> PickupAlertRead:
    names = tuple(alert.child_names.split("、"))
    return PickupAlertRead(
        id=alert.id,
        log_id=alert.log_id,
        parent_id=alert.parent_id,
        parent_name=parent_name,
        child_names=alert.child_names,
        warning=pickup.warning(names) or "",
        created_at=alert.created_at,
    )


@router.get("/entry-logs/nurseries/{nursery_id}/pickup-alerts", response_model=list[PickupAlertRead])
def pickup_alerts(nursery: PathNursery, db: DbSession) -> list[PickupAlertRead]:
    """Exits by someone who may not collect a child, not yet acknowledged, newest first."""
    return [_alert_read(alert, name) for alert, name in pickup.open_alerts(db, nursery=nursery)]


@router.post("/entry-logs/nurseries/{nursery_id}/pickup-alerts/{alert_id:int}/acknowledge", status_code=204)
def acknowledge_pickup_alert(nursery: PathNursery, alert_id: int, caller: StaffCaller, db: DbSession) -> None:
    """Staff checked the hand-over: the alert leaves the list."""
    pickup.acknowledge(
        db, alert=pickup.alert_of(db, nursery=nursery, alert_id=alert_id), actor=caller.actor, now=utcnow()
    )
