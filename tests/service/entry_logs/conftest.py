"""Fixtures for the 入退管理 tests."""

import pytest

from tests.service.entry_logs.world import World, make_world, staff_headers


@pytest.fixture
def sakura(db) -> World:
    world = make_world(db, "sakura", name="さくら保育園")
    db.commit()
    return world


@pytest.fixture
def himawari(db) -> World:
    world = make_world(db, "himawari", name="ひまわり保育園")
    db.commit()
    return world


@pytest.fixture
def staff(db, sakura) -> dict[str, str]:
    return staff_headers(db, sakura)
