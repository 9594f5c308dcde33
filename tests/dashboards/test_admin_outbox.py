"""管理 › 送信履歴: the outbox list with filters, a message's attempts, and 再送 for a failed one."""

import httpx
import pytest

from service.database import utcnow
from service.outbox.models import OutboxAttempt, OutboxMessage
from tests.dashboards.conftest import button, cell_colours, texts
from tests.factories import auth_headers, make_user

pytest.importorskip("service.outbox.router", reason="the outbox API (/api/admin/outbox) has not landed yet")

OUTBOX = "app_pages/admin/outbox.py"


@pytest.fixture
def messages(db):
    admin = make_user(db, "root", grants={"platform": "admin"})
    failed = OutboxMessage(
        channel="email",
        recipient="taro@example.jp",
        subject="予約確認",
        body="ご予約ありがとうございます。",
        status="failed",
        attempts=1,
        last_error="550 mailbox unavailable",
    )
    failed.attempt_log.append(
        OutboxAttempt(number=1, outcome="permanent_error", error="550 mailbox unavailable", finished_at=utcnow())
    )
    sent = OutboxMessage(
        channel="sms", recipient="+819012345678", body="認証コード", status="sent", attempts=1, sent_at=utcnow()
    )
    db.add_all([failed, sent])
    db.commit()
    return admin, failed.id, sent.id


def test_outbox_lists_filters_and_retries_a_failed_message(messages, open_app, live_api):
    admin, failed_id, sent_id = messages
    at = open_app(admin)
    at.switch_page(OUTBOX).run()

    table = at.dataframe[0].value
    assert table["ID"].tolist() == [sent_id, failed_id]
    assert table["状態"].tolist() == ["送信済み", "失敗"]
    assert cell_colours(at.dataframe[0], "状態") == ["green", "red"]
    assert table["チャネル"].tolist() == ["SMS", "メール"]

    at.selectbox(key="admin_outbox_status").select("failed").run()
    assert at.dataframe[0].value["ID"].tolist() == [failed_id]

    at.selectbox(key="admin_outbox_detail").select(failed_id).run()
    assert texts(at.code) == ["ご予約ありがとうございます。"]
    attempts = at.dataframe[1].value
    assert attempts[["回", "結果", "エラー"]].to_dict("records") == [
        {"回": 1, "結果": "恒久的なエラー", "エラー": "550 mailbox unavailable"}
    ]

    at = button(at, "再送").click().run()

    assert f"ID {failed_id} を再送の待ち行列に戻しました。" in texts(at.success)
    detail = httpx.get(f"{live_api}/api/admin/outbox/{failed_id}", headers=auth_headers(admin)).json()
    assert detail["status"] != "failed"


def test_a_sent_message_offers_no_retry(messages, open_app):
    admin, _, sent_id = messages
    at = open_app(admin)
    at.switch_page(OUTBOX).run()

    at.selectbox(key="admin_outbox_detail").select(sent_id).run()

    assert "再送" not in [b.label for b in at.button]
    assert texts(at.code) == ["認証コード"]
