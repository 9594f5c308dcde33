"""代理店CRM at scale: 100 agencies, 100,000 requests, 300,000 sites; the agency metrics, the operator queue and the
back office's team, queue and first-time-right views.

    .venv/bin/python bench/crm.py [--agencies 100] [--requests 100000] [--sites-per-request 3] [--runs 15] [--workers 2]

Creates and migrates its own bench database (`common.BENCH_DB`), fills it in SQL (generate_series:
corporations, requests over the last year in every status with their status times and assignees, their sites,
deficiency comments with four reasons, resubmissions, unread sales comments, each person's read marks, notifications),
runs VACUUM ANALYZE, starts uvicorn and times each query shape over HTTP (--runs calls each after one warm-up):
代理店別数値 (all time, one month, one agency; month and day series), the operator's 投入案件一覧 (page 1, a deep page,
by status, corporation name, sales person, period, unread), a sales user's マイ依頼一覧 and 獲得案件一覧, and the new
views: a sales manager's チームの依頼 (counts, list, one person's 不備), the operator's unread counts (the menu's
figure), their assigned and the unassigned requests, 「次の依頼を担当」 (a POST: each call takes one request), a
request's detail with its times, the first-time-right cards, the 不備 reasons, the agency table's CSV and the 投入済
list's CSV.
Stops the server, removes its temp folder and prints ONE final JSON line.
Targets: metrics ≤ 300 ms, operator queue page ≤ 200 ms (median of each shape); the new views p95 ≤ 300 ms each.
"""

import argparse
import math
import os
import statistics
import time
from datetime import timedelta

from common import fresh_bench_database, print_result, remove, start_server, temp_dir, use_bench_database

# A request's place in a cycle of 20, independent of its agency: 7 対応中, 4 不備, 7 投入済, 2 キャンセル.
HEADLINE = ("metrics_worst_median_ms", "queue_worst_median_ms", "new_views_worst_p95_ms")
MIX = "((g / :agencies) % 20)"
STATUS_OF = (
    f"CASE WHEN {MIX} < 7 THEN 'in_progress' WHEN {MIX} < 11 THEN 'deficient' WHEN {MIX} < 18 THEN 'submitted' "
    "ELSE 'cancelled' END"
)
METRIC_TARGET_MS, QUEUE_TARGET_MS, NEW_VIEW_P95_MS = 300, 200, 300
REASONS = ("明細画像が不鮮明です", "お客様番号が明細と一致しません", "法人番号が登記と異なります", "住所が違います")
# when a closed request closed: 1 to 5 days after it was made (never after now)
CLOSED = "LEAST(now(), created_at + make_interval(days => 1 + (id % 5), hours => id % 24))"


def _select_list(table, overrides: dict[str, str]) -> tuple[str, str]:
    """Column names and SELECT expressions: the overrides, else each column's empty value ('' / 0 / false / NULL)."""
    columns, values = [], []
    for column in table.columns:
        if column.name in overrides:
            expression = overrides[column.name]
        elif column.primary_key:
            continue
        elif column.nullable:
            expression = "NULL"
        else:
            expression = {str: "''", bool: "false", int: "0"}[column.type.python_type]
        columns.append(column.name)
        values.append(expression)
    return ", ".join(columns), ", ".join(values)


def _insert_select(conn, table, overrides: dict[str, str], source: str, params: dict) -> None:
    from sqlalchemy import text

    columns, values = _select_list(table, overrides)
    conn.execute(text(f"INSERT INTO {table.name} ({columns}) SELECT {values} FROM {source}"), params)


