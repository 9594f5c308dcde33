"""What the CRM's feature routers share: their prefix and tag, the list parameters (a page, a period of local dates),
a page of rows, a body refused field by field, and the caller acting in their CRM role."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from service.crm.auditing import Actorship
from service.crm.dependencies import DOMAIN, crm_role
from service.errors import ValidationFailed, rule_message
from service.identity.dependencies import Caller
from service.schemas import IsoDate

Period = Annotated[IsoDate | None, Query(description="local date, inclusive (YYYY-MM-DD)")]


def feature_router() -> APIRouter:
    """A feature's routes under /crm, tagged crm. Each route's own path is then the one the metrics and the access log
    name (`/crm/requests`), as a router included in another would not have it."""
    return APIRouter(prefix=f"/{DOMAIN}", tags=[DOMAIN])


def acting(caller: Caller) -> Actorship:
    return Actorship(actor=caller.actor, user_id=caller.user_id, role=crm_role(caller))


def refusal(exc: ValidationError) -> ValidationFailed:
    """The 422 naming each field the body broke and its rule (a form's dry run, a multipart request's JSON part)."""
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "payload",
            "rule": e["type"],
            "message": rule_message(e),
            "ctx": {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, int | float | str)},
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    return ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", details={**errors[0], "errors": errors})
