"""代替機's chapter: lendings, an old sheet imported and the rotation that archives it."""

from datetime import date, timedelta

from service.database import session_scope, utcnow
from service.demo.history.office import Office
from service.loaners import numbering
from service.loaners.archives import rotation
from service.loaners.imports import imports

ROTATION_BATCH = 1000
SHEET_HEADER = (
    "タイムスタンプ,メールアドレス,0-1.担当者,0-2.拠点管理番号,0-4.ステータス,"
    "1-1.貸出先,1-2.貸出日,3-0.社内ステータス\n"
)
SHEET_EVERY_DAYS = 30  # over three years and the history's days
SHEET_ROW = "{day} 09:00:00,old@example.com,山田,{number},3.社内にて保管中,,,1.貸出可能"
LENT = {
    "0-1.担当者": "山田太郎",
    "0-4.ステータス": "1.貸出中",
    "1-1.貸出先": "○○商事株式会社",
    "1-4.ユーザー機の預り有無": "有り",
}


def loaners_history(office: Office) -> None:
    admin = "loaners-admin"
    office.post(admin, "/api/loaners/data-types", {"id": "HISTORY", "name": "履歴確認", "display_order": 99})
    question = office.post(admin, "/api/loaners/forms/terminal/questions", {"key": "1-9.履歴", "type": "text"})
    retired = {"active": False}
    office.call(admin, "PATCH", f"/api/loaners/forms/terminal/questions/{question['id']}", json=retired)
    devices = office.get(admin, "/api/loaners/devices", page_size=10, kind="terminal")["items"]
    lent = LENT | {"1-2.貸出日": date.today().isoformat()}
    for device in devices[:3]:
        office.post(admin, f"/api/loaners/devices/{device['id']}/submissions", {"answers": lent})
    office.post(
        admin, "/api/loaners/submissions/bulk", {"device_ids": [d["id"] for d in devices[3:6]], "answers": lent}
    )
    _old_sheet(office, admin, devices[:3])
    run = office.post(admin, "/api/loaners/rotations")
    _rotate(run["id"])


def _old_sheet(office: Office, admin: str, devices: list[dict]) -> None:
    """A month apart from three years and `days` back (the rotation archives the part older than three years), and
    yesterday's row, whose number the clerk typed with two digits of the serial swapped: held, then added to the
    device it was near, as the clerk says."""
    start = date.today() - timedelta(days=3 * 365 + office.days)
    rows = [
        SHEET_ROW.format(day=(start + timedelta(days=n)).strftime("%Y/%m/%d"), number=device["management_number"])
        for n in range(0, 3 * 365 + office.days, SHEET_EVERY_DAYS)
        for device in devices
    ]
    yesterday = (date.today() - timedelta(days=1)).strftime("%Y/%m/%d")
    rows.append(SHEET_ROW.format(day=yesterday, number=_slipped(devices[0]["management_number"])))
    sheet = (SHEET_HEADER + "\n".join(rows) + "\n").encode()
    files = {"file": ("端末ステータス収集.csv", sheet, "text/csv")}
    checked = office.call(
        admin, "POST", "/api/loaners/imports", data={"form_kind": "terminal", "dry_run": "true"}, files=files
    )
    _import(checked["id"])
    office.post(admin, f"/api/loaners/imports/{checked['id']}/run")
    _import(checked["id"])
    done = office.get(admin, f"/api/loaners/imports/{checked['id']}")
    for held in (row for row in done["rejected"] if row["outcome"] == "held"):
        office.post(admin, f"/api/loaners/imports/{checked['id']}/held/{held['row']}", {"resolution": "existing"})


def _slipped(number: str) -> str:
    """The number with the last two different digits of its serial swapped, as a clerk's slip would."""
    serial = numbering.parse(number).serial_number
    at = next(i for i in range(len(serial) - 1, 0, -1) if serial[i] != serial[i - 1])
    return number.replace(serial, serial[: at - 1] + serial[at] + serial[at - 1] + serial[at + 1 :])


def _import(import_id: int) -> None:
    while True:
        with session_scope() as db:
            if not imports.process_chunk(db, import_id=import_id, now=utcnow()):
                return


def _rotate(run_id: int) -> None:
    while True:
        with session_scope() as db:
            if rotation.archive_batch(db, run_id=run_id, limit=ROTATION_BATCH) < ROTATION_BATCH:
                break
    with session_scope() as db:
        rotation.finish(db, run_id=run_id, now=utcnow())
