"""代替機's import of a clerk's workbook at size: the file read (service/tabular.py), its dry run and its import, each
as the job's chunks run them in-process.

    .venv/bin/python bench/imports.py [--rows 20000] [--devices 500] [--seed 7]

Creates and migrates its own bench database (`common.BENCH_DB`) with the initial data, registers `--devices` devices,
then writes an .xlsx as a clerk keeps one: a title row, a blank row every 1,000, timestamps as Excel date cells or
typed as text in the forms people type (2026年11月8日 14:30, ２０２６/１１/１５ 10:00, 2026/11/8 9:05), about 1 % of
rows copied from a row above and about 0.5 % of numbers with two serial digits swapped. Prints ONE JSON line: the
seconds to accept the file, to check it and to import it (and the CPU seconds of this process: on a loaded
machine the wall time counts the neighbours), rows per second, and whether the plan found every copy
and every swapped serial the file was made with (held, never registered). Targets: the whole dry run ≥ 2,000 rows/s,
the import ≥ 1,000 rows/s, every copy and every swapped serial found.
"""

import argparse
import io
import random
import time
from datetime import datetime, timedelta

from common import fresh_bench_database, load_average, print_result, remove, temp_dir, use_bench_database

HEADLINE = ("check_s", "import_s")
TITLE = "端末ステータス収集（2026年11月分）"
HEADER = ["タイムスタンプ", "メールアドレス", "0-1.担当者", "0-2.拠点管理番号", "0-4.ステータス", "3-0.社内ステータス"]
TARGET_CHECK_ROWS_PER_S, TARGET_IMPORT_ROWS_PER_S = 2_000, 1_000


def typed(moment: datetime, form: int):
    """A timestamp as the clerk's sheet holds it: an Excel date cell or text in one of the forms people type."""
    if form == 0:
        return moment
    if form == 1:
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour}:{moment.minute:02d}"
    if form == 2:
        full = str.maketrans("0123456789/:", "０１２３４５６７８９／：")
        return f"{moment:%Y/%m/%d %H:%M}".translate(full)
    return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"


def swapped(number: str) -> str:
    """The serial's last two digits swapped (OPT818613 -> OPT818631); the same number when they are equal."""
    sections = number.split("_")
    serial = sections[3]
    sections[3] = serial[:-2] + serial[-1] + serial[-2]
    return "_".join(sections)


def workbook(numbers: list[str], rows: int, rng: random.Random) -> tuple[bytes, int, int]:
    """The file, and how many copies and swapped serials it holds."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([TITLE])
    sheet.append(HEADER)
    written: list[list] = []
    copies = mistyped = 0
    start = datetime(2026, 11, 1, 8, 0)
    for index in range(rows):
        if index and index % 1000 == 0:
            sheet.append([])
        if written and rng.random() < 0.01:
            row, copies = list(rng.choice(written)), copies + 1
        else:
            number = rng.choice(numbers)
            if rng.random() < 0.005 and swapped(number) != number:
                number, mistyped = swapped(number), mistyped + 1
            moment = start + timedelta(minutes=index)
            row = [typed(moment, index % 4), "clerk@example.jp", "山田", number, "3.社内にて保管中", "1.貸出可能"]
            written.append(row)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), copies, mistyped


def register(count: int, rng: random.Random) -> list[str]:
    from service.audit.service import Actor
    from service.database import session_scope, utcnow
    from service.loaners.devices import devices
    from service.loaners.devices.schemas import DeviceCreate
    from service.loaners.seed import ensure_initial_data
    from service.tenancy import TenantScope

    actor, every = Actor(type="user", id="0", label="bench"), TenantScope("loaners", "jurisdiction", None)
    serials = rng.sample(range(100_000, 999_999), count)
    with session_scope() as db:
        ensure_initial_data(db, now=utcnow())
    with session_scope() as db:
        made = [
            devices.create_device(
                db,
                data=DeviceCreate(
                    location_id="osaka",
                    model_id="MODEL_001",
                    serial_number=f"OPT{serial}",
                    asset_number=f"A{serial}",
                    confirm=True,
                ),
                scope=every,
                actor=actor,
            )
            for serial in serials
        ]
        return [device.management_number for device in made]


def run_job(import_id: int) -> float:
    from service.database import session_scope, utcnow
    from service.loaners.imports import imports

    started = time.perf_counter()
    while True:
        with session_scope() as db:
            if not imports.process_chunk(db, import_id=import_id, now=utcnow()):
                return time.perf_counter() - started


def measure(data: bytes) -> dict:
    from service.audit.service import Actor
    from service.database import session_scope, utcnow
    from service.loaners.imports import imports
    from service.loaners.models import SubmissionImport
    from service.loaners.submissions import forms
    from service.tenancy import TenantScope

    actor, every = Actor(type="user", id="0", label="bench"), TenantScope("loaners", "jurisdiction", None)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope() as db:
        form = forms.get_form(db, "terminal")
        job = imports.create_import(
            db, form=form, filename="clerk.xlsx", data=data, scope=every, actor=actor, now=utcnow(), dry_run=True
        )
        import_id = job.id
    accepted = time.perf_counter() - started
    checking = run_job(import_id)
    with session_scope() as db:
        job = db.get(SubmissionImport, import_id)
        plan = {"rows": job.total_rows, "duplicate": job.duplicate_rows, "held": job.held_rows}
        imports.start_checked_import(db, job=job, actor=actor, now=utcnow())
    importing = run_job(import_id)
    with session_scope() as db:
        job = db.get(SubmissionImport, import_id)
        done = {"accepted": job.accepted_rows, "created_devices": job.created_devices, "held": job.held_rows}
    done["cpu_seconds"] = time.process_time() - cpu  # this process's, all three: the wall time counts the neighbours
    return {"accept_seconds": accepted, "check_seconds": checking, "import_seconds": importing} | plan | done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data_dir = temp_dir("bench-imports-")
    try:
        use_bench_database(data_dir)
        fresh_bench_database()
        numbers = register(args.devices, rng)
        data, copies, mistyped = workbook(numbers, args.rows, rng)
        found = measure(data)
    finally:
        remove(data_dir)
    check_rate = round(found["rows"] / (found["accept_seconds"] + found["check_seconds"]))
    import_rate = round(found["rows"] / found["import_seconds"])
    print_result(
        {
            "bench": "imports",
            "rows": found["rows"],
            "file_bytes": len(data),
            "accept_s": round(found["accept_seconds"], 2),
            "check_s": round(found["check_seconds"], 2),
            "import_s": round(found["import_seconds"], 2),
            "bench_cpu_s": round(found["cpu_seconds"], 2),
            "load_average": load_average(),
            "copies_made": copies,
            "copies_found": found["duplicate"],
            "swapped_made": mistyped,
            "swapped_held": found["held"],
            "accepted": found["accepted"],
            "created_devices": found["created_devices"],
            "targets": {
                "check_rows_per_s": [check_rate, TARGET_CHECK_ROWS_PER_S, check_rate >= TARGET_CHECK_ROWS_PER_S],
                "import_rows_per_s": [import_rate, TARGET_IMPORT_ROWS_PER_S, import_rate >= TARGET_IMPORT_ROWS_PER_S],
                "every_copy_found": found["duplicate"] >= copies,
                "every_swap_held": found["held"] == mistyped and found["created_devices"] == 0,
            },
        }
    )


if __name__ == "__main__":
    main()
