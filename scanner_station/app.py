"""The kiosk: a full-screen Textual app with the login screen and the scan screen (entry-logs.md §3.2, §3.3, §6.2)."""

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TypeVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.events import Key
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static

from clientkit import station_labels as labels
from clientkit.station_api import PIN_MAX, REASON_MAX, SEARCH_MAX, STAFF_NAME_MAX, ForgottenCardPerson
from scanner_station.config import MAX_NURSERY_CODE_CHARS, StationConfig
from scanner_station.forgotten_card import DeskRefused, ForgottenCardDesk
from scanner_station.queue import QueueFull, Scan
from scanner_station.station import EmptyScan, InvalidScan, LoginRefused, NotLoggedIn, Station, StationListener

# A scanner's LF or Tab suffix ends a scan (Enter, its CR suffix, is the Input's own binding): "38<Tab>39<Tab>" is two.
SUBMIT_KEYS = {"ctrl+j", "tab"}
EDITING_KEYS = {"enter", "backspace", "delete", "left", "right", "home", "end"}
FEEDBACK_KINDS = ("ok", "error", "pending")
MAX_PASSWORD_CHARS = 200
W = TypeVar("W", bound=Widget)
ENTRY_TYPE_STYLES = {"Entry": "bold #22c55e", "Exit": "bold #f97316"}
STATUS_STYLES = {
    "success": "bold #22c55e",
    "pending": "bold #f59e0b",
    "failed": "bold #ef4444",
    "duplicate": "bold #38bdf8",
    "by_hand": "bold #a78bfa",
}


class ScanInput(Input):
    """Where the scanner types (keyboard mode: digits, then Enter, LF or Tab).

    A control character is not typed into the value but remembered, so the scan it belongs to is refused
    instead of being read as the digits around it.
    """

    control_seen = False

    async def _on_key(self, event: Key) -> None:
        if event.key in SUBMIT_KEYS:
            event.stop()
            event.prevent_default()
            await self.action_submit()
            return
        is_control = event.key.startswith("ctrl+") or (event.character is not None and not event.is_printable)
        if is_control and event.key not in EDITING_KEYS:
            event.stop()
            event.prevent_default()
            self.control_seen = True
            return
        await super()._on_key(event)

    def take(self) -> tuple[str, bool]:
        """The scan typed so far and whether a control character came with it; the input is emptied."""
        raw, control_seen = self.value, self.control_seen
        self.value = ""
        self.control_seen = False
        return raw, control_seen


def unfocusable(widget: W) -> W:
    """Buttons and tables that must never take the focus away from the scan input."""
    widget.can_focus = False
    return widget


class StationScreen(Screen):
    """A screen of the kiosk: it reads and drives the StationApp it runs in."""

    @property
    def kiosk(self) -> "StationApp":
        app = self.app
        if not isinstance(app, StationApp):
            raise TypeError(f"{type(self).__name__} runs only in StationApp")
        return app

    @property
    def station(self) -> Station:
        return self.kiosk.station


