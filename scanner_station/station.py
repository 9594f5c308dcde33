"""What a scan station does, shared by the kiosk screens and the headless mode.

A scan is checked locally (digits only, 1 to 10 of them), stored in the durable queue with its client scan id, and
then delivered: pending scans of the logged-in nursery go out oldest first, each tried once and retried up to
`retries` times after clientkit's backoff (half to all of a wait doubling from `retry_backoff_seconds`, and not
before the Retry-After the service asked for, up to `heartbeat_seconds`). A definitive answer (recorded, double scan,
not found, refused) finishes the scan; when every try fails the scan stays pending and delivery stops until the next
reconnect (a heartbeat that gets through, a new scan, a new login). The service deduplicates by client scan id, so
resending after a lost answer writes nothing twice; its answer carries the client scan id of the record it returns,
which tells the scan's own record (success) from an earlier scan's (a double scan). Each try carries the station's
clock at the scan and at the send, so the service files the scan by its own clock however far the station's is off.

When the token ends (the service refuses it, or it expires) the nursery stays known: scans are still taken and held
until staff log in again. Only an explicit logout forgets the nursery.
"""

import asyncio
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from clientkit import station_labels as labels
from clientkit.backoff import backoff
from clientkit.station_api import LogRead, ScanOut
from scanner_station.client import ApiError, ServiceUnreachable, StationClient
from scanner_station.config import StationConfig
from scanner_station.queue import Scan, ScanQueue, Status, open_database
from scanner_station.session import AUTO, MODE_DECIDED_BY, Session, SessionStore, Settings

log = logging.getLogger("scanner_station")

MAX_PARENT_ID_DIGITS = 10
DIGITS = re.compile(r"[0-9]+")
T = TypeVar("T")


class InvalidScan(ValueError):
    """What the scanner sent is not a parent id; the message says which rule it breaks."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyScan(InvalidScan):
    """Nothing but spaces came before the terminator (e.g. the LF of a CR+LF suffix): the kiosk ignores it."""

    def __init__(self) -> None:
        super().__init__(labels.SCAN_EMPTY)


class LoginRefused(Exception):
    """The login did not succeed; the message is for the login screen's error area."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotLoggedIn(Exception):
    """A scan arrived while no nursery is known (never logged in, or logged out)."""


def has_control_characters(text: str) -> bool:
    """Whether the text holds a C0 or C1 control character (GS, Tab, CR, NUL...)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def parse_barcode(raw: str, *, control_seen: bool = False) -> int:
    """The parent id in a scan (BR-ER-004, SEC-008): 1 to 10 digits once NFKC-normalised (full-width digits typed
    with the IME on are read as ASCII ones); surrounding spaces ignored, control characters refused."""
    text = unicodedata.normalize("NFKC", raw)
    if control_seen or has_control_characters(raw) or has_control_characters(text):
        raise InvalidScan(labels.SCAN_CONTROL_CHARACTERS)
    text = text.strip(" ")
    if not text:
        raise EmptyScan()
    if not DIGITS.fullmatch(text):
        raise InvalidScan(labels.SCAN_NOT_DIGITS)
    if len(text) > MAX_PARENT_ID_DIGITS:
        raise InvalidScan(labels.SCAN_TOO_LONG.format(n=len(text)))
    return int(text)


def answer_status(scan: Scan, answer: ScanOut) -> Status:
    """success when the answer's record is this scan's own (written now, or by an earlier try whose answer was lost);
    duplicate when it is an earlier scan's (a double scan)."""
    return "success" if answer.client_scan_id == scan.client_scan_id else "duplicate"


