"""kombu's filesystem transport (the embedded default's broker), with each message written whole before a worker can
see it.

kombu creates a message's file under its final name and only then writes it. A worker polling the folder in between
moves the empty file away, fails to decode it and stops with "Unrecoverable error: JSONDecodeError" (kombu#1551;
seen here when beat sent its first tasks as the worker started), and the message is lost. Here a message is written
under a name no queue matches and renamed into place: the rename is atomic, so a reader finds either nothing or the
whole message. Like kombu's, the write is not synced to disk: it survives the processes, not a power cut. A file that
still cannot be decoded (left by an older version or a full disk) is dropped with an error in the log instead of
stopping the worker.
"""

import logging
import os
import uuid
from pathlib import Path
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

log = logging.getLogger("daicho.broker")

PARTIAL_SUFFIX = ".partial"  # a message being written; queues match only names ending in `.<queue>.msg`


class Channel(filesystem.Channel):
    # kombu's filesystem Channel names the argument `payload`, its base Channel `message`
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the message beside the queue, then rename it into the queue (named as kombu names it: in order)."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = Path(self.data_folder_out) / name
        partial = final.with_name(f".{name}{PARTIAL_SUFFIX}")
        try:
            partial.write_bytes(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ChannelError(f"Cannot add file {str(final)!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """The next message of the queue; one that cannot be decoded is logged and skipped (kombu has removed it).
        A file queue answers at once: `timeout`, in kombu's signature, is not used."""
        while True:
            try:
                return super()._get(queue)
            except ValueError:
                log.error("dropped a message file of queue %s that could not be decoded", queue, exc_info=True)


class Transport(filesystem.Transport):
    Channel = Channel