class LoginScreen(StationScreen):
    """入退登録システム: 保育園コード and パスワード (UI-EL-001..005).

    Opened from the scan screen's 再ログイン banner it logs in again for the nursery the station scans for: the code
    is filled in and fixed (a scan read meanwhile cannot land in it), and スキャン画面に戻る goes back without a login.
    """

    AUTO_FOCUS = "#code, #password"  # the first that can take the focus: the password when the code is fixed

    def compose(self) -> ComposeResult:
        known = self.station.session
        with Vertical(id="login-box"):
            yield Static(labels.APP_TITLE, id="login-title")
            yield Label(f"{labels.NURSERY_CODE}:", classes="field-label")
            code = known.nursery_code if known else ""
            yield Input(code, id="code", max_length=MAX_NURSERY_CODE_CHARS, disabled=known is not None)
            yield Label(f"{labels.PASSWORD}:", classes="field-label")
            with Horizontal(id="password-row"):
                yield Input(id="password", password=True, max_length=MAX_PASSWORD_CHARS)
                yield Button(labels.SHOW_PASSWORD, id="toggle-password")
            yield Button(labels.LOGIN, id="login", variant="primary")
            if known:
                yield Button(labels.BACK_TO_SCANNING, id="back")
            yield Static(id="login-error", markup=False)

    @on(Button.Pressed, "#back")
    def back_to_scanning(self) -> None:
        self.kiosk.show_main()

    @on(Button.Pressed, "#toggle-password")
    def toggle_password(self) -> None:
        password = self.query_one("#password", Input)
        password.password = not password.password
        self.query_one("#toggle-password", Button).label = (
            labels.SHOW_PASSWORD if password.password else labels.HIDE_PASSWORD
        )

    @on(Input.Submitted, "#code")
    def next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def submit(self) -> None:
        self.log_in()

    @work(exclusive=True, group="login")
    async def log_in(self) -> None:
        button = self.query_one("#login", Button)
        error = self.query_one("#login-error", Static)
        password = self.query_one("#password", Input)
        button.disabled, button.label = True, labels.LOGGING_IN
        error.update("")
        try:
            await self.station.login(self.query_one("#code", Input).value, password.value)
        except LoginRefused as refused:
            error.update(refused.message)
            password.value = ""
            password.focus()
            button.disabled, button.label = False, labels.LOGIN
            return
        self.kiosk.show_main()


def key_name(entry_type: str) -> str:
    """The key that chooses 入 or 出, as the screen shows it (F1)."""
    return labels.ENTRY_TYPE_KEYS[entry_type].upper()


def toggle_label(entry_type: str) -> str:
    return labels.ENTRY_TYPE_BUTTON.format(label=labels.ENTRY_TYPE_LABEL[entry_type], key=key_name(entry_type))


def keys_hint() -> str:
    return labels.ENTRY_TYPE_KEYS_HINT.format(entry=key_name("Entry"), exit=key_name("Exit"))


def recorded_type(entry_type: str) -> Text:
    return Text(labels.ENTRY_TYPE_ARROW[entry_type], style=ENTRY_TYPE_STYLES[entry_type])


def recorded(entry_type: str, message: str) -> Text:
    """The 入/出 the service recorded (in 自動 mode, decided by the person's state) in its colour, then the message."""
    return Text.assemble(recorded_type(entry_type), "\n", message)


