"""kombu's filesystem transport with each message written whole before a worker can see it.

kombu creates a message's file under its final name and only then writes it: a worker polling in between fails on the
empty file and stops (kombu#1551), and the message is lost. Here a message is written under a name no queue matches and
renamed into place (atomic). Not synced to disk: it survives the processes, not a power cut. A file that still cannot be
decoded is logged and dropped instead of stopping the worker."""

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
        """Named as kombu names it: in order."""
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
        """`timeout` is unused: a file queue answers at once."""
        while True:
            try:
                return super()._get(queue)
            except ValueError:
                log.error("dropped a message file of queue %s that could not be decoded", queue, exc_info=True)


class Transport(filesystem.Transport):
    Channel = Channel
