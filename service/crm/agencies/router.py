"""代理店管理 (§3.5): the agencies the caller sees, with their sales staff count, and the download; admins register and
edit (or deactivate) them."""

from service import exports
from service.crm.agencies import service as agencies
from service.crm.agencies.schemas import AgencyFields, AgencyRead, AgencyUpdate
from service.crm.dependencies import Admin, AnyRole, Scope, ScopedAgency
from service.crm.routing import feature_router
from service.deps import DbSession
from service.pagination import Page, Paging, page_of
from service.schemas import QueryText

router = feature_router()


def _agency(db: DbSession, agency) -> AgencyRead:
    return AgencyRead.model_validate(agency).model_copy(
        update={"sales_count": agencies.sales_counts(db, [agency.id]).get(agency.id, 0)}
    )


@router.get("/agencies", response_model=Page[AgencyRead])
def list_agencies(
    _: AnyRole, scope: Scope, db: DbSession, paging: Paging, q: QueryText = None, active: bool | None = None
) -> Page:
    rows, total = agencies.list_agencies(
        db, scope=scope, q=q, active=active, offset=paging.offset, limit=paging.page_size
    )
    counts = agencies.sales_counts(db, [a.id for a in rows])
    return page_of(
        [AgencyRead.model_validate(a).model_copy(update={"sales_count": counts.get(a.id, 0)}) for a in rows],
        total,
        paging,
    )


@router.get("/agencies/export", **exports.DOWNLOAD)
def export_agencies(_: AnyRole, scope: Scope, q: QueryText = None, active: bool | None = None) -> exports.Download:
    """The agencies the list's filters select, by code, as the CSV download."""
    return exports.download(agencies.agency_export(scope=scope, q=q, active=active), "crm_agencies", "代理店一覧")


@router.post("/agencies", response_model=AgencyRead, status_code=201)
def create_agency(body: AgencyFields, caller: Admin, db: DbSession) -> AgencyRead:
    return _agency(db, agencies.create_agency(db, data=body, actor=caller.actor))


@router.get("/agencies/{agency_id:int}", response_model=AgencyRead)
def get_agency(_: AnyRole, agency: ScopedAgency, db: DbSession) -> AgencyRead:
    return _agency(db, agency)


@router.patch("/agencies/{agency_id:int}", response_model=AgencyRead)
def update_agency(body: AgencyUpdate, caller: Admin, agency: ScopedAgency, db: DbSession) -> AgencyRead:
    """編集 / 無効化 (is_active=false)."""
    return _agency(db, agencies.update_agency(db, agency=agency, data=body, actor=caller.actor))
