"""Reading turns: how long another tenant's work waits on the bulk queue behind one agency's backlog of bill photos.

    .venv/bin/python bench/reading_turns.py [--backend postgres|sqlite] [--images 20] [--roster-rows 200]

postgres (the default): its own bench database with Redis as the broker, as in production; sqlite: the embedded
default (tenant_isolation.py's `prepare`). Seeds two agencies with a sales person each and a nursery with its staff
member, starts the API and the bulk queue's worker as `make run` starts it (tools/run.py, one pool process) with OCR
on (PP-OCRv6, as in production). Agency A uploads --images bill photos (bench/ocr_bills.py's, 20 an upload); then
agency B uploads one and the nursery a --roster-rows roster. Measures, from each upload, when B's bill was read and the
roster imported, and how many of A's were read by then; stops once both are done (A's backlog is not waited for).
Stops the worker and the server, removes the temp folder and prints ONE final JSON line.
Target: B's bill and the roster each wait for at most APP_OCR_READERS (1) of A's reads, not for the backlog.
"""

import argparse
import io
import json
import os
import socket
import time
from contextlib import ExitStack

from common import print_result, remove, start_server, start_worker, temp_dir
from tenant_isolation import backend_environment, prepare, roster_csv

HEADLINE = ("b_bill_seconds", "roster_seconds", "a_read_before_b_bill", "a_read_before_roster")
POLL_SECONDS = 0.25
MAX_SECONDS = 1800  # a deadline against a hang only
PER_UPLOAD = 20  # APP_CRM_MAX_IMAGES_PER_UPLOAD's default


def seed() -> dict:
    """Two agencies' sales people, the back office and a nursery's staff member: their headers and the nursery's id."""
    from service.crm.masters import ensure_masters
    from service.crm.models import Agency, Profile
    from service.database import session_scope
    from tests.factories import auth_headers, make_user
    from tests.service.entry_logs.world import make_world, staff_headers

    with session_scope() as db:
        ensure_masters(db)
        headers = {}
        for code in ("A", "B"):
            agency = Agency(name=f"ベンチ{code}代理店", code=code, referral_shop_code=f"RS-{code}")
            db.add(agency)
            db.flush()
            sales = make_user(db, f"sales-{code}", grants={"crm": ("sales", str(agency.id))})
            db.add(Profile(user_id=sales.id, agency_id=agency.id, sales_staff_code=f"S{code}", l_code=f"L{code}"))
            headers[code] = auth_headers(sales)
        headers["operator"] = auth_headers(make_user(db, "operator", grants={"crm": "operator"}))
        world = make_world(db, "turns", name="ベンチ保育園", parents=10)
        db.commit()
        return headers | {"nursery": staff_headers(db, world), "nursery_id": world.nursery.id}


def bills(count: int) -> list[bytes]:
    from bench import ocr_bills

    made = []
    for bill in ocr_bills.bills(count):
        out = io.BytesIO()
        ocr_bills.draw(bill).save(out, "JPEG", quality=85)
        made.append(out.getvalue())
    return made


def upload(http, headers: dict, photos: list[bytes]) -> list[int]:
    from tests.service.crm.conftest import corporation

    files = [("images", (f"bill-{n}.jpg", data, "image/jpeg")) for n, data in enumerate(photos)]
    payload = json.dumps({"corporation": corporation()})
    response = http.post("/api/crm/requests", data={"payload": payload}, files=files, headers=headers)
    response.raise_for_status()
    return [image["id"] for image in response.json()["images"]]


def read(http, headers: dict, image_id: int) -> bool:
    return http.get(f"/api/crm/images/{image_id}/ocr", headers=headers).json()["status"] in ("done", "failed")


def measure(port: int, seeded: dict, args) -> dict:
    import httpx

    photos = bills(args.images)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        backlog = []
        for start in range(0, len(photos), PER_UPLOAD):
            backlog += upload(http, seeded["A"], photos[start : start + PER_UPLOAD])
        started = time.monotonic()
        [theirs] = upload(http, seeded["B"], photos[:1])
        base = f"/api/entry-logs/nurseries/{seeded['nursery_id']}"
        files = {"file": ("roster.csv", roster_csv(args.roster_rows), "text/csv")}
        roster = http.post(f"{base}/roster-import", files=files, headers=seeded["nursery"])
        roster.raise_for_status()
        roster_url = f"{base}/roster-imports/{roster.json()['id']}"
        waited: dict[str, float] = {}
        a_read: dict[str, int] = {}
        while len(waited) < 2 and time.monotonic() - started < MAX_SECONDS:
            done = {
                "b_bill": read(http, seeded["operator"], theirs),
                "roster": http.get(roster_url, headers=seeded["nursery"]).json()["status"] in ("done", "failed"),
            }
            for name in (name for name, finished in done.items() if finished and name not in waited):
                waited[name] = time.monotonic() - started
                a_read[name] = sum(read(http, seeded["operator"], image_id) for image_id in backlog)
            time.sleep(POLL_SECONDS)
    return {
        "b_bill_seconds": round(waited.get("b_bill", -1), 1),
        "roster_seconds": round(waited.get("roster", -1), 1),
        "a_read_before_b_bill": a_read.get("b_bill"),
        "a_read_before_roster": a_read.get("roster"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--roster-rows", type=int, default=200)
    args = parser.parse_args()

    from service.task_queues import BULK
    from tools.run import worker_argv

    data_dir = temp_dir("daicho-bench-turns-")
    with ExitStack() as cleanup:
        cleanup.callback(remove, data_dir)
        prepare(args.backend, data_dir)
        os.environ["APP_OCR_ENGINE"] = "ppocrv6"
        seeded = seed()
        server = start_server(data_dir, workers=1, extra_env=backend_environment(args.backend, data_dir))
        cleanup.callback(server.stop)
        from jobs.celery_app import app

        app.control.purge()
        node = f"{BULK}@{socket.gethostname()}"
        worker = start_worker(worker_argv(BULK, "warning"), node, data_dir / "worker.log")
        cleanup.callback(worker.stop)
        figures = measure(server.port, seeded, args)
    print_result({"bench": "reading_turns", "backend": args.backend, "images": args.images, **figures})


if __name__ == "__main__":
    main()
