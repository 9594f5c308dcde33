from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, select, update

from service.audit import service as audit
from service.audit.models import AuditChainHead, AuditEntry
from service.database import session_scope
from tests.factories import auth_headers, make_user

ACTOR = audit.Actor(type="user", id="7", label="tester", client_address="203.0.113.9", request_id="req-1")


def write_entries(count: int) -> None:
    for n in range(count):
        with session_scope() as db:
            audit.record(
                db,
                actor=ACTOR,
                action="update",
                domain="fleet",
                target_type="terminal",
                target_id=n,
                changes=audit.diff({"status": "online"}, {"status": "offline"}),
            )


def test_entries_chain_and_verify(db):
    write_entries(3)
    report = audit.verify_chain(db)
    assert report.ok and report.checked == 3
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[0].changes == {"status": {"before": "online", "after": "offline"}}
    assert entries[0].client_address == "203.0.113.9"


def test_altered_entry_is_detected(db):
    write_entries(3)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(changes={"status": {"before": "x", "after": "y"}}))
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok
    assert report.first_bad_seq == 2
    assert report.problem == "entry altered after it was written"


def test_removed_entries_are_detected(db):
    write_entries(4)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    db.commit()
    assert audit.verify_chain(db).problem == "missing entry"


def test_truncated_tail_is_detected(db):
    write_entries(3)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    db.commit()
    assert audit.verify_chain(db).problem == "entries removed from the end"


def test_an_emptied_log_is_detected_against_the_head_it_kept(db):
    write_entries(3)
    db.execute(delete(AuditEntry))
    db.commit()
    report = audit.verify_chain(db)
    assert (report.ok, report.checked, report.first_bad_seq) == (False, 0, 1)
    assert report.problem == "entries removed from the end"


def test_an_emptied_log_without_its_head_is_detected(db):
    write_entries(2)
    db.execute(delete(AuditEntry))
    db.execute(delete(AuditChainHead))
    db.commit()
    assert audit.verify_chain(db).problem == "chain head missing"


def test_entries_left_after_a_head_moved_back_are_detected(db):
    write_entries(3)
    second = db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 2))
    db.execute(update(AuditChainHead).values(last_seq=2, last_hash=second))
    db.commit()
    report = audit.verify_chain(db)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 3, "entries after the chain head")


def test_concurrent_writers_keep_one_unbroken_chain(db):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: write_entries(5), range(4)))
    report = audit.verify_chain(db)
    assert report.ok and report.checked == 20


def test_secrets_are_redacted_in_diffs():
    changes = audit.diff(
        {"card_number": "4242424242424242", "name": "a"}, {"card_number": "4000000000000002", "name": "b"}
    )
    assert changes["card_number"] == {"before": "[REDACTED]", "after": "[REDACTED]"}
    assert changes["name"] == {"before": "a", "after": "b"}


def test_admin_reads_audit_with_filters_and_others_cannot(client, db):
    admin = make_user(db, "admin", grants={"platform": "admin"})
    viewer = make_user(db, "viewer", grants={"fleet": "viewer"})
    db.commit()
    write_entries(2)
    with session_scope() as s:
        audit.record(s, actor=ACTOR, action="create", domain="crm", target_type="request", target_id=1)
    listed = client.get("/api/admin/audit", params={"domain": "fleet"}, headers=auth_headers(admin))
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    assert {e["domain"] for e in listed.json()["items"]} == {"fleet"}
    verify = client.get("/api/admin/audit/verify", headers=auth_headers(admin))
    assert verify.json()["ok"] is True
    assert client.get("/api/admin/audit", headers=auth_headers(viewer)).status_code == 403