class MainScreen(StationScreen):
    """The scan screen: header, 再ログイン banner while the token has ended, 入/出 toggle (its buttons, or F1 and F2,
    keys a scanner never sends), scan prompt and feedback, the last scans (§6.2.2)."""

    AUTO_FOCUS = "#scan"
    BINDINGS = [
        Binding(key, f"choose_entry_type('{entry_type}')", labels.ENTRY_TYPE_LABEL[entry_type], priority=True)
        for entry_type, key in labels.ENTRY_TYPE_KEYS.items()
    ]
    entry_type: reactive[str] = reactive("Entry")

    def __init__(self) -> None:
        super().__init__()
        self._live_scan: str | None = None
        self._feedback_timer: Timer | None = None
        self._flash_timer: Timer | None = None

    @property
    def config(self) -> StationConfig:
        return self.station.config

    def compose(self) -> ComposeResult:
        session = self.station.session
        with Horizontal(id="header"):
            yield Static(session.nursery_name if session else "", id="nursery-name", markup=False)
            yield Static(id="clock")
            yield Static(id="connection", markup=False)
            yield unfocusable(Button(labels.FORGOTTEN_CARD, id="forgotten-open"))
            yield unfocusable(Button(labels.LOGOUT, id="logout"))
        with Horizontal(id="relogin-banner"):
            yield Static(labels.RELOGIN_NEEDED, id="relogin-message", markup=False)
            yield unfocusable(Button(labels.RELOGIN, id="relogin", variant="warning"))
        with Horizontal(id="toggle"):
            for entry_type, widget_id in (("Entry", "entry"), ("Exit", "exit")):
                yield unfocusable(Button(toggle_label(entry_type), id=widget_id, classes="entry-type"))
        yield Static(keys_hint(), id="toggle-keys", markup=False)
        yield Static(id="mode-hint", markup=False)
        with Vertical(id="scan-panel"):
            yield Static(labels.SCAN_PROMPT, id="feedback", markup=False)
            yield ScanInput(id="scan", placeholder=labels.SCAN_PLACEHOLDER, max_length=64)
        with Vertical(id="history-panel"):
            yield Static(f"{labels.HISTORY_TITLE}:", id="history-title")
            yield unfocusable(DataTable(id="history", cursor_type="none", show_cursor=False, zebra_stripes=True))

    def on_mount(self) -> None:
        self.query_one("#history", DataTable).add_columns(*labels.HISTORY_COLUMNS)
        self.set_reactive(MainScreen.entry_type, self.station.entry_type)
        self.tick()
        self.set_interval(1, self.tick)
        self.set_interval(self.config.heartbeat_seconds, self.kiosk.beat)
        self.show_history()
        self.show_connection()
        self.show_mode()
        self.kiosk.beat()

    # Keeping the scanner's input focused (BR-ER-003) ---------------------------------------------------------------

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self.refocus)

    def on_click(self) -> None:
        self.call_after_refresh(self.refocus)

    def refocus(self) -> None:
        if not self.is_current:
            return
        scan = self.query_one("#scan", ScanInput)
        if self.focused is not scan:
            scan.focus()

    # Header ------------------------------------------------------------------------------------------------------

    def tick(self) -> None:
        now = datetime.now(self.config.zone)
        self.query_one("#clock", Static).update(now.strftime("%Y-%m-%d %H:%M:%S"))
        self.show_relogin()

    def show_relogin(self) -> None:
        """The banner while the token has ended (refused, or expired meanwhile): scans are held until a login."""
        self.query_one("#relogin-banner").display = self.station.needs_login

    def show_connection(self) -> None:
        widget = self.query_one("#connection", Static)
        offline = self.station.online is False
        pending = self.station.pending_count()
        text = labels.OFFLINE if offline else labels.ONLINE
        widget.update(f"{text}  {labels.PENDING_COUNT.format(n=pending)}" if pending else text)
        widget.set_class(offline, "-offline")

    def show_mode(self) -> None:
        """自動 or 手動, as the service last said: what a scan records."""
        mode = "auto" if self.station.decides_by_presence else "manual"
        self.query_one("#mode-hint", Static).update(labels.ENTRY_MODE_HINT[mode])
        self.show_toggle()

    def show_toggle(self) -> None:
        """The 入/出 buttons say what the next scan records: the chosen one; in 自動 none, and they are off with their
        keys (the service decides by the person's state)."""
        auto = self.station.decides_by_presence
        for entry_type, widget_id in (("Entry", "#entry"), ("Exit", "#exit")):
            button = self.query_one(widget_id, Button)
            button.set_class(not auto and entry_type == self.entry_type, "-selected")
            button.disabled = auto
        self.query_one("#toggle-keys").display = not auto

    @on(Button.Pressed, "#logout")
    def log_out(self) -> None:
        self.station.logout()
        self.kiosk.show_login()

    @on(Button.Pressed, "#relogin")
    def log_in_again(self) -> None:
        self.kiosk.show_login()

    @on(Button.Pressed, "#forgotten-open")
    def open_forgotten_card(self) -> None:
        self.app.push_screen(ForgottenCardScreen())

    # 入/出 toggle ------------------------------------------------------------------------------------------------

    @on(Button.Pressed, ".entry-type")
    def entry_type_pressed(self, event: Button.Pressed) -> None:
        self.action_choose_entry_type("Entry" if event.button.id == "entry" else "Exit")

    def action_choose_entry_type(self, entry_type: str) -> None:
        """入 or 出, by its button or its key (none in 自動); kept for the next start."""
        if self.station.decides_by_presence:
            return
        self.entry_type = entry_type
        self.station.choose_entry_type(entry_type)

    def watch_entry_type(self) -> None:
        self.show_toggle()

    # Scanning ----------------------------------------------------------------------------------------------------

    @on(Input.Submitted, "#scan")
    def scanned(self, event: Input.Submitted) -> None:
        event.stop()
        raw, control_seen = self.query_one("#scan", ScanInput).take()
        try:
            scan = self.station.accept(raw, self.entry_type, control_seen=control_seen)
        except EmptyScan:
            return
        except InvalidScan as invalid:
            self.feedback(invalid.message, "error")
            return
        except QueueFull as full:
            self.feedback(labels.QUEUE_FULL.format(limit=full.limit), "error")
            return
        except NotLoggedIn:
            self.kiosk.show_login()
            return
        self.show_history()
        self.show_connection()
        if self.station.needs_login:
            self.feedback(labels.RELOGIN_NEEDED, "pending")
        elif self.station.online is False:
            self.feedback(labels.SAVED_OFFLINE, "pending")
        else:
            self._live_scan = scan.client_scan_id
        self.kiosk.deliver()

    def scan_finished(self, scan: Scan) -> None:
        self.show_history()
        self.show_connection()
        self.show_mode()
        if scan.client_scan_id != self._live_scan:
            return
        self._live_scan = None
        name = scan.parent_name or ""
        if scan.pickup_warning:
            self.feedback(f"{scan.pickup_warning}\n{labels.GREETING['Exit'].format(name=name)}", "error")
        elif scan.status == "success":
            self.feedback(recorded(scan.entry_type, labels.greeting(scan.entry_type, name, scan.child_names)), "ok")
        elif scan.status == "duplicate":
            self.feedback(recorded(scan.entry_type, labels.DUPLICATE_SCAN.format(name=name)), "ok")
        else:
            self.feedback(scan.message or labels.PARENT_NOT_FOUND, "error")

    def recorded_by_hand(self, kept: Scan) -> None:
        self.show_history()
        greeting = labels.greeting(kept.entry_type, kept.parent_name or "", kept.child_names)
        self.feedback(recorded(kept.entry_type, greeting), "ok")

    def connection_changed(self, online: bool) -> None:
        self.show_connection()
        if not online:
            self.hold_live_scan(labels.SAVED_OFFLINE)

    def session_ended(self) -> None:
        self.show_relogin()
        self.hold_live_scan(labels.RELOGIN_NEEDED)

    def hold_live_scan(self, message: str) -> None:
        """The scan just read is held instead of answered: say so now, and do not greet it when it goes out later."""
        if self._live_scan is not None:
            self._live_scan = None
            self.feedback(message, "pending")

    # Feedback: 200 ms flash, message for 3 s (UI-ER-005, UI-ER-006) ----------------------------------------------

    def feedback(self, message: str | Text, kind: str) -> None:
        """Show a message in the scan panel for greeting_seconds and flash the screen (red for errors)."""
        widget = self.query_one("#feedback", Static)
        widget.update(message)
        for name in FEEDBACK_KINDS:
            widget.set_class(name == kind, f"-{name}")
        self.flash("error" if kind == "error" else "ok")
        if self._feedback_timer is not None:
            self._feedback_timer.stop()
        self._feedback_timer = self.set_timer(self.config.greeting_seconds, self.clear_feedback)

    def clear_feedback(self) -> None:
        widget = self.query_one("#feedback", Static)
        widget.update(labels.SCAN_PROMPT)
        widget.remove_class(*(f"-{name}" for name in FEEDBACK_KINDS))

    def flash(self, kind: str) -> None:
        self.remove_class("-flash-ok", "-flash-error")
        self.add_class(f"-flash-{kind}")
        if self._flash_timer is not None:
            self._flash_timer.stop()
        self._flash_timer = self.set_timer(self.config.flash_seconds, self.end_flash)

    def end_flash(self) -> None:
        self.remove_class("-flash-ok", "-flash-error")

    # History (UI-ER-007) -----------------------------------------------------------------------------------------

    def show_history(self) -> None:
        table = self.query_one("#history", DataTable)
        table.clear()
        for scan in self.station.history():
            table.add_row(*self.history_row(scan), key=scan.client_scan_id)

    def history_row(self, scan: Scan) -> tuple[str, str, Text, Text]:
        when = scan.scanned_at.astimezone(self.config.zone).strftime("%H:%M:%S")
        name = scan.parent_name or labels.UNKNOWN_PARENT_NAME.format(parent_id=scan.parent_id)
        undecided = scan.status == "pending" and self.station.decides_by_presence
        return (
            when,
            name,
            Text(labels.UNDECIDED) if undecided else recorded_type(scan.entry_type),
            Text(labels.status_text(scan.shown_status, scan.message), style=STATUS_STYLES[scan.shown_status]),
        )


