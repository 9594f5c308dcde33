"""代替機 at scale: the current-state list, the summary, 返却待ち, the rotation and a device's history with its archived
answers over 100,000 devices and 1,000,000 answers.

    .venv/bin/python bench/loaners.py [--devices 100000] [--per-device 10] [--years 5] [--runs 30]

Creates and migrates its own bench database (`common.BENCH_DB`), seeds 50 locations in 5 管轄,
the devices and their answers (timestamps spread over `--years`, so about 40 % are older than 3 years) with
set-based SQL, sets every device's current state from its latest answer, then times over HTTP (uvicorn, one worker):
the NORMAL list page (first page, a filtered page, a deep page, a 管轄-scoped user's page), the AUDIT page, SUMMARY
(all and one 管轄, with its 返却可能 age figures), 返却待ち (all, one location, one age bucket, a 管轄-scoped user, a
deep page), the import list, the rotation's preview, a device's detail and timeline, the whole NORMAL and AUDIT CSV
downloads (rows per second); then the rotation job's work in-process; then, over HTTP again, devices' histories with
their archived answers read back (page and CSV); then the weekly 返却待ち digest's work in-process. Prints ONE JSON
line.
Targets: list page ≤ 200 ms, SUMMARY ≤ 300 ms, search ≤ 300 ms, 返却待ち and the other new views ≤ 300 ms,
a history with archived answers ≤ 300 ms, rotation ≤ 30 s.
"""

import argparse
import statistics
import time

from common import fresh_bench_database, print_result, remove, start_server, temp_dir, use_bench_database

HEADLINE = ("targets.list_page_p95_ms", "targets.rotation_s")
LOCATIONS = 50
JURISDICTIONS = ("関西", "関東", "九州", "東北", "中部")

SEED_SQL = {
    "locations": """
        INSERT INTO loaners_location (id, code, name, jurisdiction, group_email, notify_status_change, status,
                                      created_at, updated_at)
        SELECT 'loc' || g, 'LOC' || translate(g::text, '0123456789', 'ABCDEFGHIJ'), '拠点' || g,
               (CAST(:jurisdictions AS text[]))[1 + g % 5], 'loc' || g || '@example.com', false, 'active', :now, :now
        FROM generate_series(1, :locations) AS g""",
    "models": """
        INSERT INTO loaners_model (id, name, maker, category, number_section, note, created_at, updated_at) VALUES
        ('MODEL_101', 'PowerEdge-T150', 'Dell', 'Server', 'PowerEdge-T150', '', :now, :now),
        ('MODEL_102', 'Smart-UPS-500', 'APC', 'Other', 'Smart-UPS-500', '', :now, :now)""",
    "devices": """
        INSERT INTO loaners_device (management_number, location_id, model_id, kind, serial_number, asset_number,
                                    software, os, created_at, updated_at)
        SELECT l.code || '_' || c.section || '_' || m.number_section || '_S' || g || '_001', l.id, m.id, c.kind,
               'S' || g, 'ASSET-' || g, '', '', :now, :now
        FROM generate_series(1, :devices) AS g
        JOIN loaners_location l ON l.id = 'loc' || (1 + g % :locations)
        JOIN (SELECT id, number_section, category, row_number() OVER (ORDER BY id) - 1 AS n FROM loaners_model) m
          ON m.n = (g / :locations) % 8
        JOIN (VALUES ('Desktop', 'Desktop', 'terminal'), ('Laptop', 'Laptop', 'terminal'), ('Server', 'SV', 'terminal'),
                     ('Tablet', 'Tablet', 'terminal'), ('Printer', 'Printer', 'printer'), ('Router', 'Router', 'other'),
                     ('Hub', 'Hub', 'other'), ('Other', 'Other', 'other')) AS c(category, section, kind)
          ON c.category = m.category""",
    "submissions": """
        INSERT INTO loaners_submission (device_id, form_id, submitted_at, submitter_email, answers, status, held_status,
                                        in_custody, source, created_at)
        SELECT id, form_id, at, 'bench@example.jp', answers, status, held, custody, 'form', at FROM (
          SELECT d.id, f.id AS form_id, r.at, r.status, r.custody,
                 CASE WHEN r.custody AND r.h > 0 THEN (CAST(:held AS text[]))[r.h] END AS held,
                 jsonb_strip_nulls(jsonb_build_object(
                   '0-1.担当者', '担当' || (d.id % 7), '0-4.ステータス', r.status,
                   '1-1.貸出先', CASE WHEN r.s = 1 THEN '取引先' || (d.id % 97) END,
                   '1-2.貸出日', CASE WHEN r.s = 1 THEN to_char(r.at, 'YYYY-MM-DD') END,
                   '1-4.ユーザー機の預り有無',
                   CASE WHEN r.s = 1 THEN CASE WHEN r.custody THEN '有り' ELSE '無し' END END,
                   '預かり機のステータス', CASE WHEN r.custody AND r.h > 0 THEN (CAST(:held AS text[]))[r.h] END,
                   '2-1.回収日', CASE WHEN r.s = 2 THEN to_char(r.at, 'YYYY-MM-DD') END,
                   '2-2.回収時の状態', CASE WHEN r.s = 2 THEN '正常' END,
                   '3-0.社内ステータス', CASE WHEN r.s = 3 THEN '1.貸出可能' END,
                   '4-1.廃棄日', CASE WHEN r.s = 4 THEN to_char(r.at, 'YYYY-MM-DD') END)) AS answers
          FROM loaners_device d
          JOIN loaners_form f ON f.kind = d.kind
          CROSS JOIN generate_series(1, :per_device) AS g
          CROSS JOIN LATERAL (
            SELECT x.*, (CAST(:statuses AS text[]))[x.s] AS status, x.s = 1 AND x.c < 0.6 AS custody FROM (
              SELECT :now - make_interval(secs => random() * :span + 0 * g * d.id) AS at,
                     1 + floor(random() * 3.98)::int AS s, random() AS c, floor(random() * 5)::int AS h
            ) x
          ) r
        ) rows ORDER BY at""",
    "current": """
        UPDATE loaners_device d SET current_submission_id = s.id, status = s.status, held_status = s.held_status,
               last_submitted_at = s.submitted_at, held_since = CASE WHEN s.in_custody THEN s.submitted_at END
        FROM (SELECT DISTINCT ON (device_id) id, device_id, status, held_status, submitted_at, in_custody
              FROM loaners_submission ORDER BY device_id, submitted_at DESC, id DESC) s
        WHERE s.device_id = d.id""",
}


