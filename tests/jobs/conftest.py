from tests.support.smtp import smtp_sink  # noqa: F401
from tests.support.worker import start_worker  # noqa: F401
