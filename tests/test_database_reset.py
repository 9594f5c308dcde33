"""The reset each test ends with (tests/conftest.py): the database is a fresh install again, its ids included."""

from sqlalchemy import delete

from service.database import get_engine
from service.loaners.models import Location
from service.models import metadata
from tests.conftest import fresh_install, reset_database
from tests.factories import make_user
from tests.support.database import take_snapshot


def test_after_new_rows_and_a_deleted_reference_row_the_reset_puts_back_a_fresh_install(db):
    make_user(db, "someone", grants={"platform": "admin"})
    db.execute(delete(Location))
    db.commit()
    assert take_snapshot(get_engine(), metadata) != fresh_install()

    reset_database()

    assert take_snapshot(get_engine(), metadata) == fresh_install()
