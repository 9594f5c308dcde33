"""Loaners test helpers: the §8.1 initial data in every test, users with loaners roles, devices and answers."""

from datetime import datetime

import pytest

from service.audit.service import Actor
from service.database import session_scope, utcnow
from service.loaners.devices import devices
from service.loaners.devices.schemas import DeviceCreate
from service.loaners.models import Device, Location
from service.loaners.seed import ensure_initial_data
from service.loaners.submissions import submissions
from service.tenancy import TenantScope
from tests.factories import auth_headers, make_user

ACTOR = Actor(type="user", id="0", label="tester")
ALL = TenantScope("loaners", "jurisdiction", None)
LENT = {
    "0-1.担当者": "山田太郎",
    "0-4.ステータス": "1.貸出中",
    "1-1.貸出先": "○○商事株式会社",
    "1-2.貸出日": "2024-07-01",
    "1-4.ユーザー機の預り有無": "有り",
}
IN_HOUSE = {"0-1.担当者": "佐藤", "0-4.ステータス": "3.社内にて保管中", "3-0.社内ステータス": "1.貸出可能"}


@pytest.fixture(autouse=True)
def initial_data():
    """Tests empty every table afterwards; the initial data a fresh install has is put back before each test."""
    with session_scope() as db:
        ensure_initial_data(db, now=utcnow())
    yield


def headers(db, login_id: str, role: str = "staff", scope: str | None = None) -> dict[str, str]:
    return auth_headers(make_user(db, login_id, grants={"loaners": (role, scope)}))


def add_location(db, location_id: str, jurisdiction: str, **fields) -> Location:
    location = Location(
        id=location_id,
        code=location_id.upper(),
        name=fields.pop("name", location_id),
        jurisdiction=jurisdiction,
        group_email=f"{location_id}@example.com",
        **fields,
    )
    db.add(location)
    db.flush()
    return location


def make_device(
    db, location_id: str = "osaka", model_id: str = "MODEL_001", serial: str = "ABC123", **fields
) -> Device:
    fields.setdefault("asset_number", f"ASSET-{serial}")
    fields.setdefault("confirm", True)  # a repeated serial is registered as told
    data = DeviceCreate(location_id=location_id, model_id=model_id, serial_number=serial, **fields)
    return devices.create_device(db, data=data, scope=ALL, actor=ACTOR)


def answer(db, device: Device, answers: dict, *, at: datetime | None = None, email: str = "staff@example.jp"):
    return submissions.submit(db, device=device, raw_answers=answers, email=email, actor=ACTOR, now=at or utcnow())
