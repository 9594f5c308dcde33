"""--headless: scans from standard input, one per line; one JSON line per scan on standard output.

A line is "<id>", "in <id>" or "out <id>" (入 or 出; without a prefix the --type default). The scan goes through the
same checks and the same durable queue as on the kiosk. Each output line looks like

    {"input": "123", "status": "success", "label": "成功", "entryType": "Entry", "parentId": 123,
     "parentName": "山田花子", "clientScanId": "…", "scannedAt": "2026-01-14T00:15:32+00:00", "message": null}

with status one of success, duplicate, failed (the service refused it, e.g. 保護者が見つかりません), pending
(queued: the service is unreachable; it is sent when the service is back), invalid (not a parent id; nothing sent)
or refused (not taken: the queue is full or no nursery is logged in).

The stored session is used when there is one; otherwise (or for another nursery) --nursery-code and the password in
DAICHO_STATION_PASSWORD log in. Heartbeats run every heartbeat_seconds as on the kiosk. Exit status: 0 when every
scan got an answer, 1 when some are still queued at the end of the input, 2 when the login failed.
"""

import asyncio
import json
import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from clientkit import station_labels as labels
from scanner_station.config import ENTRY_TYPES, PASSWORD_ENV, StationConfig
from scanner_station.queue import QueueFull, Scan
from scanner_station.station import InvalidScan, LoginRefused, NotLoggedIn, Station

log = logging.getLogger("scanner_station.headless")

EXIT_ANSWERED, EXIT_PENDING, EXIT_LOGIN_FAILED = 0, 1, 2


def split_line(line: str, default_type: str) -> tuple[str, str]:
    """("123", "Exit") from "out 123\\n"; the line ending goes, anything else stays for the scan checks."""
    text = line.removesuffix("\n").removesuffix("\r")
    word, space, rest = text.partition(" ")
    if space and word.lower() in ENTRY_TYPES:
        return rest, ENTRY_TYPES[word.lower()]
    return text, default_type


def scan_result(raw: str, scan: Scan) -> dict[str, Any]:
    return {
        "input": raw,
        "status": scan.status,
        "label": labels.status_text(scan.status, scan.message),
        "entryType": scan.entry_type,
        "parentId": scan.parent_id,
        "parentName": scan.parent_name,
        "clientScanId": scan.client_scan_id,
        "scannedAt": scan.scanned_at.isoformat(),
        "message": labels.SAVED_OFFLINE if scan.status == "pending" else scan.message,
    }


def not_taken(raw: str, entry_type: str, status: str, message: str) -> dict[str, Any]:
    return {"input": raw, "status": status, "entryType": entry_type, "message": message}


class HeadlessStation:
    def __init__(self, station: Station, password: str | None) -> None:
        self.station = station
        self.config = station.config
        self.password = password

    async def ensure_session(self) -> None:
        """Keep the stored session while its token lives, or log in with the configured code and password (LoginRefused
        if impossible)."""
        session, code = self.station.live_session(), self.config.nursery_code
        if session is not None and (not code or session.nursery_code == code):
            return
        if not code or not self.password:
            raise LoginRefused(labels.HEADLESS_LOGIN_NEEDED)
        await self.station.login(code, self.password)

    async def handle(self, line: str) -> dict[str, Any]:
        raw, entry_type = split_line(line, self.config.entry_type)
        try:
            await self.ensure_session()
            scan = self.station.accept(raw, entry_type)
        except InvalidScan as invalid:
            return not_taken(raw, entry_type, "invalid", invalid.message)
        except QueueFull as full:
            return not_taken(raw, entry_type, "refused", labels.QUEUE_FULL.format(limit=full.limit))
        except LoginRefused as refused:
            return not_taken(raw, entry_type, "refused", refused.message)
        except NotLoggedIn:
            return not_taken(raw, entry_type, "refused", labels.SESSION_ENDED)
        if self.station.online is not False:
            await self.station.deliver_pending()
        return scan_result(raw, self.station.queue.get(scan.client_scan_id))

    async def keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_seconds)
            await self.station.beat()

    async def run(self, stdin: TextIO, stdout: TextIO) -> int:
        try:
            await self.ensure_session()
        except LoginRefused as refused:
            print(refused.message, file=sys.stderr)
            return EXIT_LOGIN_FAILED
        alive = asyncio.create_task(self.keep_alive())
        try:
            while line := await asyncio.to_thread(stdin.readline):
                stdout.write(json.dumps(await self.handle(line), ensure_ascii=False) + "\n")
                stdout.flush()
        finally:
            alive.cancel()
        if self.station.online is not False:
            await self.station.deliver_pending()
        return EXIT_PENDING if self.station.pending_count() else EXIT_ANSWERED


async def run_headless(config: StationConfig, stdin: TextIO, stdout: TextIO, env: Mapping[str, str]) -> int:
    station = Station(config)
    try:
        return await HeadlessStation(station, env.get(PASSWORD_ENV)).run(stdin, stdout)
    finally:
        await station.close()
