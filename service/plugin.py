"""What a package adds to the app beyond its routers (service/routers.py), in the one shape `create_app` installs."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from prometheus_client.registry import Collector

from service.metrics import register_once


@dataclass(frozen=True)
class Plugin:
    """Scrape-time collectors for /metrics, an app mounted beside the API (with its lifespan), and a background
    thread started with the API process; each optional."""

    collectors: tuple[Collector, ...] = ()
    mount: Callable[[FastAPI], None] | None = None
    start: Callable[[], object] | None = None

    def install(self, app: FastAPI) -> None:
        if self.mount is not None:
            self.mount(app)
        register_once(self.collectors)
        if self.start is not None:
            self.start()
