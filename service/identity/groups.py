"""Groups, their members and the grants they give.

A group's grants are materialised as its members' `identity_grant` rows (`group_id` set), so every query that asks who
holds a role (the CRM's sales people, the reservations' on-call operators) sees them as it sees a person's own.
One grant per domain stays the rule, and when two sources give the same domain:

- a person's own grant (made on 利用者管理 › 権限) wins over any group's, and a group never changes or removes it;
- among groups, the one made first (lowest id) gives the domain's grant;
- leaving a group, or the group losing the grant, removes what it gave, and the next group in line (if any) gives it.

`sync_members` puts a person's group-held grants in step after any change; each grant it adds, changes or removes is
audited like an administrator's.
"""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict, NotFound
from service.identity.models import Grant, Group, GroupGrant, GroupMember, User
from service.identity.service import validate_grant

GROUP_KIND = "group"


class KEEP:
    """An argument not given: the value stays."""


TAKEN = "このグループ名は既に使われています"


def get_group(db: Session, group_id: int) -> Group:
    group = db.get(Group, group_id)
    if group is None:
        raise NotFound("グループが見つかりません", details={"resource": "group", "id": group_id})
    return group


def list_groups(db: Session) -> list[Group]:
    return list(db.scalars(select(Group).order_by(Group.display_name)))


def _snapshot(group: Group) -> dict:
    return {
        "display_name": group.display_name,
        "external_id": group.external_id,
        "members": sorted(u.id for u in group.members),
    }


def _record(db: Session, *, actor: Actor, action: str, group_id: int, before: dict, after: dict) -> None:
    changes = audit.diff(before, after)
    if changes or action != "update":
        audit.record(
            db,
            actor=actor,
            action=action,
            domain="platform",
            target_type=GROUP_KIND,
            target_id=group_id,
            changes=changes,
        )


def ensure_name_free(db: Session, display_name: str, group: Group | None = None) -> None:
    taken = db.scalar(select(Group.id).where(Group.display_name == display_name))
    if taken is not None and (group is None or taken != group.id):
        raise Conflict(TAKEN, details={"field": "display_name", "rule": "unique"})


def create_group(
    db: Session, *, display_name: str, actor: Actor, external_id: str | None = None, members: Iterable[User] = ()
) -> Group:
    ensure_name_free(db, display_name)
    group = Group(display_name=display_name, external_id=external_id, members=list(members))
    db.add(group)
    db.flush()
    _record(db, actor=actor, action="create", group_id=group.id, before={}, after=_snapshot(group))
    sync_members(db, group.members, actor=actor)
    return group


def update_group(
    db: Session,
    *,
    group: Group,
    actor: Actor,
    display_name: str | None = None,
    external_id: str | None | type[KEEP] = KEEP,
    members: Iterable[User] | None = None,
) -> Group:
    """Only what is given changes; members given replace the group's."""
    before = _snapshot(group)
    left = list(group.members)
    if display_name is not None:
        ensure_name_free(db, display_name, group)
        group.display_name = display_name
    if external_id is not KEEP:
        group.external_id = external_id  # type: ignore[assignment]
    if members is not None:
        group.members = list({u.id: u for u in members}.values())
    db.flush()
    _record(db, actor=actor, action="update", group_id=group.id, before=before, after=_snapshot(group))
    sync_members(db, [*left, *group.members], actor=actor)
    return group


def delete_group(db: Session, *, group: Group, actor: Actor) -> None:
    """Its members lose what it gave them first (the next group in line may give it), then it goes."""
    members = list(group.members)
    before = _snapshot(group)
    group_id = group.id
    group.members = []
    db.flush()
    sync_members(db, members, actor=actor)
    db.delete(group)
    db.flush()
    _record(db, actor=actor, action="delete", group_id=group_id, before=before, after={})


def set_group_grant(
    db: Session, *, group: Group, domain: str, role: str, scope: str | None, actor: Actor
) -> GroupGrant:
    validate_grant(db, domain, role, scope)
    grant = next((g for g in group.grants if g.domain == domain), None)
    before = {"role": grant.role, "scope": grant.scope} if grant else {}
    if grant is None:
        grant = GroupGrant(domain=domain, role=role, scope=scope)
        group.grants.append(grant)
    grant.role, grant.scope = role, scope
    db.flush()
    changes = audit.diff(before, {"role": role, "scope": scope})
    if changes:
        audit.record(
            db,
            actor=actor,
            action="update" if before else "create",
            domain="platform",
            target_type="group_grant",
            target_id=f"{group.id}:{domain}",
            changes=changes,
        )
        sync_members(db, group.members, actor=actor)
    return grant


def remove_group_grant(db: Session, *, group: Group, domain: str, actor: Actor) -> None:
    grant = next((g for g in group.grants if g.domain == domain), None)
    if grant is None:
        raise NotFound("このグループにこの権限はありません", details={"domain": domain})
    before = {"role": grant.role, "scope": grant.scope}
    group.grants.remove(grant)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="delete",
        domain="platform",
        target_type="group_grant",
        target_id=f"{group.id}:{domain}",
        changes=audit.diff(before, {}),
    )
    sync_members(db, group.members, actor=actor)


def _wanted(db: Session, user: User) -> dict[str, GroupGrant]:
    """Per domain, the grant of the first group (lowest id) the person belongs to that gives one."""
    rows = db.scalars(
        select(GroupGrant)
        .join(GroupMember, GroupMember.group_id == GroupGrant.group_id)
        .where(GroupMember.user_id == user.id)
        .order_by(GroupGrant.group_id.desc())
    )
    return {grant.domain: grant for grant in rows}  # the lowest group id is written last, and stays


def _terms(grant: Grant | GroupGrant | None) -> dict:
    return {"role": grant.role, "scope": grant.scope, "group_id": grant.group_id} if grant else {}


def sync_members(db: Session, users: Iterable[User], *, actor: Actor) -> None:
    for user in {u.id: u for u in users}.values():
        _sync(db, user, actor)


def _sync(db: Session, user: User, actor: Actor) -> None:
    wanted = _wanted(db, user)
    held = {g.domain: g for g in user.grants}
    for domain in sorted(set(wanted) | {d for d, g in held.items() if g.group_id is not None}):
        grant, source = held.get(domain), wanted.get(domain)
        if grant is not None and grant.group_id is None:
            continue  # the person's own grant wins
        before = _terms(grant)
        after = _terms(source)
        if before == after:
            continue
        if grant is None:
            user.grants.append(Grant(domain=domain, **after))
        elif source is None:
            user.grants.remove(grant)
        else:
            grant.role, grant.scope, grant.group_id = source.role, source.scope, source.group_id
        db.flush()
        action = "create" if grant is None else "delete" if source is None else "update"
        audit.record(
            db,
            actor=actor,
            action=action,
            domain="platform",
            target_type="grant",
            target_id=f"{user.id}:{domain}",
            changes=audit.diff(before, after),
        )
    db.expire(user, ["grants"])


def leave_all_groups(db: Session, user: User, *, actor: Actor) -> None:
    for group in db.scalars(select(Group).join(GroupMember).where(GroupMember.user_id == user.id)):
        update_group(db, group=group, members=[m for m in group.members if m.id != user.id], actor=actor)