def seed(devices: int, per_device: int, years: float) -> dict[str, float]:
    """Set-based seeding; returns seconds per step."""
    from sqlalchemy import text

    from service.database import get_engine, utcnow
    from service.loaners.labels import HELD_STATUSES

    params = {
        "now": utcnow(),
        "locations": LOCATIONS,
        "jurisdictions": list(JURISDICTIONS),
        "devices": devices,
        "per_device": per_device,
        "span": years * 365 * 86400,
        "held": list(HELD_STATUSES),
        "statuses": ["1.貸出中", "2.回収後社内保管", "3.社内にて保管中", "4.廃棄済み"],
    }
    timings = {}
    engine = get_engine()
    for name, sql in SEED_SQL.items():
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
        timings[name] = round(time.perf_counter() - started, 1)
    timings["search_text"] = fill_search_text()
    timings["status_age"] = fill_status_age()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return timings


def fill_search_text() -> float:
    """Every device's search text, written by the service's own function (as a registration or answer writes it)."""
    from service.database import session_scope
    from service.loaners import search_text

    started = time.perf_counter()
    with session_scope() as db:
        search_text.refresh(db, None)
    return round(time.perf_counter() - started, 1)


USERS = (("bench-admin", "admin", None), ("bench-kansai", "staff", "関西"))


def fill_status_age() -> float:
    """Since when every device in custody has its held status, written by the service's own SQL (as an answer does)."""
    from service.database import session_scope
    from service.loaners.submissions import status_age

    started = time.perf_counter()
    with session_scope() as db:
        status_age.refresh(db, None)
    return round(time.perf_counter() - started, 1)


def tokens(*users: tuple[str, str, str | None]) -> dict[str, str]:
    """Tokens of loaners users created now: by default an unscoped admin and a staff user limited to 関西."""
    from service.database import session_scope, utcnow
    from service.identity.models import Grant, User
    from service.identity.security import hash_password, issue_token

    found = {}
    with session_scope() as db:
        for login, role, scope in users or USERS:
            user = User(
                login_id=login, name=login, email=f"{login}@example.jp", password_hash=hash_password("bench-pass-1")
            )
            user.grants.append(Grant(domain="loaners", role=role, scope=scope))
            db.add(user)
            db.flush()
            found[login] = issue_token(subject=str(user.id), kind="user", now=utcnow()).token
    return found


def timed(client, path: str, token: str, runs: int, params: dict | None = None) -> dict[str, float]:
    """Latency of one GET in ms over `runs` calls after one warm-up (p50, p95, max)."""
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(path, params=params, headers=headers).status_code == 200, path
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params=params, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.text[:200])
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 1),
        "p95": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max": round(samples[-1], 1),
    }


