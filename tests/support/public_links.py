"""Every kind of link a production-shaped service hands out, read where a person meets it and checked against the
public names (tests/test_production_shape.py runs it against docker-compose.yml's services started natively, whose
APP_PUBLIC_BASE_URL and APP_DASHBOARD_URL differ from each other and from the loopback address the test reaches the
API at, its APP_API_URL).

The links: the API's answers the dashboards show (a parent's phone link, a 「本日のみ」 pass's, a loaner's status
form, a reservation's cancellation link), the MCP answer, the booking SMS, the fleet's digest and escalation mails
and Slack post (composed by the worker), and the QR codes and barcodes of the PDFs, decoded by zxing-cpp: the
nursery's card sheet (drawn by the bulk worker), a pass card and the loaners' label sheet. A phone link is followed
too, its path as the public name's proxy passes it to the API.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from service import broker
from service.database import session_scope, utcnow
from service.documents import READY
from service.entry_logs.lookups import local_today
from service.entry_logs.parent_links import PAGE_PATH
from service.loaners.seed import ensure_initial_data
from service.outbox.models import OutboxMessage
from tests.factories import PUBLIC_ADDRESSES, auth_headers, make_user
from tests.service.entry_logs.world import make_world
from tests.service.fleet.alerting.test_escalations import add_alert
from tests.service.fleet.conftest import make_customer, make_terminal
from tests.service.loaners.conftest import make_device
from tests.support.barcodes import barcodes_in_pdf
from tests.support.waiting import wait_for_job

PUBLIC = PUBLIC_ADDRESSES["public_base_url"]
DASHBOARDS = PUBLIC_ADDRESSES["dashboard_url"]
LINK = re.compile(r"https?://[!-~]+")  # an address ends where the ASCII does (「…」, （通知: …）)
FLEET_TASKS = ("fleet.send_alert_digest", "fleet.escalate_overdue")
FLEET_NOTICES = ("fleet_digest", "fleet_escalation")
TIMEOUT = 90


def seed() -> dict:
    """A nursery (three parents, a member of staff), a loaner with a member of staff, a fleet alert past its first
    step with the operator it is mailed to, and a QRV support person."""
    with session_scope() as db:
        world = make_world(db, "links")
        staff = make_user(db, "links-staff", grants={"entry_logs": ("staff", str(world.nursery.id))})
        ensure_initial_data(db, now=utcnow())
        device = make_device(db)
        loaners = make_user(db, "links-loaners", grants={"loaners": ("staff", None)})
        terminal, _ = make_terminal(db, make_customer(db, "リンク商事"), "TC-LINKS")
        alert = add_alert(db, terminal, minutes=10)  # 初動確認 (5 minutes) missed: escalated
        make_user(db, "links-op", grants={"fleet": "operator"}, email="links-op@example.jp")
        support = make_user(db, "links-support", grants={"reservations": "support"})
        return {
            "nursery": world.nursery.id,
            "parents": [parent.id for parent in world.parents],
            "child": world.children[0].id,
            "staff": auth_headers(staff),
            "device": device.id,
            "loaners": auth_headers(loaners),
            "alert": alert.id,
            "support": auth_headers(support),
        }


def check_every_kind(api_url: str, seeded: dict, booked: dict) -> None:
    """The links of the seeded records and of the MCP booking `booked` point at the public names."""
    broker.send_tasks([(task, [], None) for task in FLEET_TASKS])  # as beat sends them
    with httpx.Client(base_url=api_url, timeout=30) as http:
        check_nursery(http, seeded)
        check_loaners(http, seeded)
        detail = http.get(f"/api/reservations/reservations/{booked['reservation_id']}", headers=seeded["support"])
    code, cancel = booked["reservation_id"], booked["cancel_url"]
    assert cancel.startswith(f"{PUBLIC}/api/reservations/cancel/{code}?token=")
    assert detail.json()["cancel_url"] == cancel  # as the console shows it
    booking_sms = next(body for body in bodies("reservations", "sms") if code in body)  # its first: the booking's
    status, *rest = LINK.findall(booking_sms)
    assert status.startswith(f"{PUBLIC}/api/reservations/status/") and rest == [
        cancel,
        f"{PUBLIC}/api/reservations/faq",
    ]
    alert_page = f"{DASHBOARDS}/fleet-alerts?id={seeded['alert']}"
    notices = wait_for_job(fleet_notices, timeout=TIMEOUT, message="the worker's fleet digest and escalation")
    assert [LINK.findall(body) for body in notices] == [[alert_page]] * 3  # digest, escalation mail and Slack post


def check_nursery(http: httpx.Client, seeded: dict) -> None:
    """The parents' phone links (the API's answers, the card sheet's QR codes) and a pass's, each opening its
    person's page; the card sheet's and the pass card's barcodes their people's ids."""
    phone = [
        http.get(f"/api/entry-logs/parents/{parent}/barcode-link", headers=seeded["staff"]).json()["url"]
        for parent in seeded["parents"]
    ]
    sheet = barcodes_in_pdf(card_sheet(http, seeded))
    assert [text for kind, text in sheet if kind == "QRCode"] == phone  # each card's 「スマホ用バーコード」
    assert [text for kind, text in sheet if kind == "Code128"] == [str(parent) for parent in seeded["parents"]]
    passes = f"/api/entry-logs/nurseries/{seeded['nursery']}/pickup-passes"
    tomorrow = local_today(utcnow()) + timedelta(days=1)  # a pass's day is today or later, whenever the API reads it
    one_day = {"name": "祖母", "relation": "祖母", "date": tomorrow.isoformat(), "childIds": [seeded["child"]]}
    made = http.post(passes, json=one_day, headers=seeded["staff"]).json()
    card = http.get(f"{passes}/{made['parentId']}/card", headers=seeded["staff"]).content
    assert barcodes_in_pdf(card) == [("Code128", str(made["parentId"]))]
    for link in [*phone, made["url"]]:
        assert link.startswith(f"{PUBLIC}{PAGE_PATH}")
        assert http.get(urlsplit(link).path).status_code == 200  # the person's barcode page (a refused link's is a 404)


def check_loaners(http: httpx.Client, seeded: dict) -> None:
    """A device's status form link, as the API answers it and as its label's QR code reads."""
    form = f"{DASHBOARDS}/loaners_status_form?device={seeded['device']}"
    device = http.get(f"/api/loaners/devices/{seeded['device']}/form", headers=seeded["loaners"]).json()["device"]
    labels = http.get("/api/loaners/locations/osaka/labels.pdf", headers=seeded["loaners"]).content
    assert device["form_url"] == form and barcodes_in_pdf(labels) == [("QRCode", form)]


def card_sheet(http: httpx.Client, seeded: dict) -> bytes:
    """The nursery's card PDF, asked for as the dashboards ask and drawn by the bulk worker."""
    jobs = f"/api/entry-logs/nurseries/{seeded['nursery']}/card-jobs"
    job = http.post(jobs, json={"className": ""}, headers=seeded["staff"]).json()

    def ready() -> bool:
        return http.get(f"{jobs}/{job['id']}", headers=seeded["staff"]).json()["status"] == READY

    wait_for_job(ready, timeout=TIMEOUT, message="the bulk worker to draw the cards")
    return http.get(f"{jobs}/{job['id']}/file", headers=seeded["staff"]).content


def bodies(domain: str, *channels: str, ref_types: tuple[str, ...] | None = None) -> list[str]:
    """The bodies of the domain's messages on these channels (of these kinds, when named), oldest first."""
    with session_scope() as db:
        found = select(OutboxMessage.body).where(OutboxMessage.domain == domain, OutboxMessage.channel.in_(channels))
        if ref_types:
            found = found.where(OutboxMessage.ref_type.in_(ref_types))
        return list(db.scalars(found.order_by(OutboxMessage.id)))


def fleet_notices() -> list[str]:
    """The fleet's digest and escalation mails (the operator's) and the escalation's Slack post, once all three are
    there."""
    found = bodies("fleet", "email", "slack", ref_types=FLEET_NOTICES)
    return found if len(found) == 3 else []
