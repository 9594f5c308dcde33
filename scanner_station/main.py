"""Entry point: `python -m scanner_station [--server URL] [--state-dir DIR] [--station-id ID] [--headless]`."""

import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler

from scanner_station.config import ConfigError, StationConfig, load_config

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3


def configure_logging(config: StationConfig) -> None:
    """The kiosk owns the terminal, so it logs to a file in the state directory; headless logs to stderr."""
    if config.headless:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            config.state_dir / "station.log", maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("scanner_station")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = load_config(argv)
    except ConfigError as exc:
        print(f"scanner_station: {exc}", file=sys.stderr)
        return 2
    configure_logging(config)
    if config.headless:
        from scanner_station.headless import run_headless

        return asyncio.run(run_headless(config, sys.stdin, sys.stdout, os.environ))
    from scanner_station.app import StationApp

    app = StationApp(config)
    app.run()
    asyncio.run(app.station.close())  # once the app has ended, its workers with it: none finds the buffer closed
    return 0
