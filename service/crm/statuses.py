"""The status rules of §4: which site transitions exist, and a request's status from its sites (§4.2).

Site (§4.1):  対応中 → 不備 (不備発見), 不備 → 対応中 (修正・再提出), 対応中 → 投入済, 対応中/不備 → キャンセル.
Request (§4.2), in this order:
  - a deficiency on the whole request is open, or any site is 不備      → 不備
  - no sites yet                                                        → 対応中 (キャンセル once cancelled)
  - every site キャンセル                                               → キャンセル
  - every site 投入済                                                   → 投入済
  - every site that is not キャンセル is 投入済                          → 一部キャンセル
  - otherwise (対応中, or a mix without 不備)                           → 対応中
A cancelled site is withdrawn: it does not hold the rest of the request open (a request whose other sites are all
投入済 is closed), and the request says so: 一部キャンセル, never 投入済, in every list, count and figure (they all read
this status). A request without sites has its own state until the back office adds the first site.
"""

from collections.abc import Iterable

from service.crm import labels
from service.crm.models import CANCELLED, DEFICIENT, IN_PROGRESS, PARTLY_CANCELLED, SUBMITTED
from service.errors import Conflict

BACK_OFFICE_TRANSITIONS = frozenset({(IN_PROGRESS, DEFICIENT), (DEFICIENT, IN_PROGRESS), (IN_PROGRESS, SUBMITTED)})
CANCELLABLE = frozenset({IN_PROGRESS, DEFICIENT})
OPEN = CANCELLABLE
CLOSED = frozenset({SUBMITTED, PARTLY_CANCELLED, CANCELLED})
SITE_STATUS_ORDER = (DEFICIENT, IN_PROGRESS, SUBMITTED, CANCELLED)
STATUS_ORDER = (DEFICIENT, IN_PROGRESS, SUBMITTED, PARTLY_CANCELLED, CANCELLED)  # a request's
DONE = frozenset({SUBMITTED, PARTLY_CANCELLED})  # closed with its sites entered in the carrier's system


def aggregate(site_statuses: Iterable[str], *, whole_deficiency: bool, cancelled: bool) -> str:
    statuses = list(site_statuses)
    if whole_deficiency or DEFICIENT in statuses:
        return DEFICIENT
    if not statuses:
        return CANCELLED if cancelled else IN_PROGRESS
    remaining = [s for s in statuses if s != CANCELLED]
    if not remaining:
        return CANCELLED
    if all(s == SUBMITTED for s in remaining):
        return SUBMITTED if len(remaining) == len(statuses) else PARTLY_CANCELLED
    return IN_PROGRESS


def check_transition(before: str, after: str) -> None:
    """Cancelling has its own rule and endpoint."""
    if (before, after) not in BACK_OFFICE_TRANSITIONS:
        raise Conflict(
            labels.TRANSITION_NOT_ALLOWED.format(
                before=labels.STATUS_LABELS[before], after=labels.STATUS_LABELS[after]
            ),
            code="transition_not_allowed",
            details={
                "from": before,
                "to": after,
                "allowed": sorted(a for b, a in BACK_OFFICE_TRANSITIONS if b == before),
            },
        )
