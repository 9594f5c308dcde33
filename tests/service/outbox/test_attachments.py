"""E-mail attachments kept with the outbox row: only e-mail, within the size limit, and never sent without its file."""

import pytest
from sqlalchemy import delete

from service.database import session_scope, utcnow
from service.errors import ValidationFailed
from service.outbox.attachments import MAX_TOTAL_BYTES
from service.outbox.delivery import deliver
from service.outbox.models import OutboxFile
from service.outbox.providers import Attachment
from service.outbox.service import enqueue
from tests.service.outbox.helpers import enqueue_committed, read

PDF = Attachment("report.pdf", "application/pdf", b"%PDF-1.4 test")


@pytest.mark.parametrize(
    ("channel", "files", "rule"),
    [
        ("sms", [PDF], "email_only"),
        ("email", [Attachment("", "application/pdf", b"%PDF")], "name_and_type"),
        ("email", [Attachment("big.bin", "application/octet-stream", bytes(MAX_TOTAL_BYTES + 1))], "max_bytes"),
    ],
)
def test_an_attachment_the_outbox_cannot_send_is_refused_when_queued(db, channel, files, rule):
    with pytest.raises(ValidationFailed) as refused:
        enqueue(db, channel=channel, recipient="a@example.jp", attachments=files)
    assert refused.value.details["rule"] == rule


@pytest.mark.dialect
def test_a_message_whose_file_is_missing_fails_instead_of_going_out_without_it(settings):
    message_id = enqueue_committed(attachments=[PDF])
    assert read(message_id).payload["attachments"][0]["size"] == len(PDF.data)
    with session_scope() as db:
        db.execute(delete(OutboxFile))  # a database restored without the file
    assert deliver(session_scope, message_id, now=utcnow(), settings=settings).outcome == "failed"
    assert "attachment" in read(message_id).last_error