def timed_export(client, path: str, token: str) -> dict[str, float]:
    """One whole CSV download, streamed: its data rows (the header line not counted), seconds and rows per second."""
    started = time.perf_counter()
    lines = 0
    with client.stream("GET", path, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status_code == 200, path
        for chunk in response.iter_bytes():
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    return {"rows": lines - 1, "seconds": round(seconds, 2), "rows_per_s": round((lines - 1) / seconds)}


def measure_http(data_dir, runs: int) -> tuple[dict, dict]:
    import httpx

    from service.database import get_engine

    with get_engine().connect() as conn:
        from sqlalchemy import text

        device_id = conn.execute(text("SELECT id FROM loaners_device ORDER BY id LIMIT 1 OFFSET 777")).scalar_one()
    found = tokens()
    server = start_server(data_dir, workers=1)
    admin, kansai = found["bench-admin"], found["bench-kansai"]
    base = "/api/loaners"
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60) as client:
            return {
                "normal_first_page": timed(client, f"{base}/views/normal", admin, runs),
                "normal_status_filter": timed(
                    client, f"{base}/views/normal", admin, runs, {"status": "1.貸出中", "location_id": "loc7"}
                ),
                "normal_page_1000": timed(client, f"{base}/views/normal", admin, runs, {"page": 1000}),
                "normal_scoped_kansai": timed(client, f"{base}/views/normal", kansai, runs),
                "normal_search": timed(client, f"{base}/views/normal", admin, runs, {"q": "_s4242_"}),
                "audit_first_page": timed(client, f"{base}/views/audit", admin, runs, {"jurisdiction": "関東"}),
                "audit_filtered": timed(
                    client,
                    f"{base}/views/audit",
                    admin,
                    runs,
                    {"status": "3.社内にて保管中", "location_id": "loc7", "from": "2024-01-01", "to": "2024-12-31"},
                ),
                "audit_scoped_kansai": timed(client, f"{base}/views/audit", kansai, runs),
                "search_customer": timed(client, f"{base}/views/normal", admin, runs, {"q": "取引先42"}),
                "search_asset_scoped": timed(client, f"{base}/views/normal", kansai, runs, {"q": "ASSET-4242"}),
                "search_person_audit": timed(client, f"{base}/views/audit", admin, runs, {"q": "S4242"}),
                "summary_all": timed(client, f"{base}/views/summary", admin, runs),
                "summary_kansai": timed(client, f"{base}/views/summary", admin, runs, {"jurisdiction": "関西"}),
                "summary_scoped_kansai": timed(client, f"{base}/views/summary", kansai, runs),
                "device_detail": timed(client, f"{base}/devices/{device_id}", admin, runs),
                "device_timeline": timed(client, f"{base}/devices/{device_id}/submissions", admin, runs),
                **returns_views(client, admin, kansai, runs),
            }, {
                "normal": timed_export(client, f"{base}/views/normal/export", admin),
                "audit": timed_export(client, f"{base}/views/audit/export", admin),
            }
    finally:
        server.stop()


def returns_views(client, admin: str, kansai: str, runs: int) -> dict[str, dict[str, float]]:
    """返却待ち (all, a location, an age bucket, a 管轄-scoped user, a deep page), the import list, the preview."""
    base = "/api/loaners"
    returnable = {"held_status": "1.返却可能"}
    return {
        "returns_all": timed(client, f"{base}/views/returns", admin, runs),
        "returns_location": timed(client, f"{base}/views/returns", admin, runs, {"location_id": "loc7"}),
        "returns_overdue": timed(client, f"{base}/views/returns", admin, runs, returnable | {"min_days": 31}),
        "returns_scoped_kansai": timed(client, f"{base}/views/returns", kansai, runs),
        "returns_page_50": timed(client, f"{base}/views/returns", admin, runs, {"page": 50, "page_size": 50}),
        "imports_list": timed(client, f"{base}/imports", admin, runs),
        "rotation_preview": timed(client, f"{base}/rotations/preview", admin, runs),
    }


