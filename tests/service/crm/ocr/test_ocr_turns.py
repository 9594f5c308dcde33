"""Statement images take turns to be read across tenants (service/crm/ocr/turns.py): a backlog of one agency's uploads
puts at most APP_OCR_READERS readers on the bulk queue, so another agency's image is read within the first reads and a
roster import queued behind the backlog waits for one read, not twenty; a claim a killed read left is taken again once
its lease ran out and the image is recorded once; an image whose reads kept being interrupted fails in words.

The bulk queue is worked here as a worker works it, one message at a time in its order, each task run in this process
(`work_bulk_queue`). The reads meet no engine (switched off after the uploads), so each ends failed at once: the order
of the turns is what these tests look at; tests/service/crm/ocr/test_ocr.py reads a bill with a real worker."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from jobs.celery_app import app
from jobs.crm import resume_reading
from service import broker
from service.config import get_settings
from service.crm.labels import OCR_INTERRUPTED
from service.crm.models import Image
from service.crm.ocr import reading, turns
from service.database import session_scope, utcnow
from service.task_queues import BULK
from tests.service.crm.conftest import made, picture, submit
from tests.support.worker import purge_queue

pytestmark = pytest.mark.dialect

IMPORT = "entry_logs.import_roster"


@pytest.fixture(autouse=True)
def engine(monkeypatch) -> Iterator[Any]:
    """OCR on for the uploads (they queue the images); `engine.setenv("APP_OCR_ENGINE", "none")` before the reads."""
    purge_queue()
    monkeypatch.setenv("APP_OCR_ENGINE", "ppocrv6")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    purge_queue()


def switched_off(engine) -> None:
    engine.setenv("APP_OCR_ENGINE", "none")
    get_settings.cache_clear()


def switched_on(engine) -> None:
    engine.setenv("APP_OCR_ENGINE", "ppocrv6")
    get_settings.cache_clear()


def upload(client, headers, count: int) -> list[int]:
    files = [("images", (f"bill-{n}.png", picture(colour=f"#3366{n:02x}"), "image/png")) for n in range(count)]
    return [image["id"] for image in made(submit(client, headers, files=files))["images"]]


def next_bulk_message() -> tuple[str, str, list] | None:
    """The bulk queue's next message, taken as a worker takes it: its task, id and arguments."""
    with app.connection_for_read() as connection:
        message = connection.default_channel.basic_get(BULK, no_ack=True)
    if message is None:
        return None
    args, _, _ = message.decode()
    return message.headers["task"], message.headers["id"], args


def work_bulk_queue(*, stop_at: str | None = None) -> list[str]:
    """Each message in turn run here, until the queue is empty (or `stop_at`'s task comes up, not run); the tasks."""
    done = []
    while (taken := next_bulk_message()) is not None:
        name, task_id, args = taken
        done.append(name)
        if name == stop_at:
            break
        assert app.tasks[name].apply(args=args, task_id=task_id).successful()
    return done


def reader_messages() -> int:
    with session_scope() as db:
        return len(db.scalars(select(broker.PendingTask).where(broker.PendingTask.task == turns.TASK)).all())


def images(ids: list[int]) -> list[Image]:
    with session_scope() as db:
        return list(db.scalars(select(Image).where(Image.id.in_(ids)).order_by(Image.id)))


def turn_order(ids: list[int]) -> list[int]:
    """The images by when their read started."""
    return [image.id for image in sorted(images(ids), key=lambda image: image.ocr_started_at)]


def test_another_agencys_image_is_read_within_the_first_two_reads_of_a_backlog(client, world, engine):
    backlog = upload(client, world.sales_a, 20)
    theirs = upload(client, world.sales_b, 1)
    assert (broker.queue_length(BULK), reader_messages()) == (1, 1)  # one reader, not 21 messages
    switched_off(engine)
    assert work_bulk_queue() == [turns.TASK] * 21
    order = turn_order(backlog + theirs)
    assert theirs[0] in order[:2]  # its turn came before A's second
    read = images(backlog + theirs)
    assert {(image.ocr_result["status"], image.ocr_attempts, image.ocr_queued_at) for image in read} == {
        (reading.FAILED, 1, None)
    }  # each read once, none left waiting
    assert (broker.queue_length(BULK), reader_messages()) == (0, 0)

    switched_on(engine)
    more, again = upload(client, world.sales_a, 3), upload(client, world.sales_b, 1)
    switched_off(engine)
    assert work_bulk_queue() == [turns.TASK] * 4
    assert turn_order(more + again)[0] == again[0]  # A read last: B's turn first


def images_waiting(client) -> float:
    return float(re.search(r"^daicho_ocr_images_waiting (\S+)$", client.get("/metrics").text, re.MULTILINE)[1])


