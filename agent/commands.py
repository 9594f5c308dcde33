"""Commands the server hands out in heartbeat replies: firmware update, collect diagnostics, set interval, restart
(再起動: the TC-200's payment application; the agent and the store PC stay up).

Every command ends in one final progress report (succeeded or failed). Final reports are remembered in the state
file until the server has them, so a report lost to a network failure is sent again after the next heartbeat and a
command the server hands out twice is not run twice. A command is remembered as running before it starts: one the
agent was stopped in the middle of is never run again, but concluded when it starts again (a restart by asking the
terminal whether it answers, any other as failed).
"""

import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.buffer import Event, Level, new_event
from agent.client import AgentClient, AgentError, Command, GarbageResponse, Rejected, parse_interval
from agent.device import DeviceError, TC200Device, sha256_of
from agent.state import StateStore

log = logging.getLogger("agent.commands")

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_FIRMWARE_BYTES = 512 * 1024 * 1024
MAX_DIAGNOSTIC_LINES = 2000
MAX_LINE_CHARS = 2000
PROGRESS_STEP = 20
# The server closes these commands itself when it accepts their upload: no separate final report.
CLOSED_BY_UPLOAD = frozenset({"collect_diagnostics"})

COMMAND_EVENT = "コマンド #{id}: {message}"  # a finished command in the terminal's events (read by people)
RUNNING = "running"  # a command's record in the state file while it runs
RESTARTING = "決済アプリを再起動中"
RESTARTED = "決済アプリを再起動しました"
STILL_IN_ERROR = "（再起動後も端末がエラーを報告しています: {error}）"
INTERRUPTED = "エージェントが実行中に停止しました。結果は確かめられないため、再実行はしません"
RESTART_INTERRUPTED = "エージェントが再起動の途中で停止しました。"
DEVICE_TEXT = 200  # characters of what the terminal said, quoted in a report


class CommandFailed(Exception):
    """The command could not be carried out; the message goes to the server as the failure reason."""


@dataclass(frozen=True)
class FirmwareParams:
    release_id: str
    version: str
    sha256: str
    size: int
    download_url: str


def firmware_params(params: dict) -> FirmwareParams:
    """Check the firmware_update params; the download must come from the same server the token goes to."""
    release_id, version, sha256 = params.get("release_id"), params.get("version"), params.get("sha256")
    size, url = params.get("size"), params.get("download_url")
    if isinstance(release_id, bool) or not isinstance(release_id, int | str) or not str(release_id).isalnum():
        raise CommandFailed("release_id が不正です")
    if not isinstance(version, str) or not version or len(version) > 50 or " " in version:
        raise CommandFailed("version が不正です")
    if not isinstance(sha256, str) or not SHA256_RE.match(sha256.lower()):
        raise CommandFailed("sha256 は64桁の16進数である必要があります")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_FIRMWARE_BYTES:
        raise CommandFailed("size が不正です")
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        raise CommandFailed("download_url はサーバー内の相対パスである必要があります")
    return FirmwareParams(str(release_id), version, sha256.lower(), size, url)


def tail_lines(paths: list[Path], n: int) -> list[str]:
    """The last n lines across files given oldest first (a rotated log and its current file)."""
    lines: deque[str] = deque(maxlen=n)
    for path in paths:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                lines.extend(line.rstrip("\n") for line in handle)
        except FileNotFoundError:
            continue
    return list(lines)


