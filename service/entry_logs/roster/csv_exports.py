"""The roster lists (parents, children) as CSV downloads (service/exports.py); the log list's is logs.log_export."""

from sqlalchemy.orm import selectinload

from service.entry_logs.models import Child, Nursery, Parent
from service.entry_logs.roster import service as roster
from service.exports import ListExport, declared, entities, field, phone
from service.sheets import Column

NAME_SEPARATOR = "、"

PARENT_COLUMNS = (
    field("保護者ID", "id"),
    field("保護者名", "name"),
    declared(Parent.name_kana),
    phone("電話番号", "phone"),
    Column("園児", lambda parent: NAME_SEPARATOR.join(child.name for child in parent.children)),
)
CHILD_COLUMNS = (
    field("園児ID", "id"),
    field("園児名", "name"),
    declared(Child.name_kana),
    field("クラス", "class_name"),
    Column("保護者", lambda child: NAME_SEPARATOR.join(parent.name for parent in child.parents)),
)


def parent_export(*, nursery: Nursery, q: str | None) -> ListExport:
    """The nursery's parents the search finds, by id, each with their children."""
    stmt = roster.parent_query(nursery=nursery, q=q).options(selectinload(Parent.children))
    return ListExport(stmt, roster.PARENT_ORDER, PARENT_COLUMNS, entities)


def child_export(*, nursery: Nursery, class_name: str | None, q: str | None) -> ListExport:
    """The nursery's children the filters select, by class, each with their parents."""
    stmt = roster.child_query(nursery=nursery, class_name=class_name, q=q).options(selectinload(Child.parents))
    return ListExport(stmt, roster.CHILD_ORDER, CHILD_COLUMNS, entities)
