"""What every CRM form reads: the masters' choices (`/masters`), the vocabulary (`/vocabulary`: words, §4.1's status
rules, limits and field facts, as the pages show and mirror them) and a dry run of a form (`/validate/{kind}`)."""

from typing import Annotated, Any

from fastapi import Body
from fastapi.responses import Response
from pydantic import ValidationError

from service.crm import masters, statuses
from service.crm.corporations.schemas import CARD_NUMBER_MAX, SECURITY_CODE_MAX
from service.crm.dependencies import AnyRole
from service.crm.forms.schemas import VALIDATED, CrmVocabulary, MastersRead, ValidatedKind
from service.crm.kinds import LabelledForm
from service.crm.labels import (
    AGENCY_FIELD_LABELS,
    AUDIT,
    CORPORATION_FIELD_LABELS,
    NOTIFICATION_KIND_LABELS,
    OTHER_FIELD_LABELS,
    SITE_AUDIT_FIELD_LABELS,
    SITE_FIELD_LABELS,
    STATUS_COLOURS,
    STATUS_LABELS,
    TIME_LABELS,
)
from service.crm.masters import SORT_ORDER_MAX
from service.crm.requests.schemas import SITE_COUNT_MAX
from service.crm.routing import feature_router, refusal
from service.crm.sites import completeness
from service.deps import DbSession
from service.fields import vocabulary as field_vocabulary
from service.roles import DOMAINS

router = feature_router()


@router.get("/masters", response_model=MastersRead)
def get_masters(_: AnyRole, db: DbSession) -> MastersRead:
    """選択肢マスタ, the 11 option services, prefectures and status labels for every form."""
    return MastersRead(
        choices={kind: list(rows) for kind, rows in masters.choices(db).items()},
        options=masters.options(db),
        prefectures=list(masters.PREFECTURES),
        statuses=STATUS_LABELS,
    )


ACCOUNT_TABLES = ("identity_user", "identity_grant")  # the user forms edit an account and its grant's role


@router.get("/vocabulary", response_model=CrmVocabulary)
def vocabulary(_: AnyRole) -> CrmVocabulary:
    """Status colours, notification kinds, §4.1's back-office transitions and the forms' field names, as the pages
    show and mirror them."""
    return CrmVocabulary(
        status_colours=STATUS_COLOURS,
        roles=DOMAINS["crm"].roles,
        notification_kind_labels=NOTIFICATION_KIND_LABELS,
        transitions={
            before: [
                after for after in statuses.SITE_STATUS_ORDER if (before, after) in statuses.BACK_OFFICE_TRANSITIONS
            ]
            for before in statuses.SITE_STATUS_ORDER
        },
        cancellable=[s for s in statuses.SITE_STATUS_ORDER if s in statuses.CANCELLABLE],
        closed=[s for s in statuses.STATUS_ORDER if s in statuses.CLOSED],
        status_labels=STATUS_LABELS,
        submission_required={
            group: [SITE_FIELD_LABELS[field] for field in fields]
            for group, fields in completeness.REQUIRED_GROUPS.items()
        },
        field_labels={
            LabelledForm.CORPORATION: CORPORATION_FIELD_LABELS,
            LabelledForm.SITE: SITE_AUDIT_FIELD_LABELS,
            LabelledForm.AGENCY: AGENCY_FIELD_LABELS,
            LabelledForm.OTHER: OTHER_FIELD_LABELS,
        },
        time_labels=TIME_LABELS,
        limits={
            "card_number": CARD_NUMBER_MAX,
            "security_code": SECURITY_CODE_MAX,
            "site_count": SITE_COUNT_MAX,
            "sort_order": SORT_ORDER_MAX,
        },
        fields=field_vocabulary((*AUDIT.tables, *ACCOUNT_TABLES)),
    )


@router.post("/validate/{kind}", status_code=204)
def validate(kind: ValidatedKind, _: AnyRole, body: Annotated[dict[str, Any], Body()]) -> Response:
    """A dry run of a form's schema: 204 when the API would take it, else the 422 naming each field; nothing stored."""
    try:
        VALIDATED[kind].model_validate(body)
    except ValidationError as exc:
        raise refusal(exc) from None
    return Response(status_code=204)
