"""The embedded default's broker: a message is seen whole or not at all, and a broken message file stops no worker."""

import logging
from pathlib import Path

import pytest
from kombu import Connection

from service.broker import broker_options
from service.config import get_settings
from service.filesystem_broker import PARTIAL_SUFFIX


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """One broker folder for the module: kombu remembers a queue's declaration per process, not per folder."""
    return tmp_path_factory.mktemp("filesystem-broker")


@pytest.fixture
def broker_folder(data_dir) -> Path:
    folder = data_dir / "broker" / "queue"
    yield folder
    for leftover in folder.iterdir():
        leftover.unlink()


@pytest.fixture
def queue(data_dir, broker_folder):
    """A queue on the broker exactly as the service and the worker configure it, in the module's folder."""
    options = broker_options(get_settings().model_copy(update={"data_dir": data_dir, "redis_url": ""}))
    transport, transport_options = options["broker_transport"], options["broker_transport_options"]
    with Connection(options["broker_url"], transport=transport, transport_options=transport_options) as connection:
        simple = connection.SimpleQueue("jobs")
        yield simple
        simple.close()


def test_a_message_still_being_written_is_not_taken_and_a_whole_one_is(queue, broker_folder):
    in_progress = broker_folder / f".1_writing.jobs.msg{PARTIAL_SUFFIX}"
    in_progress.write_bytes(b'{"bod')
    with pytest.raises(queue.Empty):
        queue.get(block=False)
    assert in_progress.exists()

    queue.put({"n": 1})
    assert sorted(p.name for p in broker_folder.iterdir()) == [in_progress.name, *_whole(broker_folder)]
    assert queue.get(block=False).payload == {"n": 1}
    assert [p.name for p in broker_folder.iterdir()] == [in_progress.name]


def test_an_empty_message_file_is_dropped_with_an_error_and_the_next_message_delivered(queue, broker_folder, caplog):
    (broker_folder / "0_empty.jobs.msg").write_bytes(b"")  # as kombu's own transport leaves one a reader raced
    queue.put({"n": 2})
    with caplog.at_level(logging.ERROR, logger="daicho.broker"):
        assert queue.get(block=False).payload == {"n": 2}
    assert "could not be decoded" in caplog.text
    assert list(broker_folder.iterdir()) == []


def _whole(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".jobs.msg")]
