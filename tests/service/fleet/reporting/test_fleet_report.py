"""The fleet-wide monthly report: every customer in the caller's scope, its figures counted from the month's alerts,
the §4.2 SLA compliance among them, and the same rounded text in JSON, CSV and PDF."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from service.fleet import labels
from service.fleet.models import Alert
from tests.service.fleet.conftest import make_customer, make_terminal, user_headers

pytestmark = pytest.mark.dialect

NOV = datetime(2025, 10, 31, 15, 0, tzinfo=UTC)  # 2025-11-01 00:00 JST, a month long past
DEC = NOV + timedelta(days=30)
MONTH = "2025-11"
STEPS = tuple((step, minutes) for step, _, minutes in labels.SLA_STEPS)


def alert(db, terminal, kind, created, **steps):
    """An alert detected at `created`; `steps` gives its §4.2 steps as minutes after detection (resolved_by: who)."""
    by = steps.pop("resolved_by", "support1")
    times = {f"{step}_at": created + timedelta(minutes=minutes) for step, minutes in steps.items()}
    resolved = "resolved_at" in times
    db.add(
        Alert(
            terminal_id=terminal.id,
            customer_id=terminal.customer_id,
            alert_type=kind,
            message="",
            status="resolved" if resolved else "open",
            created_at=created,
            resolved_by=by if resolved else "",
            **times,
        )
    )


def met_targets(alert: Alert, now: datetime) -> bool:
    """§4.2 read alert by alert: each step 2–5 recorded, or the alert resolved, by its due time; a 完了報告 owed
    (not a system resolution before any 顧客連絡) made within 15 minutes of the resolution."""
    for step, minutes in STEPS:
        done = getattr(alert, f"{step}_at") or alert.resolved_at or now
        if done > alert.created_at + timedelta(minutes=minutes):
            return False
    if alert.resolved_at is None:
        return True
    owed = alert.resolved_by != "システム" or alert.customer_contacted_at is not None
    return not owed or (alert.reported_at or now) <= alert.resolved_at + timedelta(minutes=labels.REPORT_STEP[2])


def expected_from_alerts(db, customer_ids: set[int]) -> dict:
    """The report's alert figures counted one by one from the month's alerts of these customers."""
    rows = db.scalars(select(Alert).where(Alert.created_at >= NOV, Alert.created_at < DEC)).all()
    db.commit()  # the read ends: the API's next request is not kept waiting on SQLite
    mine = [a for a in rows if a.customer_id in customer_ids]
    now = datetime.now(UTC)
    return {
        "alerts_total": len(mine),
        "by_type": {kind: sum(a.alert_type == kind for a in mine) for kind in labels.ALERT_TYPES},
        "resolved": sum(a.resolved_at is not None for a in mine),
        "sla_met": sum(met_targets(a, now) for a in mine),
    }


def figures(body: dict) -> dict:
    return {
        "alerts_total": body["alerts_total"],
        "by_type": {t["alert_type"]: t["count"] for t in body["alerts_by_type"]},
        "resolved": body["resolved"],
        "sla_met": body["sla_met"],
    }


@pytest.fixture
def month_of_alerts(db):
    """ABC商事 (two terminals) and XYZ商店 (one), and November's alerts worked on time or not."""
    abc, xyz = make_customer(db, "ABC商事"), make_customer(db, "XYZ商店")
    first, _ = make_terminal(db, abc, serial="A1", created_at=NOV - timedelta(days=60))
    second, _ = make_terminal(db, abc, serial="A2", created_at=NOV - timedelta(days=60))
    theirs, _ = make_terminal(db, xyz, serial="X1", created_at=NOV - timedelta(days=60))
    day = timedelta(days=1)
    on_time = {"acknowledged": 3, "diagnosed": 10, "customer_contacted": 20, "resolved": 50, "reported": 55}
    alert(db, first, "error", NOV + day, **on_time)  # every step in time
    alert(db, first, "offline", NOV + 2 * day, acknowledged=5, resolved=8, resolved_by="システム")  # at the due minute
    alert(db, first, "high_cpu", NOV + 3 * day, acknowledged=7, resolved=9, resolved_by="システム")  # 初動確認 late
    alert(db, second, "error", NOV + 4 * day, acknowledged=2, resolved=40, reported=41)  # no リモート診断 by 15
    unreported = {step: minutes for step, minutes in on_time.items() if step != "reported"}
    alert(db, second, "update_failed", NOV + 5 * day, **unreported)  # 完了報告 never made
    alert(db, second, "offline", NOV + 20 * day)  # never worked
    alert(db, second, "error", NOV - day, **on_time)  # October's
    alert(db, theirs, "error", NOV + 6 * day, **on_time)
    alert(db, theirs, "offline", NOV + 7 * day, acknowledged=30, resolved=45, reported=50)
    db.flush()
    return abc, xyz


