"""kombu's Redis transport, with a worker that survives a Redis restart while it holds unacknowledged tasks.

Celery closes the broken connection after collecting it; the first close already failed to give the unacknowledged
messages back (Redis was down) and the collection dropped the transport's settings, so the second close read them and
raised AttributeError, which Celery takes for unrecoverable: the worker exited. Here a channel asked for a Redis client
after its connection was collected raises a connection error instead, which the close ignores; the worker reconnects,
and the messages wait in Redis's unacked set until their visibility timeout gives them back (their pending tasks'
leases see them done or run again)."""

from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was already collected")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