class RecordButton(Button):
    """入を記録 or 出を記録 for one person found."""

    def __init__(self, person: ForgottenCardPerson, entry_type: str) -> None:
        super().__init__(
            labels.RECORD_TYPE[entry_type],
            id=f"record-{entry_type.lower()}-{person.parent_id}",
            classes=f"record {entry_type.lower()}",
        )
        self.person = person
        self.entry_type = entry_type


def person_row(person: ForgottenCardPerson) -> Horizontal:
    """A person found: who (name, kind; reading, relation, children, phone), 園内 or 園外, and the two records."""
    who = Text.assemble(
        (labels.PERSON_LINE.format(name=person.name, kind=person.kind_label), "bold"),
        "\n",
        labels.person_details(person.name_kana, person.relation, person.child_names, person.phone_last4),
    )
    return Horizontal(
        Static(who, classes="who"),
        Static(labels.INSIDE if person.inside else labels.OUTSIDE, classes="state"),
        *(RecordButton(person, entry_type) for entry_type in labels.ENTRY_TYPE_LABEL),
        classes="person",
    )


class ForgottenCardScreen(StationScreen, ModalScreen[None]):
    """「カードを忘れた方」 over the scan screen (staff only): 職員名 and 暗証番号 unlock it; then a search by ふりがな,
    name or the phone's last 4 digits, and 入を記録 / 出を記録 for a person found, with the reason. Nothing of the
    roster shows before the unlock; closing it (閉じる, Esc) forgets the unlock and what it showed."""

    AUTO_FOCUS = "#staff-name"
    BINDINGS = [Binding("escape", "close", labels.CLOSE)]

    def __init__(self) -> None:
        super().__init__()
        self._desk: ForgottenCardDesk | None = None

    @property
    def desk(self) -> ForgottenCardDesk:
        if self._desk is None:
            self._desk = ForgottenCardDesk(self.station)
        return self._desk

    def compose(self) -> ComposeResult:
        with Vertical(id="forgotten-box"):
            yield Static(labels.FORGOTTEN_CARD_TITLE, id="forgotten-title", markup=False)
            with Vertical(id="unlock-form"):
                yield Label(f"{labels.STAFF_NAME}:", classes="field-label")
                yield Input(id="staff-name", max_length=STAFF_NAME_MAX)
                yield Label(f"{labels.PIN}:", classes="field-label")
                yield Input(id="pin", password=True, max_length=PIN_MAX)
                yield Button(labels.UNLOCK, id="unlock", variant="primary")
            with Vertical(id="search-form"):
                yield Label(f"{labels.SEARCH_LABEL}:", classes="field-label")
                with Horizontal(id="search-row"):
                    yield Input(id="search", max_length=SEARCH_MAX)
                    yield Button(labels.SEARCH, id="search-button", variant="primary")
                yield Label(f"{labels.REASON}:", classes="field-label")
                yield Input(labels.REASON_DEFAULT, id="reason", max_length=REASON_MAX)
                yield VerticalScroll(id="people")
            yield Static(id="forgotten-note", markup=False)
            yield Static(id="forgotten-error", markup=False)
            yield Button(labels.CLOSE, id="close")

    def on_mount(self) -> None:
        self.query_one("#search-form").display = False

    def tell(self, error: str, note: str = "") -> None:
        self.query_one("#forgotten-error", Static).update(error)
        self.query_one("#forgotten-note", Static).update(note)

    def show_locked(self, message: str) -> None:
        """Back to the PIN: nothing of the roster stays on screen."""
        self.query_one("#unlock-form").display = True
        self.query_one("#search-form").display = False
        self.query_one("#search", Input).value = ""
        self.query_one("#people").remove_children()
        self.tell(message)
        self.query_one("#pin", Input).focus()

    def show_unlocked(self) -> None:
        self.tell("")
        self.query_one("#unlock-form").display = False
        self.query_one("#search-form").display = True
        self.query_one("#search", Input).focus()

    def refused(self, refusal: DeskRefused) -> None:
        if refusal.locked:
            self.show_locked(refusal.message)
        else:
            self.tell(refusal.message)

    @on(Input.Submitted, "#staff-name")
    def next_field(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#unlock")
    def unlock_pressed(self) -> None:
        self.unlock()

    @work(exclusive=True, group="forgotten-card")
    async def unlock(self) -> None:
        pin = self.query_one("#pin", Input)
        self.tell("")
        try:
            await self.desk.unlock(self.query_one("#staff-name", Input).value, pin.value)
        except DeskRefused as refusal:
            self.tell(refusal.message)
            return
        finally:
            pin.value = ""
        self.show_unlocked()

    @on(Input.Submitted, "#search")
    @on(Button.Pressed, "#search-button")
    def search_pressed(self) -> None:
        self.search()

    @work(exclusive=True, group="forgotten-card")
    async def search(self) -> None:
        q = self.query_one("#search", Input).value
        if not q.strip():
            return
        try:
            found = await self.desk.find(q)
        except DeskRefused as refusal:
            self.refused(refusal)
            return
        people = self.query_one("#people")
        await people.remove_children()
        await people.mount_all(person_row(person) for person in found.people)
        more = labels.MORE_MATCHES.format(n=len(found.people)) if found.more else ""
        self.tell("" if found.people else labels.NO_MATCH, more)

    @on(Button.Pressed, ".record")
    def record_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, RecordButton):
            self.record(event.button.person, event.button.entry_type)

    @work(exclusive=True, group="forgotten-card")
    async def record(self, person: ForgottenCardPerson, entry_type: str) -> None:
        try:
            log, kept = await self.desk.record(person, entry_type, self.query_one("#reason", Input).value)
        except DeskRefused as refusal:
            self.refused(refusal)
            return
        done = labels.RECORDED_BY_HAND.format(
            name=person.name, type=labels.ENTRY_TYPE_LABEL[log.entry_type], staff=log.recorded_by
        )
        self.query_one("#search", Input).value = ""
        await self.query_one("#people").remove_children()
        self.tell("", done)
        self.query_one("#search", Input).focus()
        self.kiosk.recorded_by_hand(kept)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss()


