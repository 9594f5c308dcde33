"""The in-app watchdog (§4.3): a stopped worker, an unswept payment window (beat) and an outbox backlog are posted to
#qrv-alerts and delivered at once, each once per repeat window."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.outbox.models import OutboxMessage
from service.reservations.models import Notification
from service.reservations.monitoring import watchdog
from tests.service.reservations.conftest import book, deliver_due, payment_of

pytestmark = pytest.mark.dialect


def slack_posts() -> list[tuple[str, str, str]]:
    """(kind, message, outbox status) of every #qrv-alerts post."""
    with session_scope() as db:
        rows = db.execute(
            select(Notification.kind, Notification.message, OutboxMessage.status)
            .join(OutboxMessage, OutboxMessage.id == Notification.outbox_message_id)
            .order_by(Notification.id)
        ).all()
    return [tuple(row) for row in rows]


def test_a_healthy_service_posts_nothing(db, catalog):
    book(catalog["service_id"])
    deliver_due()
    assert watchdog.run_once(now=utcnow(), workers=True) == []
    assert slack_posts() == []


def test_a_worker_that_does_not_answer_is_posted_and_delivered_once(db):
    now = utcnow()
    assert watchdog.run_once(now=now, workers=False) == ["worker_down"]
    assert watchdog.run_once(now=now + timedelta(minutes=5), workers=False) == []
    assert slack_posts() == [("worker_down", "Celeryワーカーが応答しません（予約処理・送信が止まっています）", "sent")]


def test_an_unswept_payment_window_says_beat_is_not_running(db, catalog):
    code = book(catalog["service_id"])
    deliver_due()
    expires = payment_of(code).expires_at
    assert watchdog.run_once(now=expires + timedelta(minutes=5), workers=None) == []
    assert watchdog.run_once(now=expires + timedelta(minutes=11), workers=None) == ["beat_down"]
    [(kind, message, status)] = slack_posts()
    assert (kind, status) == ("beat_down", "sent")
    assert "期限切れの決済リンク1件が10分以上処理されていません" in message


def test_an_outbox_backlog_is_posted(db, catalog):
    book(catalog["service_id"])  # its messages wait in the outbox: nobody delivers them
    with session_scope() as session:
        waiting = session.scalars(select(OutboxMessage.next_attempt_at)).all()
    due = max(waiting)
    assert watchdog.run_once(now=due + timedelta(minutes=11), workers=True) == ["outbox_backlog"]
    [(kind, message, status)] = slack_posts()
    assert (kind, status) == ("outbox_backlog", "sent")
    assert message == f"送信が滞留しています（10分以上送られていないメッセージ{len(waiting)}件）"