class StationListener:
    """What the station tells its front end; every method is optional."""

    def scan_finished(self, scan: Scan) -> None:
        """The service answered for this scan (its status is no longer pending)."""

    def connection_changed(self, online: bool) -> None:
        """The service became reachable or unreachable."""

    def session_ended(self) -> None:
        """The service refused the token (401): a new login is needed; scans are held until then."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Station:
    """One station: its queue, its session and its connection to the service."""

    def __init__(
        self,
        config: StationConfig,
        *,
        client: StationClient | None = None,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.now = now
        self.sleep = sleep  # between two tries of a request
        self.client = client or StationClient(config.server_url, config.request_timeout_seconds)
        self.db = open_database(config.database_path)
        self.queue = ScanQueue(self.db, max_pending=config.queue_max, keep_finished=config.history_size)
        self.sessions = SessionStore(self.db)
        self.settings = Settings(self.db)
        self.session = self.sessions.load()
        self.entry_mode = self.settings.entry_mode()  # as the service last said: auto or manual
        self.online: bool | None = None
        self.listener = StationListener()
        self._delivering = False
        self._beating = False

    async def close(self) -> None:
        await self.client.close()
        self.db.close()

    def set_online(self, online: bool) -> None:
        """The service answered (or did not) the last request; the listener hears of a change."""
        if self.online != online:
            self.online = online
            log.info("service %s", "reachable" if online else "unreachable")
            self.listener.connection_changed(online)

    # Session -----------------------------------------------------------------------------------------------------

    def live_session(self) -> Session | None:
        """The session while its token can be used; None when no nursery is known or its token has ended."""
        session = self.session
        return session if session is not None and session.live(self.now()) else None

    @property
    def needs_login(self) -> bool:
        """A nursery is known but its token has ended: scans are held until staff log in again."""
        return self.session is not None and self.live_session() is None

    def unreachable_message(self, failure: ServiceUnreachable) -> str:
        """What staff waiting on a request of theirs are told when it got no definitive answer: the service's words
        when it asked to be asked later, else that it cannot be reached (and the station shows itself offline)."""
        self.set_online(bool(failure.said))
        return failure.said or labels.SERVER_UNREACHABLE

    async def login(self, nursery_code: str, password: str) -> Session:
        code = nursery_code.strip()
        if not code or not password:
            raise LoginRefused(labels.LOGIN_FIELDS_REQUIRED)
        try:
            answer = await self.client.login(code, password, self.config.station_id, self.settings.device_token())
        except ServiceUnreachable as exc:
            log.warning("login: no definitive answer (%s)", exc)
            raise LoginRefused(self.unreachable_message(exc)) from None
        except ApiError as exc:
            raise LoginRefused(exc.message) from None
        self.set_online(True)
        self.settings.save_device_token(answer.device_token)
        self._learn_mode(answer.entry_mode)
        self.session = Session(answer.token, answer.nursery_id, answer.nursery_name, code, answer.expires_at)
        self.sessions.save(self.session)
        log.info("logged in: nursery %s (%s)", answer.nursery_id, code)
        return self.session

    def logout(self) -> None:
        """Staff log out: forget the nursery and its token; pending scans stay and go out after the next login of the
        same nursery."""
        self.session = None
        self.sessions.clear()

    def _end_session(self, refused: Session) -> None:
        """The service refused this session's token: keep the nursery, mark the token ended; once only, and not for a
        session that was replaced meanwhile."""
        if self.session is not refused:
            return
        log.warning("the service refused the token; scans are held until the next login")
        self.session = replace(refused, ended=True)
        self.sessions.save(self.session)
        self.listener.session_ended()

    async def heartbeat(self) -> bool:
        """Renew the token (FR-HB-002), retrying like a scan; True when renewed."""
        session = self.live_session()
        if self._beating or session is None:
            return False
        self._beating = True
        try:
            renewal = await self._call(lambda s: self.client.heartbeat(s.token), nursery_id=session.nursery_id)
        except ApiError as exc:
            log.warning("heartbeat refused: %s", exc)
            return False
        finally:
            self._beating = False
        if renewal is None or self.session is not session:
            return False
        self.session = replace(session, token=renewal.token, expires_at=renewal.expires_at)
        self.sessions.save(self.session)
        return True

    async def beat(self) -> None:
        """One heartbeat; one that gets through is a reconnect, so what waits in the queue is sent."""
        if await self.heartbeat() and self.pending_count():
            await self.deliver_pending()

    # Scans -------------------------------------------------------------------------------------------------------

    @property
    def entry_type(self) -> str:
        """The kiosk's 入/出 as staff last chose it (the configured default before that)."""
        return self.settings.entry_type(self.config.entry_type)

    def choose_entry_type(self, entry_type: str) -> None:
        self.settings.save_entry_type(entry_type)

    @property
    def decides_by_presence(self) -> bool:
        """The nursery is in 自動 mode: the service records each scan as the opposite of the person's state today."""
        return self.entry_mode == AUTO

    def _learn_mode(self, mode: str) -> None:
        """The nursery's mode as the service said it (its login, a scan's decidedBy), kept for the next start."""
        if mode != self.entry_mode:
            self.entry_mode = mode
            self.settings.save_entry_mode(mode)

    def accept(self, raw: str, entry_type: str, *, control_seen: bool = False) -> Scan:
        """Check a scan and store it as pending, also while the token has ended (InvalidScan, NotLoggedIn when no
        nursery is known, or QueueFull when it cannot be taken)."""
        parent_id = parse_barcode(raw, control_seen=control_seen)
        if self.session is None:
            raise NotLoggedIn()
        return self.queue.add(
            nursery_id=self.session.nursery_id, parent_id=parent_id, entry_type=entry_type, now=self.now()
        )

    def keep_by_hand(self, log: LogRead) -> Scan:
        """A record of 「カードを忘れた方」 joins the history as a scan's answer does, with the children it names."""
        kept = self.queue.add_by_hand(
            nursery_id=log.nursery_id,
            parent_id=log.parent_id,
            entry_type=log.entry_type,
            at=log.timestamp,
            parent_name=log.parent_name,
            log_id=log.id,
        )
        return replace(kept, child_names=tuple(log.child_names))

    def history(self) -> list[Scan]:
        if self.session is None:
            return []
        return self.queue.recent(self.session.nursery_id, self.config.history_size)

    def pending_count(self) -> int:
        return self.queue.pending_count(self.session.nursery_id) if self.session else 0

    async def deliver_pending(self) -> None:
        """Send the logged-in nursery's pending scans, oldest first, until the queue is empty or the service is gone.

        Only one delivery runs at a time; a call while one runs returns at once (the running one picks up new scans).
        """
        if self._delivering:
            return
        self._delivering = True
        try:
            while (session := self.live_session()) is not None:
                scan = self.queue.oldest_pending(session.nursery_id)
                if scan is None or not await self._deliver(scan):
                    return
        finally:
            self._delivering = False

    async def _deliver(self, scan: Scan) -> bool:
        """One scan with its retries; False when it is still pending afterwards."""

        async def send(session: Session) -> ScanOut:
            return await self.client.record_scan(
                session.token,
                client_scan_id=scan.client_scan_id,
                station_id=self.config.station_id,
                nursery_id=scan.nursery_id,
                parent_id=scan.parent_id,
                entry_type=scan.entry_type,
                scanned_at=scan.scanned_at,
                sent_at=self.now(),
            )

        try:
            answer = await self._call(
                send, nursery_id=scan.nursery_id, on_unreachable=lambda: self.queue.count_attempt(scan.client_scan_id)
            )
        except ApiError as exc:
            finished = self.queue.finish(scan.client_scan_id, "failed", message=exc.message)
        else:
            if answer is None:
                return False
            if answer.decided_by in MODE_DECIDED_BY:
                self._learn_mode(MODE_DECIDED_BY[answer.decided_by])
            finished = self.queue.finish(
                scan.client_scan_id,
                answer_status(scan, answer),
                parent_name=answer.parent_name,
                log_id=answer.id,
                entry_type=answer.entry_type,
            )
            finished = replace(finished, child_names=tuple(answer.child_names), pickup_warning=answer.pickup_warning)
        log.info("scan %s: %s", scan.client_scan_id, finished.status)
        self.listener.scan_finished(finished)
        return True

    async def _call(
        self,
        request: Callable[[Session], Awaitable[T]],
        *,
        nursery_id: int | None = None,
        on_unreachable: Callable[[], None] | None = None,
    ) -> T | None:
        """Run a request with the current token: one try and up to `retries` more with backoff.

        None when no try got through, the token has ended (401 now or before) or the session changed nursery
        meanwhile; ApiError for any other refusal.
        """
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(ServiceUnreachable),
            stop=stop_after_attempt(self.config.retries + 1),
            wait=backoff(self.config.retry_backoff_seconds, self.config.heartbeat_seconds),
            sleep=self.sleep,
            retry_error_callback=lambda _: None,
        )
        async for attempt in retrying:
            with attempt:
                session = self.live_session()
                if session is None or (nursery_id is not None and session.nursery_id != nursery_id):
                    return None
                return await self._try(request, session, attempt.retry_state.attempt_number, on_unreachable)
        return None

    async def _try(
        self,
        request: Callable[[Session], Awaitable[T]],
        session: Session,
        number: int,
        on_unreachable: Callable[[], None] | None,
    ) -> T | None:
        """One try of `_call`'s: ServiceUnreachable when it may be repeated."""
        try:
            result = await request(session)
        except ServiceUnreachable as exc:
            log.info("try %d of %d failed: %s", number, self.config.retries + 1, exc)
            if on_unreachable:
                on_unreachable()
            self.set_online(False)
            raise
        except ApiError as exc:
            if exc.status == 401:
                self._end_session(session)
                return None
            self.set_online(True)
            raise
        self.set_online(True)
        return result