def archived_histories(data_dir, runs: int) -> dict:
    """After the rotation: devices' histories with their archived answers read back, the page and the CSV."""
    import httpx
    from sqlalchemy import text

    from service.database import get_engine

    with get_engine().connect() as conn:
        device_ids = conn.execute(text("SELECT id FROM loaners_device ORDER BY id LIMIT 5 OFFSET 777")).scalars().all()
    admin = tokens(("bench-admin-2", "admin", None))["bench-admin-2"]
    server = start_server(data_dir, workers=1)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60) as client:
            headers = {"Authorization": f"Bearer {admin}"}
            shown = client.get(f"/api/loaners/devices/{device_ids[0]}/submissions", headers=headers).json()
            samples = [
                timed(client, f"/api/loaners/devices/{device_id}/submissions", admin, runs) for device_id in device_ids
            ]
            exported = [
                timed(client, f"/api/loaners/devices/{device_id}/submissions/export", admin, runs)
                for device_id in device_ids
            ]
    finally:
        server.stop()
    return {
        "devices": len(device_ids),
        "first_device_rows": shown["total"],
        "first_device_archived": sum(1 for row in shown["items"] if row["archived"]),
        "history_page": {key: max(sample[key] for sample in samples) for key in ("p50", "p95", "max")},
        "history_csv": {key: max(sample[key] for sample in exported) for key in ("p50", "p95", "max")},
    }


def measure_digest() -> dict:
    """The weekly 返却待ち digest's work in-process: every location's lists past the threshold, its e-mails queued."""
    from service.database import session_scope, utcnow
    from service.loaners.returns import return_digest

    started = time.perf_counter()
    with session_scope() as db:
        queued = return_digest.send_digests(db, now=utcnow())
    return {"seconds": round(time.perf_counter() - started, 2), "emails": queued}


def measure_rotation() -> dict:
    from sqlalchemy import func, select

    from jobs.loaners import run_rotation
    from service.audit.service import SYSTEM
    from service.database import session_scope, utcnow
    from service.loaners.archives import rotation
    from service.loaners.models import Device, Submission

    with session_scope() as db:
        before = db.scalar(select(func.count()).select_from(Submission))
        run = rotation.start(db, now=utcnow(), actor=SYSTEM)
        run_id, cutoff = run.id, run.cutoff
    started = time.perf_counter()
    archived = run_rotation(run_id)
    seconds = time.perf_counter() - started
    with session_scope() as db:
        after = db.scalar(select(func.count()).select_from(Submission))
        lost_current = db.scalar(
            select(func.count())
            .select_from(Device)
            .outerjoin(Submission, Submission.id == Device.current_submission_id)
            .where(Submission.id.is_(None))
        )
        old_left = db.scalar(select(func.count()).select_from(Submission).where(Submission.submitted_at < cutoff))
        old_current = db.scalar(
            select(func.count())
            .select_from(Device)
            .join(Submission, Submission.id == Device.current_submission_id)
            .where(Submission.submitted_at < cutoff)
        )
    return {
        "seconds": round(seconds, 1),
        "before": before,
        "archived": archived,
        "after": after,
        "rows_per_second": round(archived / seconds) if seconds else None,
        "devices_without_current": lost_current,
        "old_rows_left": old_left,
        "old_rows_that_are_current": old_current,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--per-device", type=int, default=10)
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data_dir = temp_dir("bench-loaners-")
    try:
        use_bench_database(data_dir)
        fresh_bench_database()
        seeding = seed(args.devices, args.per_device, args.years)
        http, export = measure_http(data_dir, args.runs)
        rotation = measure_rotation()
        history = archived_histories(data_dir, args.runs)
        digest = measure_digest()
    finally:
        remove(data_dir)
    import os

    worst_list = max(v["p95"] for k, v in http.items() if k.startswith("normal") or k.startswith("audit"))
    worst_summary = max(v["p95"] for k, v in http.items() if k.startswith("summary"))
    worst_search = max(v["p95"] for k, v in http.items() if "search" in k)
    new_views = ("returns", "imports", "rotation_preview")
    worst_new = max(v["p95"] for k, v in http.items() if k.startswith(new_views))
    worst_history = max(history["history_page"]["p95"], history["history_csv"]["p95"])
    print_result(
        {
            "bench": "loaners",
            "devices": args.devices,
            "submissions": args.devices * args.per_device,
            "seed_seconds": seeding,
            "http_ms": http,
            "full_export": export,
            "rotation": rotation,
            "archived_history": history,
            "return_digest": digest,
            "load_average": round(os.getloadavg()[0], 1),
            "targets": {
                "list_page_p95_ms": [worst_list, 200, worst_list <= 200],
                "summary_p95_ms": [worst_summary, 300, worst_summary <= 300],
                "search_p95_ms": [worst_search, 300, worst_search <= 300],
                "new_views_p95_ms": [worst_new, 300, worst_new <= 300],
                "archived_history_p95_ms": [worst_history, 300, worst_history <= 300],
                "rotation_s": [rotation["seconds"], 30, rotation["seconds"] <= 30],
            },
        }
    )


if __name__ == "__main__":
    main()