class StationApp(App, StationListener):
    """The scan-station kiosk; it is the station's listener and routes what happens to the screen on show."""

    CSS_PATH = "station.tcss"
    TITLE = labels.APP_TITLE
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: StationConfig, station: Station | None = None) -> None:
        super().__init__()
        self.station = station or Station(config)
        self.station.listener = self

    def on_mount(self) -> None:
        self.push_screen(MainScreen() if self.station.session else LoginScreen())

    def show_main(self) -> None:
        self.switch_screen(MainScreen())

    def show_login(self) -> None:
        self.switch_screen(LoginScreen())

    def _on_main_screen(self, show: Callable[[MainScreen], None]) -> None:
        """Show the station's news on the scan screen when it is mounted, on show or under 「カードを忘れた方」 (it
        shows the station's state itself when it mounts). An answer can arrive while the app closes: the screen still
        counts as mounted while its widgets are being removed, and the news is dropped instead of failing the worker
        that brought it."""
        screen = next((screen for screen in self.screen_stack if isinstance(screen, MainScreen)), None)
        if screen is not None and screen.is_mounted:
            with suppress(NoMatches):
                show(screen)

    def recorded_by_hand(self, kept: Scan) -> None:
        """A record of 「カードを忘れた方」, told on the scan screen as a scan's is: greeted with the children, the
        入/出 in its colour, and in the history (手入力)."""
        self._on_main_screen(lambda screen: screen.recorded_by_hand(kept))

    # Station work runs on the app, so a screen change does not cut a delivery short.

    @work(group="deliver")
    async def deliver(self) -> None:
        await self.station.deliver_pending()

    @work(group="heartbeat")
    async def beat(self) -> None:
        await self.station.beat()

    # StationListener

    def scan_finished(self, scan: Scan) -> None:
        self._on_main_screen(lambda screen: screen.scan_finished(scan))

    def connection_changed(self, online: bool) -> None:
        self._on_main_screen(lambda screen: screen.connection_changed(online))

    def session_ended(self) -> None:
        self._on_main_screen(lambda screen: screen.session_ended())
