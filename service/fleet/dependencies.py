"""Who may do what in the fleet domain, and lookups that turn another customer's id into a 404."""

from typing import Annotated

from fastapi import Depends, Request

from service.config import get_settings
from service.errors import Unauthorized
from service.fleet import agents
from service.fleet.agents import TerminalIdentity
from service.fleet.heartbeats import lane
from service.fleet.models import Alert, Customer, Incident, MaintenanceWindow, Rollout, Terminal
from service.identity.dependencies import Caller, CurrentCaller, require
from service.lanes import GroupCommit
from service.openapi import declares
from service.tenancy import TenantScope, register_tenant_name, scoped_filter, scoped_lookup

DOMAIN = "fleet"
# §5.1: admin everything; operator monitoring and operations; support reading, alerts, customer contact;
# viewer reports.
Admin = Annotated[Caller, Depends(require(DOMAIN, "admin"))]
Operator = Annotated[Caller, Depends(require(DOMAIN, "admin", "operator"))]
Reader = Annotated[Caller, Depends(require(DOMAIN, "admin", "operator", "support"))]
ReportReader = Annotated[Caller, Depends(require(DOMAIN, "admin", "operator", "support", "viewer"))]


def fleet_scope(caller: CurrentCaller) -> TenantScope:
    return caller.scope(DOMAIN)


Scope = Annotated[TenantScope, Depends(fleet_scope)]
register_tenant_name(DOMAIN, Customer.id, Customer.company_name)


valid_terminal = scoped_lookup(Terminal, Terminal.customer_id, Scope, path_param="terminal_id")
valid_customer = scoped_lookup(Customer, Customer.id, Scope, path_param="customer_id")
valid_alert = scoped_lookup(Alert, Alert.customer_id, Scope, path_param="alert_id")
valid_rollout = scoped_lookup(Rollout, Rollout.customer_id, Scope, path_param="rollout_id")
valid_incident = scoped_lookup(Incident, Incident.customer_id, Scope, path_param="incident_id")
valid_window = scoped_lookup(MaintenanceWindow, MaintenanceWindow.customer_id, Scope, path_param="window_id")

# A list's filter naming another customer's record is a 404, as the record's own routes answer.
CustomerId = Annotated[
    int | None, Depends(scoped_filter(Customer, Customer.id, Scope, query_param="customer_id", annotation=int | None))
]
TerminalId = Annotated[
    int | None,
    Depends(scoped_filter(Terminal, Terminal.customer_id, Scope, query_param="terminal_id", annotation=int | None)),
]
IncidentId = Annotated[
    int | None,
    Depends(scoped_filter(Incident, Incident.customer_id, Scope, query_param="incident_id", annotation=int | None)),
]


ScopedTerminal = Annotated[Terminal, Depends(valid_terminal)]
ScopedCustomer = Annotated[Customer, Depends(valid_customer)]
ScopedAlert = Annotated[Alert, Depends(valid_alert)]
ScopedRollout = Annotated[Rollout, Depends(valid_rollout)]
ScopedIncident = Annotated[Incident, Depends(valid_incident)]
ScopedWindow = Annotated[MaintenanceWindow, Depends(valid_window)]


def token_hash_of(authorization: str) -> str:
    """The sha256 of the terminal token in an Authorization header's value (else 401)."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(agents.TOKEN_PREFIX):
        raise Unauthorized("端末トークンが必要です", code="invalid_terminal_token")
    return agents.hash_secret(token)


@declares(401)
async def bearer_token_hash(request: Request) -> str:
    """The terminal token's sha256 from the request (async: no thread hop)."""
    return token_hash_of(request.headers.get("authorization", ""))


async def _lookup_many(token_hashes: list[str]) -> list[TerminalIdentity | Exception]:
    return await lane.run(agents.holders, token_hashes)


lookups = GroupCommit(_lookup_many, get_settings().fleet_batch_max)


async def terminal_holding(token_hash: str) -> TerminalIdentity:
    """The terminal holding the token: from the short-lived cache, else one query shared with concurrent callers."""
    cached = agents.token_cache.get(token_hash)
    return cached if cached is not None else await lookups.submit(token_hash)


async def current_terminal(token_hash: Annotated[str, Depends(bearer_token_hash)]) -> TerminalIdentity:
    return await terminal_holding(token_hash)


AgentTerminal = Annotated[TerminalIdentity, Depends(current_terminal)]
