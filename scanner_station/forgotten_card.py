"""「カードを忘れた方」 at the kiosk, over the service's API as the browser station does it: staff unlock it with the
nursery's PIN and their name (5 wrong PINs lock it, as a login), find a parent or today's 「本日のみ」 person by
ふりがな, name or the phone's last 4 digits (at most 10 shown), and record their 入/出 now as 手入力, audited; the
record joins the station's scan history as a scan's answer does.

The unlock lives as long as its desk: the kiosk opens a new desk with the panel, and closing the panel forgets the
unlock and what it showed. When the unlock ends (its few minutes ran out, the station was signed out) the service
refuses its token and the desk asks for the PIN again. Every request is tried once: a record by hand carries no id
the service could tell a resend by.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from clientkit import station_labels as labels
from clientkit.station_api import ForgottenCardPeople, ForgottenCardPerson, LogRead
from scanner_station.client import ApiError, ServiceUnreachable
from scanner_station.queue import Scan
from scanner_station.station import Station

T = TypeVar("T")


class DeskRefused(Exception):
    """The desk could not do what staff asked; the message says why. `locked`: the unlock has ended (the PIN again)."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


class ForgottenCardDesk:
    """One opening of 「カードを忘れた方」: locked until staff give the PIN, then a lookup and records by hand."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self._unlock_token: str | None = None

    @property
    def unlocked(self) -> bool:
        return self._unlock_token is not None

    async def unlock(self, staff_name: str, pin: str) -> None:
        """Unlock with the nursery's PIN for the staff member named (the station's own token must be live)."""
        staff = staff_name.strip()
        if not staff or not pin:
            raise DeskRefused(labels.UNLOCK_FIELDS_REQUIRED)
        session = self.station.live_session()
        if session is None:
            raise DeskRefused(labels.RELOGIN_NEEDED)
        client = self.station.client
        answer = await self._ask(lambda: client.unlock(session.token, pin=pin, staff_name=staff))
        self._unlock_token = answer.token

    async def find(self, q: str) -> ForgottenCardPeople:
        """The people the search text finds (the service shows at most 10, and says when there are more)."""
        token, text = self._token(), q.strip()
        return await self._ask(lambda: self.station.client.people(token, text))

    async def record(self, person: ForgottenCardPerson, entry_type: str, reason: str) -> tuple[LogRead, Scan]:
        """The person's 入 or 出 now, with why (the usual reason when none is typed), and its row in the history."""
        token, why = self._token(), reason.strip() or labels.REASON_DEFAULT
        log = await self._ask(
            lambda: self.station.client.record_by_hand(
                token, parent_id=person.parent_id, entry_type=entry_type, reason=why
            )
        )
        return log, self.station.keep_by_hand(log)

    def _token(self) -> str:
        if self._unlock_token is None:
            raise DeskRefused(labels.UNLOCK_FIELDS_REQUIRED, locked=True)
        return self._unlock_token

    async def _ask(self, request: Callable[[], Awaitable[T]]) -> T:
        """The service's answer, or DeskRefused with its reason (a refused unlock token locks the desk)."""
        unlocked = self.unlocked
        try:
            answer = await request()
        except ServiceUnreachable as failure:
            raise DeskRefused(self.station.unreachable_message(failure)) from None
        except ApiError as refused:
            self.station.set_online(True)
            if refused.status == 401 and unlocked:
                self._unlock_token = None
                raise DeskRefused(refused.message, locked=True) from None
            raise DeskRefused(refused.message) from None
        self.station.set_online(True)
        return answer
