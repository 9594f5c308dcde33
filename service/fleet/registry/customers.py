"""Customers (顧客企業): the register every terminal belongs to."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from service import fields
from service.audit import service as audit
from service.audit.service import Actor
from service.errors import Conflict
from service.fleet import auditing
from service.fleet.models import Customer, Terminal
from service.fleet.registry.schemas import CustomerCreate, CustomerUpdate
from service.search import contains
from service.tenancy import TenantScope, scoped

CUSTOMER_FIELDS = fields.audited(Customer)  # company_name, contact_person, …, contract_type


def _ensure_unique_name(db: Session, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Customer.id).where(func.lower(Customer.company_name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Customer.id != exclude_id)
    if db.scalar(stmt):
        raise Conflict("この会社名は既に登録されています", details={"field": "company_name", "rule": "unique"})


def customer_query(scope: TenantScope, q: str | None) -> Select:
    """The customers of the list: within the scope, their name containing q."""
    stmt = scoped(select(Customer), scope, Customer.id)
    return stmt.where(contains(q, *fields.searched(Customer))) if q else stmt


def list_customers(
    db: Session, *, scope: TenantScope, q: str | None, offset: int, limit: int
) -> tuple[list[Customer], int]:
    stmt = customer_query(scope, q)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(db.scalars(stmt.order_by(Customer.company_name).offset(offset).limit(limit)).all()), total


def create_customer(db: Session, *, data: CustomerCreate, actor: Actor) -> Customer:
    _ensure_unique_name(db, data.company_name)
    customer = Customer(**{k: str(v) for k, v in data.model_dump().items()})
    db.add(customer)
    db.flush()
    auditing.record(
        db, actor, "create", "customer", customer.id, audit.diff({}, audit.snapshot(customer, CUSTOMER_FIELDS))
    )
    return customer


def update_customer(db: Session, *, customer: Customer, data: CustomerUpdate, actor: Actor) -> Customer:
    fields = {k: str(v) for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "company_name" in fields:
        _ensure_unique_name(db, fields["company_name"], exclude_id=customer.id)
    before = audit.snapshot(customer, CUSTOMER_FIELDS)
    for name, value in fields.items():
        setattr(customer, name, value)
    db.flush()
    changes = audit.diff(before, audit.snapshot(customer, CUSTOMER_FIELDS))
    if changes:
        auditing.record(db, actor, "update", "customer", customer.id, changes)
    return customer


def delete_customer(db: Session, *, customer: Customer, actor: Actor) -> None:
    if db.scalar(select(Terminal.id).where(Terminal.customer_id == customer.id).limit(1)):
        raise Conflict("端末が登録されている顧客は削除できません", code="customer_has_terminals")
    before = audit.snapshot(customer, CUSTOMER_FIELDS)
    db.delete(customer)
    db.flush()
    auditing.record(db, actor, "delete", "customer", customer.id, audit.diff(before, {}))
