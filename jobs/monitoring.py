"""Broker introspection for metrics and readiness."""

from service.config import get_settings

QUEUE = "celery"


def queue_length() -> int:
    """Messages waiting in the default queue."""
    settings = get_settings()
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return int(client.llen(QUEUE))
        finally:
            client.close()
    folder = settings.broker_dir / "queue"
    return sum(1 for _ in folder.glob(f"*.{QUEUE}.msg")) if folder.exists() else 0


def broker_reachable() -> bool:
    settings = get_settings()
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
    folder = settings.broker_dir / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    return folder.is_dir()
