"""Imports every model module so that metadata (and Alembic) sees all tables."""

from service import (
    broker,  # noqa: F401  (PendingTask)
    documents,  # noqa: F401  (DocumentJob)
)
from service.audit import models as audit_models  # noqa: F401
from service.crm import models as crm_models  # noqa: F401
from service.database import Base
from service.entry_logs import models as entry_logs_models  # noqa: F401
from service.fleet import models as fleet_models  # noqa: F401
from service.identity import models as identity_models  # noqa: F401
from service.loaners import models as loaners_models  # noqa: F401
from service.outbox import models as outbox_models  # noqa: F401
from service.reservations import models as reservations_models  # noqa: F401

metadata = Base.metadata
