"""Who may do what in the fleet domain, lookups that turn another customer's id into a 404, and a list's page.

The agent's own credentials are in agent/dependencies.py."""

from typing import Annotated

from fastapi import Depends

from service.fleet.models import Alert, Customer, Incident, MaintenanceWindow, Rollout, Terminal
from service.identity.dependencies import Caller, CurrentCaller, require
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