def test_the_fleet_wide_report_counts_every_customers_alerts_and_the_share_in_sla(client, db, month_of_alerts):
    abc, xyz = month_of_alerts
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()

    body = client.get("/api/fleet/reports/monthly", params={"month": MONTH}, headers=headers).json()

    assert figures(body) == expected_from_alerts(db, {abc.id, xyz.id})
    assert (body["customer_id"], body["company_name"], body["customers"], body["terminals"]) == (None, "全顧客", 2, 3)
    assert (body["alerts_total"], body["sla_met"], body["sla_compliance_pct"]) == (8, 3, 37.5)
    lines = {line["key"]: line["value"] for line in body["lines"]}
    assert (lines["customers"], lines["sla"], lines["sla_met"]) == ("2社", "37.5%", "3件 / 8件")


def test_a_customer_scoped_caller_gets_their_customer_only(client, db, month_of_alerts):
    abc, _ = month_of_alerts
    headers = user_headers(db, "viewer1", "viewer", scope=str(abc.id))
    db.commit()

    answer = client.get("/api/fleet/reports/monthly", params={"month": MONTH}, headers=headers)
    body = answer.json()

    assert figures(body) == expected_from_alerts(db, {abc.id})
    assert (body["customer_id"], body["company_name"]) == (abc.id, abc.company_name)  # titled as theirs, not 全顧客
    assert (body["customers"], body["terminals"], body["alerts_total"], body["sla_met"]) == (1, 2, 6, 2)
    assert body["sla_compliance_pct"] == 33.3
    assert "XYZ商店" not in answer.text and "X1" not in answer.text
    own = client.get(f"/api/fleet/reports/monthly/{abc.id}", params={"month": MONTH}, headers=headers).json()
    kept = ("terminals", "availability_pct", "alerts_total", "alerts_by_type", "resolved", "sla_met")
    assert {k: body[k] for k in kept} == {k: own[k] for k in kept}
    download = client.get("/api/fleet/reports/monthly", params={"month": MONTH, "format": "csv"}, headers=headers)
    assert download.status_code == 200 and "XYZ商店" not in download.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert ["顧客名", abc.company_name] in rows and ["端末数", "2台"] in rows


def test_a_scope_naming_no_customer_sees_nothing(client, db, month_of_alerts):
    headers = user_headers(db, "viewer1", "viewer", scope="no-such-customer")
    db.commit()
    body = client.get("/api/fleet/reports/monthly", params={"month": MONTH}, headers=headers).json()
    assert (body["customers"], body["terminals"], body["alerts_total"], body["sla_compliance_pct"]) == (0, 0, 0, None)


def test_the_csv_carries_the_same_rounded_text_as_the_json_lines(client, db, month_of_alerts):
    """14 of 18 alerts in time: 77.8 % in JSON, in the lines the page shows and in the CSV."""
    abc, _ = month_of_alerts
    terminal, _ = make_terminal(db, abc, serial="A3", created_at=NOV - timedelta(days=60))
    on_time = {"acknowledged": 1, "diagnosed": 2, "customer_contacted": 3, "resolved": 4, "reported": 5}
    for hour in range(12):
        alert(db, terminal, "high_memory", NOV + timedelta(days=10, hours=hour), **on_time)
    headers = user_headers(db, "viewer1", "viewer", scope=str(abc.id))
    db.commit()
    params = {"month": MONTH}

    body = client.get(f"/api/fleet/reports/monthly/{abc.id}", params=params, headers=headers).json()
    answer = client.get(f"/api/fleet/reports/monthly/{abc.id}", params=params | {"format": "csv"}, headers=headers)
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))

    assert (body["alerts_total"], body["sla_met"], body["sla_compliance_pct"]) == (18, 14, 77.8)
    assert rows[0] == list(labels.REPORT_CSV_HEADER)
    assert rows[1:] == [[line["label"], line["value"]] for line in body["lines"]]
    assert ["SLA遵守率", "77.8%"] in rows and ["SLA目標内の件数", "14件 / 18件"] in rows


def test_a_share_ending_in_five_rounds_half_up(client, db):
    """1 of 16 alerts in time: 6.25 % is 6.3 % (not 6.2 % as round-half-even would have it)."""
    customer = make_customer(db)
    terminal, _ = make_terminal(db, customer, created_at=NOV - timedelta(days=60))
    on_time = {"acknowledged": 1, "diagnosed": 2, "customer_contacted": 3, "resolved": 4, "reported": 5}
    for hour in range(16):
        steps = on_time if hour == 0 else on_time | {"acknowledged": 6}
        alert(db, terminal, "error", NOV + timedelta(days=3, hours=hour), **steps)
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()
    body = client.get("/api/fleet/reports/monthly", params={"month": MONTH}, headers=headers).json()
    assert (body["sla_met"], body["alerts_total"], body["sla_compliance_pct"]) == (1, 16, 6.3)
    assert {line["key"]: line["value"] for line in body["lines"]}["sla"] == "6.3%"


def test_the_fleet_wide_report_refuses_a_bad_month_and_comes_as_pdf(client, db):
    headers = user_headers(db, "viewer1", "viewer")
    db.commit()
    for month, rule in (("2025-13", "yyyy-mm"), ("2999-01", "not_future")):
        answer = client.get("/api/fleet/reports/monthly", params={"month": month}, headers=headers)
        assert answer.status_code == 422 and answer.json()["error"]["details"]["rule"] == rule
    pdf = client.get("/api/fleet/reports/monthly", params={"month": MONTH, "format": "pdf"}, headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="fleet-report-all-{MONTH}.pdf"'