def seed(agencies: int, requests: int, sites_per_request: int) -> dict:
    """Agencies, two sales people each (plus an operator), then the requests and everything hanging off them, in SQL."""
    from sqlalchemy import insert, select, text

    from service.crm.masters import ensure_masters
    from service.crm.models import Agency, Comment, Corporation, Notification, Profile, Request, Site
    from service.database import get_engine, session_scope, utcnow
    from service.identity.models import Grant, User
    from service.identity.security import hash_password, issue_token

    now = utcnow()
    password = hash_password("bench-password-1")
    with session_scope() as db:
        ensure_masters(db)
        agency_rows = [
            {"name": f"ベンチ代理店{n:03d}", "code": f"B{n:03d}", "created_at": now, "updated_at": now}
            for n in range(agencies)
        ]
        agency_ids = list(db.scalars(insert(Agency).returning(Agency.id, sort_by_parameter_order=True), agency_rows))
        sales_rows = [
            {
                "login_id": f"bench-sales-{a}-{i}",
                "name": f"営業{a}-{i}",
                "password_hash": password,
                "created_at": now,
                "updated_at": now,
            }
            for a in agency_ids
            for i in range(2)
        ]
        sales_ids = list(db.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), sales_rows))
        owners = [agency_ids[i // 2] for i in range(len(sales_ids))]
        db.execute(
            insert(Grant),
            [
                {"user_id": u, "domain": "crm", "role": "sales", "scope": str(a), "created_at": now}
                for u, a in zip(sales_ids, owners, strict=True)
            ],
        )
        db.execute(
            insert(Profile),
            [
                {
                    "user_id": u,
                    "agency_id": a,
                    "sales_staff_code": f"S{u}",
                    "l_code": f"L{u}",
                    "is_sales_manager": i % 2 == 1,  # each agency's second sales person sees the agency's cases
                    "created_at": now,
                    "updated_at": now,
                }
                for i, (u, a) in enumerate(zip(sales_ids, owners, strict=True))
            ],
        )
        operator = User(login_id="bench-operator", name="投入担当", password_hash=password)
        operator.grants.append(Grant(domain="crm", role="operator"))
        db.add(operator)
        db.flush()
        tokens = {
            "operator": issue_token(subject=str(operator.id), kind="user", now=now, minutes=240).token,
            "sales": issue_token(subject=str(sales_ids[0]), kind="user", now=now, minutes=240).token,
            "manager": issue_token(subject=str(sales_ids[1]), kind="user", now=now, minutes=240).token,
        }
        first_sales, first_agency, operator_id = sales_ids[0], agency_ids[0], operator.id
    params = {
        "n": requests,
        "agencies": agencies,
        "first_agency": agency_ids[0],
        "first_sales": sales_ids[0],
        "per": sites_per_request,
        "operator": operator_id,
    }
    started = time.perf_counter()
    with get_engine().begin() as conn:
        _insert_select(
            conn,
            Corporation.__table__,
            {
                "id": "g",
                "agency_id": ":first_agency + (g % :agencies)",
                "display_name": "'株式会社ベンチ' || g",
                "customer_type": "'2'",
                "last_name": "'株式会社ベンチ' || g",
                "last_name_kana": "'カブシキガイシャベンチ'",
                "prefecture": "'東京都'",
                "city": "'渋谷区'",
                "phone1": "'03-1234-5678'",
                "payment_type": "'2'",
                "invoice": "'0'",
                "payment_certificate": "'0'",
                "billing_address_same": "true",
                "version": "1",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, :n) AS g",
            params,
        )
        _insert_select(
            conn,
            Request.__table__,
            {
                "id": "g",
                "agency_id": ":first_agency + (g % :agencies)",
                "corporation_id": "g",
                "requested_by": ":first_sales + 2 * (g % :agencies) + (g / :agencies) % 2",
                "status": STATUS_OF,
                "whole_deficiency": "false",
                "ever_deficient": f"{MIX} BETWEEN 7 AND 12",
                "cancelled_at": f"CASE WHEN {MIX} >= 18 THEN now() END",
                "site_count": ":per",
                "assigned_to": f"CASE WHEN {MIX} >= 11 AND {MIX} < 18 OR {MIX} < 7 AND g % 2 = 0 THEN :operator END",
                "status_since": "now()",
                "deficient_seconds": f"CASE WHEN {MIX} BETWEEN 11 AND 12 THEN 86400 * (1 + g % 3) ELSE 0 END",
                "version": "1",
                "created_at": "now() - make_interval(secs => ((g * 7919) % :n)::double precision * 31536000 / :n)",
                "updated_at": "now()",
            },
            "generate_series(1, :n) AS g",
            params,
        )
        conn.execute(  # closed ones closed 1-5 days after they were made; 不備 ones since 3 hours after
            text(
                f"UPDATE crm_request SET closed_at = CASE WHEN status IN ('submitted', 'cancelled') THEN {CLOSED} END,"
                f" status_since = CASE WHEN status IN ('submitted', 'cancelled') THEN {CLOSED}"
                " WHEN status = 'deficient' THEN LEAST(now(), created_at + interval '3 hours') ELSE created_at END,"
                " assigned_at = CASE WHEN assigned_to IS NOT NULL THEN created_at END"
            )
        )
        _insert_select(
            conn,
            Site.__table__,
            {
                "request_id": "r.id",
                "corporation_id": "r.corporation_id",
                "agency_id": "r.agency_id",
                "status": "CASE WHEN r.status = 'deficient' AND s > 1 THEN 'in_progress' ELSE r.status END",
                "submitted_at": "CASE WHEN r.status = 'submitted' THEN r.closed_at END",
                "power_branch_name": "'店舗' || s",
                "service_type": "'electric'",
                "power_plan_name": "'低圧電力プランA'",
                "option_plans": "'[]'::jsonb",
                "version": "1",
                "created_at": "r.created_at",
                "updated_at": "r.created_at",
            },
            "crm_request r CROSS JOIN generate_series(1, :per) AS s",
            params,
        )
        _insert_select(
            conn,
            Comment.__table__,
            {
                "request_id": "r.id",
                "agency_id": "r.agency_id",
                "author_id": "NULL",
                "type": "'deficiency'",
                "audience": "'sales'",
                "message": "(ARRAY[:r0, :r1, :r2, :r3])[1 + r.id % 4]",
                "created_at": "r.created_at + interval '3 hours'",
            },
            "crm_request r WHERE r.ever_deficient",
            params | {f"r{i}": reason for i, reason in enumerate(REASONS)},
        )
        _insert_select(
            conn,
            Comment.__table__,
            {
                "request_id": "r.id",
                "agency_id": "r.agency_id",
                "author_id": "r.requested_by",
                "type": "'resubmission'",
                "audience": "'back_office'",
                "message": "'修正しました'",
                "changes": "'{}'::jsonb",
                "created_at": "r.created_at + interval '1 day'",
            },
            "crm_request r WHERE r.ever_deficient AND r.status <> 'deficient'",
            params,
        )
        _insert_select(
            conn,
            Comment.__table__,
            {
                "request_id": "r.id",
                "agency_id": "r.agency_id",
                "author_id": "r.requested_by",
                "type": "'comment'",
                "audience": "'back_office'",
                "message": "'至急お願いします'",
                "created_at": "r.created_at + interval '5 minutes'",
            },
            "crm_request r WHERE r.id % 20 = 3",
            params,
        )
        conn.execute(  # the sales person read a third of their deficiencies, the operator half the back office's news
            text(
                "INSERT INTO crm_read_mark (user_id, request_id, read_through, read_at)"
                " SELECT r.requested_by, r.id, max(c.id), now() FROM crm_comment c JOIN crm_request r"
                " ON r.id = c.request_id WHERE c.audience = 'sales' AND r.id % 3 = 0 GROUP BY r.requested_by, r.id"
                " UNION ALL SELECT :operator, c.request_id, max(c.id), now() FROM crm_comment c"
                " WHERE c.audience = 'back_office' AND c.request_id % 2 = 0 GROUP BY c.request_id"
            ),
            params,
        )
        _insert_select(
            conn,
            Notification.__table__,
            {
                "user_id": "r.requested_by",
                "request_id": "r.id",
                "comment_id": "c.id",
                "kind": "'deficiency'",
                "message": "'依頼に不備があります'",
                "read_at": "CASE WHEN r.id % 3 = 0 THEN c.created_at END",
                "created_at": "c.created_at",
            },
            "crm_comment c JOIN crm_request r ON r.id = c.request_id WHERE c.type = 'deficiency'",
            params,
        )
        for table in ("crm_corporation", "crm_request"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        site_total = conn.execute(select(text("count(*)")).select_from(text("crm_site"))).scalar()
    return {
        "tokens": tokens,
        "first_sales": first_sales,
        "first_agency": first_agency,
        "first_request": 1,
        "operator": operator_id,
        "sites": site_total,
        "load_seconds": round(time.perf_counter() - started, 1),
    }


def _call(client, shape: tuple):
    """A shape is (path, params) for a GET, or (method, path, params)."""
    method, path, params = shape if len(shape) == 3 else ("GET", *shape)
    return client.request(method, path, params=params)


def time_shapes(port: int, token: str, shapes: dict[str, tuple], runs: int) -> dict:
    """Median, p90, p95 and worst of `runs` calls per shape over HTTP (a CSV read to its end), after one unmeasured
    warm-up call."""
    import httpx

    timings = {}
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/crm", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for name, shape in shapes.items():
            _call(client, shape).raise_for_status()
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                response = _call(client, shape)
                samples.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            ordered = sorted(samples)
            timings[name] = {
                "median_ms": round(statistics.median(samples), 1),
                "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 1),
                "p95_ms": round(ordered[math.ceil(len(ordered) * 0.95) - 1], 1),
                "max_ms": round(max(samples), 1),
            }
    return timings


def new_views(seeded: dict) -> dict[str, dict[str, tuple]]:
    """The views of the team, the queue and first-time-right, by the token that calls them."""
    agency, sales = {"agency_id": seeded["first_agency"]}, seeded["first_sales"]
    return {
        "manager": {
            "team_counts": ("/requests/team", {}),
            "team_list": ("/requests", {"order": "attention"}),
            "team_person_deficient": (
                "/requests",
                {"order": "attention", "requested_by": sales, "status": "deficient"},
            ),
        },
        "operator": {
            "menu_unread_counts": ("/requests/queue-summary", {}),
            "assigned_to_me": ("/requests", {"assigned_to": seeded["operator"], "status": "in_progress"}),
            "unassigned": ("/requests", {"unassigned": True, "status": "in_progress"}),
            "take_next": ("POST", "/requests/next", {}),
            "request_detail_with_times": (f"/requests/{seeded['first_request']}", {}),
            "first_time_right_cards_all": ("/metrics/figures", {}),
            "first_time_right_cards_one_agency": ("/metrics/figures", agency),
            "deficiency_reasons": ("/metrics/deficiency-reasons", {}),
            "agency_table_csv": ("/metrics/agencies/export", {}),
            "submitted_list_csv_one_agency": ("/requests/export", agency | {"status": "submitted"}),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--sites-per-request", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    data_dir = temp_dir("daicho-bench-crm-")
    use_bench_database(data_dir)
    fresh_bench_database()
    seeded = seed(args.agencies, args.requests, args.sites_per_request)

    from service.database import utcnow

    today = utcnow().date()
    month_ago = (today - timedelta(days=30)).isoformat()
    metrics = {
        "agencies_all_time": ("/metrics/agencies", {}),
        "agencies_last_30_days": ("/metrics/agencies", {"since": month_ago}),
        "one_agency": ("/metrics/agencies", {"agency_id": seeded["first_agency"]}),
        "series_by_month": ("/metrics/series", {"granularity": "month"}),
        "series_by_day": ("/metrics/series", {"granularity": "day"}),
        "series_by_day_one_agency": ("/metrics/series", {"granularity": "day", "agency_id": seeded["first_agency"]}),
    }
    queue = {
        "page_1": ("/requests", {}),
        "page_200": ("/requests", {"page": 200}),
        "status_deficient": ("/requests", {"status": "deficient"}),
        "status_in_progress_and_deficient": ("/requests", {"status": ["in_progress", "deficient"]}),
        "corporation_name": ("/requests", {"corporation": "ベンチ4242"}),
        "sales_person": ("/requests", {"requested_by": seeded["first_sales"]}),
        "last_7_days": ("/requests", {"since": (today - timedelta(days=7)).isoformat()}),
        "unread": ("/requests", {"unread": True}),
        "agency_drill_down": ("/requests", {"agency_id": seeded["first_agency"], "status": "submitted"}),
    }
    sales = {"my_requests": ("/requests", {"mine": True}), "acquired": ("/acquired", {})}
    server = start_server(data_dir, workers=args.workers)
    try:
        metric_times = time_shapes(server.port, seeded["tokens"]["operator"], metrics, args.runs)
        queue_times = time_shapes(server.port, seeded["tokens"]["operator"], queue, args.runs)
        sales_times = time_shapes(server.port, seeded["tokens"]["sales"], sales, args.runs)
        new_times = {
            name: timing
            for caller, shapes in new_views(seeded).items()
            for name, timing in time_shapes(server.port, seeded["tokens"][caller], shapes, args.runs).items()
        }
    finally:
        server.stop()
        remove(data_dir)
    worst_metric = max(t["median_ms"] for t in metric_times.values())
    worst_queue = max(t["median_ms"] for t in queue_times.values())
    worst_new = max(t["p95_ms"] for t in new_times.values())
    print_result(
        {
            "bench": "crm",
            "agencies": args.agencies,
            "requests": args.requests,
            "sites": seeded["sites"],
            "load_seconds": seeded["load_seconds"],
            "workers": args.workers,
            "metrics": metric_times,
            "operator_queue": queue_times,
            "sales": sales_times,
            "new_views": new_times,
            "metrics_worst_median_ms": worst_metric,
            "queue_worst_median_ms": worst_queue,
            "new_views_worst_p95_ms": worst_new,
            "targets_met": {
                "metrics": worst_metric <= METRIC_TARGET_MS,
                "queue": worst_queue <= QUEUE_TARGET_MS,
                "new_views": worst_new <= NEW_VIEW_P95_MS,
            },
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "targets": {
                "metrics_ms": METRIC_TARGET_MS,
                "queue_page_ms": QUEUE_TARGET_MS,
                "new_view_p95_ms": NEW_VIEW_P95_MS,
            },
        }
    )


if __name__ == "__main__":
    main()
