from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings, get_settings
from tests.service.outbox.fake_api import FakeApi, serve
from tests.support.smtp import smtp_sink  # noqa: F401


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A copy of the test settings that a test may change, with a sandbox folder of its own."""
    return get_settings().model_copy(update={"data_dir": tmp_path})


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    with serve() as api:
        yield api
