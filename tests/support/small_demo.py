"""`python -m tests.support.small_demo`: the demo accounts and a tenth of the fleet demo, its new store whole.

For tests that need the demo's shape, not its size: the full fleet demo takes ~18 s to load here, and
tests/service/fleet/test_demo.py checks it whole. `load_small_demo` is every domain's demo with that small fleet.
"""

from sqlalchemy.orm import Session

from service.audit.service import SYSTEM
from service.database import session_scope
from service.demo.fleet import build_fleet, load_demo_sized
from service.demo.fleet.plan import Size
from service.demo.framework import DemoProgress
from service.demo.platform import load_accounts

SMALL = Size(share=0.1, history_terminals=45, raw_days=1, past_alerts=20)
PROGRESS = DemoProgress(actor=SYSTEM)


def load_small_fleet(db: Session) -> None:
    load_accounts(db, PROGRESS)
    build_fleet(db, PROGRESS, SMALL)


def load_small_demo(db: Session) -> None:
    """Every domain's demo as `demo load` makes it, but the fleet's at the small size."""
    load_demo_sized(db, actor=SYSTEM, size=SMALL)


if __name__ == "__main__":
    with session_scope() as session:
        load_small_fleet(session)
