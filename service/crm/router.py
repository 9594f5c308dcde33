"""代理店CRM API (/api/crm): the features' routers, in /api/docs order, each included in the app as it is (one router
inside another would have each route built and matched again). Handlers are thin; roles per spec §5, every query
scoped to a sales caller's agency. DELETE endpoints take `version` as a query parameter (the body guard does not read
DELETE bodies)."""

from service.crm.acquired import router as acquired
from service.crm.agencies import router as agencies
from service.crm.audit_log import router as audit_log
from service.crm.comments import router as comments
from service.crm.corporations import router as corporations
from service.crm.forms import router as forms
from service.crm.images import router as images
from service.crm.master_upkeep import router as master_upkeep
from service.crm.metrics import router as metrics
from service.crm.ocr import router as ocr
from service.crm.requests import router as requests
from service.crm.sites import router as sites
from service.crm.users import router as users

FEATURES = (
    users,
    forms,
    master_upkeep,
    comments,
    requests,
    corporations,
    sites,
    images,
    ocr,
    acquired,
    metrics,
    agencies,
    audit_log,
)
ROUTERS = tuple(feature.router for feature in FEATURES)
