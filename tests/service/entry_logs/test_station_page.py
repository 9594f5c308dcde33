"""The pages the service serves to browsers: the scan station's files and wording, the parent's barcode page behind
its signed, revocable link, the staff's revoke/reissue, and the QR code of the link on the printed card."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

import clientkit.station_labels as kiosk_labels
from service.audit.models import AuditEntry
from service.entry_logs import parent_links
from service.entry_logs.models import Parent
from tests.service.entry_logs.test_cards import made_cards
from tests.service.entry_logs.world import make_world, staff_headers

INVALID = "このリンクは無効です。保育園に新しいリンクの発行を依頼してください"


def test_station_speaks_the_kiosks_words_and_rules(client):
    vocabulary = client.get("/api/station/vocabulary.json").json()
    assert vocabulary["labels"]["GREETING"] == kiosk_labels.GREETING
    assert vocabulary["labels"]["QUEUE_FULL"] == kiosk_labels.QUEUE_FULL
    assert vocabulary["rules"] | {"retry_backoff_seconds": 0} == {
        "heartbeat_seconds": 30.0,
        "retries": 3,
        "retry_backoff_seconds": 0,
        "request_timeout_seconds": 5.0,
        "queue_max": 100,
        "history_size": 10,
        "flash_seconds": 0.2,
        "greeting_seconds": 3.0,
        "alarm_seconds": 20.0,
    }


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("", "text/html"),
        ("station.js", "text/javascript"),
        ("sw.js", "text/javascript"),
        ("manifest.webmanifest", "application/manifest+json"),
    ],
)
def test_station_files_are_served_without_anything_from_outside(client, path, media_type):
    response = client.get(f"/api/station/{path}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    assert not re.search(r"(src|href)=\"(https?:)?//", response.text)


def test_an_unknown_station_file_is_a_404_in_the_common_shape(client):
    response = client.get("/api/station/..%2Fpages.py")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_forged_or_outdated_links_show_no_barcode(client, db):
    world = make_world(db, "sakura")
    db.commit()
    parent = world.parents[0]
    good = parent_links.link_token(parent)
    page = client.get(f"/api/parent-barcode/{good}")
    assert page.status_code == 200 and f"{parent.name} 様" in page.text and f'aria-label="{parent.id}"' in page.text
    assert "noindex" in page.headers["x-robots-tag"]
    forged = good.replace(f"{parent.id}.", f"{world.parents[1].id}.", 1)
    for token in (forged, f"{parent.id}.2.{good.rsplit('.', 1)[1]}", "nonsense", f"{parent.id}.1."):
        refused = client.get(f"/api/parent-barcode/{token}")
        assert refused.status_code == 404 and INVALID in refused.text and parent.name not in refused.text


def test_staff_revoke_and_reissue_a_link_audited_and_only_in_their_nursery(client, db):
    world, other = make_world(db, "sakura"), make_world(db, "himawari")
    headers, outsider = staff_headers(db, world), staff_headers(db, other, "staff-b")
    parent = world.parents[0]
    old = parent_links.link_token(parent)
    url = f"/api/entry-logs/parents/{parent.id}/barcode-link"
    assert client.get(url, headers=outsider).status_code == 404
    assert client.delete(url, headers=outsider).status_code == 404
    assert client.get(url, headers=headers).json()["url"].endswith(f"/api/parent-barcode/{old}")

    assert client.delete(url, headers=headers).json() == {"parentId": parent.id, "url": None, "active": False}
    assert client.get(f"/api/parent-barcode/{old}").status_code == 404
    reissued = client.post(url, headers=headers).json()
    assert reissued["active"] and not reissued["url"].endswith(old)
    assert client.get(urlsplit(reissued["url"]).path).status_code == 200
    assert client.get(f"/api/parent-barcode/{old}").status_code == 404

    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.target_id == str(parent.id)).order_by(AuditEntry.seq)
    ).all()
    assert [(e.action, e.changes) for e in entries if e.action.endswith("parent_link")] == [
        (
            "revoke_parent_link",
            {"link_revoked": {"before": False, "after": True}, "link_version": {"before": 1, "after": 2}},
        ),
        (
            "reissue_parent_link",
            {"link_revoked": {"before": True, "after": False}, "link_version": {"before": 2, "after": 3}},
        ),
    ]


@pytest.mark.dialect
def test_printed_cards_carry_the_links_qr_code_unless_revoked(client, db):
    world = make_world(db, "sakura", parents=2)
    headers = staff_headers(db, world)
    assert made_cards(client, headers, world.nursery.id).count(b"/Subtype /Image") == 4
    client.delete(f"/api/entry-logs/parents/{world.parents[0].id}/barcode-link", headers=headers)
    assert made_cards(client, headers, world.nursery.id).count(b"/Subtype /Image") == 3
    assert db.scalar(select(Parent.link_revoked).where(Parent.id == world.parents[0].id)) is True