class CommandRunner:
    """Carries out one command at a time and reports its progress."""

    def __init__(
        self,
        *,
        client: AgentClient,
        device: TC200Device,
        store: StateStore,
        firmware_dir: Path,
        log_path: Path | None,
        record_event: Callable[[Event], None],
    ) -> None:
        self.client = client
        self.device = device
        self.store = store
        self.firmware_dir = firmware_dir
        self.log_path = log_path
        self.record_event = record_event
        self._handlers: dict[str, Callable[[Command], str]] = {
            "firmware_update": self._firmware_update,
            "collect_diagnostics": self._collect_diagnostics,
            "set_interval": self._set_interval,
            "restart": self._restart,
        }

    def run(self, command: Command) -> None:
        known = self.store.state.commands.get(command.id)
        if known is not None:
            log.info("command %s was already carried out (%s); reporting it again", command.id, known["state"])
            self._conclude(command.id, known)
            return
        log.info("running command %s (%s)", command.id, command.type)
        self.store.state.commands[command.id] = {"state": RUNNING, "type": command.type, "reported": False}
        self.store.save()
        handler = self._handlers.get(command.type)
        try:
            if handler is None:
                raise CommandFailed(f"未対応のコマンドです: {command.type[:50]}")
            self._finish(command.id, "succeeded", handler(command), reported=command.type in CLOSED_BY_UPLOAD)
        except CommandFailed as exc:
            self._finish(command.id, "failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - a bad command must never take the agent down
            log.exception("command %s crashed", command.id)
            self._finish(command.id, "failed", f"エージェント内部エラー: {type(exc).__name__}")

    def resend_unreported(self) -> None:
        """Final reports the server has not acknowledged yet, and commands a stopped agent left running."""
        for command_id, report in list(self.store.state.commands.items()):
            if not report.get("reported"):
                self._conclude(command_id, report)

    def _conclude(self, command_id: str, report: dict) -> None:
        """Send a known command's final report again; one left running ends now, without running again."""
        if report["state"] != RUNNING:
            self._send_final(command_id, report)
        elif report.get("type") == "restart":
            self._restart_interrupted(command_id)
        else:
            self._finish(command_id, "failed", INTERRUPTED)

    def _progress(self, command: Command, state: str, progress: int, message: str) -> None:
        """Best effort: a lost intermediate report is not worth failing the command for."""
        try:
            self.client.report_progress(command.id, state=state, progress=progress, message=message)
        except AgentError as exc:
            log.warning("progress report for command %s not delivered: %s", command.id, exc)

    def _finish(self, command_id: str, state: str, message: str, reported: bool = False) -> None:
        level: Level = "info" if state == "succeeded" else "error"
        level_no = logging.INFO if state == "succeeded" else logging.ERROR
        log.log(level_no, "command %s %s: %s", command_id, state, message)
        self.record_event(new_event(level, f"command_{state}", COMMAND_EVENT.format(id=command_id, message=message)))
        report = {
            "state": state,
            "progress": 100 if state == "succeeded" else 0,
            "message": message,
            "reported": reported,
        }
        self.store.state.commands[command_id] = report
        self.store.save()
        if not reported:
            self._send_final(command_id, report)

    def _send_final(self, command_id: str, report: dict) -> None:
        try:
            self.client.report_progress(
                command_id, state=report["state"], progress=report["progress"], message=report["message"]
            )
        except Rejected as exc:
            log.warning("server refused the final report of command %s: %s", command_id, exc)
        except AgentError as exc:
            log.warning("final report of command %s not delivered, will retry: %s", command_id, exc)
            return
        report["reported"] = True
        self.store.save()

    def _firmware_update(self, command: Command) -> str:
        params = firmware_params(command.params)
        image = self.firmware_dir / f"release-{params.release_id}.bin"
        try:
            self._download(command, params, image)
            self._progress(command, "verifying", 0, "sha256 を検証中")
            self._verify(image, params)
            self._install(command, params, image)
        finally:
            image.unlink(missing_ok=True)
        return f"ファームウェア {params.version} をインストールしました"

    def _download(self, command: Command, params: FirmwareParams, image: Path) -> None:
        self._progress(command, "downloading", 0, "ダウンロード中")
        reported = [0]

        def on_bytes(received: int) -> None:
            pct = received * 100 // params.size
            if pct - reported[0] >= PROGRESS_STEP:
                reported[0] = pct
                self._progress(command, "downloading", pct, "ダウンロード中")

        try:
            self.client.download(params.download_url, image, params.size, on_bytes)
        except AgentError as exc:
            raise CommandFailed(f"ダウンロードに失敗しました: {exc}") from None

    def _verify(self, image: Path, params: FirmwareParams) -> None:
        """Size and sha256 must match what the server announced; otherwise the image is never installed."""
        size = image.stat().st_size
        if size != params.size:
            raise CommandFailed(
                f"サイズが一致しません（期待 {params.size} バイト、受信 {size} バイト）。インストールしません"
            )
        actual = sha256_of(image)
        if actual != params.sha256:
            log.error(
                "firmware %s rejected: sha256 %s does not match the announced %s", params.version, actual, params.sha256
            )
            raise CommandFailed(f"sha256 が一致しません（受信 {actual[:12]}…）。インストールしません")

    def _install(self, command: Command, params: FirmwareParams, image: Path) -> None:
        message = f"ファームウェア {params.version} をインストール中"
        self._progress(command, "installing", 0, message)
        try:
            self.device.install_firmware(
                image, params.version, lambda pct: self._progress(command, "installing", pct, message)
            )
        except DeviceError as exc:
            raise CommandFailed(f"端末がインストールに失敗しました: {exc}") from None

    def _collect_diagnostics(self, command: Command) -> str:
        max_lines = command.params.get("max_lines", 200)
        if isinstance(max_lines, bool) or not isinstance(max_lines, int) or not 1 <= max_lines <= MAX_DIAGNOSTIC_LINES:
            raise CommandFailed(f"max_lines は 1〜{MAX_DIAGNOSTIC_LINES} の整数である必要があります")
        lines = self._diagnostic_lines(max_lines)
        try:
            self.client.upload_diagnostics(command.id, lines)
        except AgentError as exc:
            raise CommandFailed(f"診断ログの送信に失敗しました: {exc}") from None
        return f"診断ログ {len(lines)} 行を送信しました"

    def _diagnostic_lines(self, max_lines: int) -> list[str]:
        """The newest lines of the agent's own log and of the terminal's log, half each."""
        device_share = max_lines // 2
        agent_lines = []
        if self.log_path is not None:
            rotated = self.log_path.with_name(self.log_path.name + ".1")
            agent_lines = tail_lines([rotated, self.log_path], max_lines - device_share)
        try:
            device_lines = self.device.recent_logs(device_share)
        except DeviceError as exc:
            device_lines = [f"device logs unavailable: {exc}"]
        lines = [f"agent | {line}" for line in agent_lines] + [f"device | {line}" for line in device_lines]
        return [line[:MAX_LINE_CHARS] for line in lines[-max_lines:]]

    def _set_interval(self, command: Command) -> str:
        try:
            interval = parse_interval(command.params.get("interval_seconds"))
        except GarbageResponse as exc:
            raise CommandFailed(str(exc)) from None
        self.store.state.interval_seconds = interval
        self.store.save()
        return f"ハートビート間隔を {interval} 秒に変更しました"

    def _restart(self, command: Command) -> str:
        self._progress(command, "restarting", 0, RESTARTING)
        try:
            self.device.restart_app()
        except DeviceError as exc:
            raise CommandFailed(f"端末が再起動できませんでした: {_quoted(str(exc))}") from None
        try:
            error = self._terminal_error()
        except DeviceError as exc:
            raise CommandFailed(f"再起動後に端末と通信できません: {_quoted(str(exc))}") from None
        return RESTARTED + (STILL_IN_ERROR.format(error=error) if error else "")

    def _restart_interrupted(self, command_id: str) -> None:
        """A restart the agent stopped in: done if the terminal now answers and reports no error, else failed."""
        try:
            error = self._terminal_error()
        except DeviceError as exc:
            self._finish(command_id, "failed", f"{RESTART_INTERRUPTED}端末と通信できません: {_quoted(str(exc))}")
            return
        if error:
            self._finish(command_id, "failed", f"{RESTART_INTERRUPTED}端末はエラーを報告しています: {error}")
        else:
            self._finish(command_id, "succeeded", f"{RESTART_INTERRUPTED}再開後、端末は正常に応答しています")

    def _terminal_error(self) -> str | None:
        """What the terminal reports wrong now (None: online); DeviceError when it does not answer."""
        status = self.device.read_status()
        return _quoted(status.error_message) if status.state == "error" else None


def _quoted(text: str | None) -> str:
    """What the terminal said, on one line and within a report's length."""
    return " ".join((text or "不明なエラー").split())[:DEVICE_TEXT]