def test_metrics_count_the_images_waiting_for_their_read_as_the_backlog_grows_and_drains(client, world, engine):
    assert images_waiting(client) == 0
    upload(client, world.sales_a, 3)
    upload(client, world.sales_b, 2)
    assert images_waiting(client) == 5  # one reader message on the bulk queue, five bills behind it
    switched_off(engine)
    work_bulk_queue()
    assert images_waiting(client) == 0
    switched_on(engine)
    upload(client, world.sales_b, 1)
    assert images_waiting(client) == 1


def test_a_roster_import_queued_behind_a_backlog_waits_for_one_read(client, world, engine):
    upload(client, world.sales_a, 20)
    with session_scope() as db:
        broker.queue_task(db, IMPORT, 1)  # a nursery's import, queued after the backlog
    switched_off(engine)
    assert work_bulk_queue(stop_at=IMPORT) == [turns.TASK, IMPORT]
    assert (broker.queue_length(BULK), reader_messages()) == (1, 1)  # the backlog goes on behind it
    assert work_bulk_queue() == [turns.TASK] * 19


def test_as_many_readers_travel_as_the_setting_allows(client, world, engine):
    engine.setenv("APP_OCR_READERS", "2")
    get_settings.cache_clear()
    upload(client, world.sales_a, 20)
    upload(client, world.sales_b, 1)
    with session_scope() as db:
        broker.queue_task(db, IMPORT, 1)
    assert (broker.queue_length(BULK), reader_messages()) == (3, 2)
    switched_off(engine)
    assert work_bulk_queue(stop_at=IMPORT) == [turns.TASK, turns.TASK, IMPORT]
    assert work_bulk_queue() == [turns.TASK] * 20  # the last finds the other reader took the last image
    with session_scope() as db:
        assert {(image.ocr_attempts, image.ocr_queued_at) for image in db.scalars(select(Image))} == {(1, None)}
    assert reader_messages() == 0


def result_of(text: str) -> reading.Result:
    return reading.Result(picture("JPEG"), {"status": reading.DONE, "text": text})


def test_a_claim_left_by_a_killed_read_is_retaken_after_its_lease_and_recorded_once(client, world, engine):
    [image_id] = upload(client, world.sales_a, 1)
    now = utcnow()
    with session_scope() as db:
        killed = turns.claim_next(db, now=now)  # its worker died reading it
    with session_scope() as db:
        assert turns.claim_next(db, now=now + turns.LEASE - timedelta(seconds=1)) is None  # still held
    with session_scope() as db:
        retaken = turns.claim_next(db, now=now + turns.LEASE)
    assert killed is not None and retaken is not None and retaken.image_id == killed.image_id == image_id
    assert (killed.attempt, retaken.attempt) == (1, 2)
    with session_scope() as db:
        reading.record_claimed(db, killed, result_of("late"))  # the lost read's result, had it come back: ignored
        reading.mark_failed(db, killed, message="x", now=now)
    with session_scope() as db:
        reading.record_claimed(db, retaken, result_of("read"))
    with session_scope() as db:
        reading.record_claimed(db, retaken, result_of("again"))  # a copy of the task's last step: once only
        image = db.get_one(Image, image_id)
        assert (image.ocr_result["text"], image.ocr_queued_at, image.ocr_attempts) == ("read", None, 2)
        assert image.ocr_page_path is not None
        assert turns.claim_next(db, now=now + 2 * turns.LEASE) is None


def test_an_image_left_by_dead_readers_gets_a_reader_on_the_beat_and_fails_in_words_after_three(client, world, engine):
    [image_id] = upload(client, world.sales_a, 1)
    purge_queue()
    with session_scope() as db:
        db.execute(delete(broker.PendingTask))  # the reader's message and row gone with its worker
        image = db.get_one(Image, image_id)
        image.ocr_attempts, image.ocr_lease_until = turns.MAX_ATTEMPTS, utcnow() - timedelta(seconds=1)
    assert resume_reading() == 1
    assert resume_reading() == 0  # one reader per slot
    assert work_bulk_queue() == [turns.TASK]
    [image] = images([image_id])
    assert image.ocr_result["status"] == reading.FAILED and image.ocr_queued_at is None
    assert image.ocr_result["message"] == OCR_INTERRUPTED.format(attempts=3)
    assert (resume_reading(), reader_messages()) == (0, 0)


@pytest.mark.postgres_only
def test_two_readers_at_once_claim_two_images(client, world, engine):
    ids = upload(client, world.sales_a, 2)
    now = utcnow()
    with session_scope() as first, session_scope() as second:
        one, other = turns.claim_next(first, now=now), turns.claim_next(second, now=now)
        assert one is not None and other is not None and {one.image_id, other.image_id} == set(ids)
