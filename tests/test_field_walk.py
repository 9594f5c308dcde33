"""The field walk (issue 52): a field's facts are stated once, on its column (service/fields.py), and everything else
reads them. For every register (the platform and the five domains) it walks every column of every table a person
edits (the tables its labels.py registers with the audit vocabulary, `tables=`) and fails, naming the file that
declares the table, when a column

- states no facts (label, audited, searched, exported; a yes-or-no column's two words),
- has no words in the audit vocabulary (the history and a refusal of bad input would show its code),
- is not in its register's vocabulary (GET …/vocabulary `fields`) with its label, its length and, a yes-or-no
  column, its two words,
- is audited as its record's own edit on a table whose list has a CSV download but is not in it (exported), or its
  label is not the CSV's header; or is a yes-or-no column whose CSV cell is not its words (True/False),
- states yes-or-no words but is not a yes-or-no (Boolean) column,
- is declared exported or searched on a table that has no list,

and when a dashboards page restates a declared label as a form widget's label or a length as `max_chars=<number>`,
a label as a list's header, a label or a pattern's words in a form's message (issue 68), or a yes-or-no column's
word (「無効」, 「いいえ」, 「OFF」) as a literal of its own, unless the column or table, or the widget, header or word
(its file and words: a filter of something else, another record's field of the same name, a form no vocabulary can
reach), is listed below with a one-line reason. A table of a register that is neither walked nor listed fails too, so
a new table is walked from its first commit. A bare True/False never reaches a file: both writers refuse it
(service/csvtools.py YES_NO_CELL).
"""

import ast
import csv
import inspect
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, MetaData, String, Table

import service.routers  # noqa: F401 (every register's models and labels.py, as the app has them)
from service import exports, fields
from service.database import Base
from service.entry_logs.models import Nursery
from service.roles import PLATFORM
from service.sheets import Sheet
from service.words import field_words, vocabulary_of
from tests.factories import auth_headers, make_user

pytestmark = pytest.mark.walk

ROOT = Path(__file__).resolve().parent.parent
REGISTERS = (PLATFORM, "fleet", "reservations", "loaners", "crm", "entry_logs")
PREFIXES = {PLATFORM: ("identity_",), "entry_logs": ("entry_logs_",)}
VOCABULARY = {
    PLATFORM: "/api/admin/vocabulary",
    "fleet": "/api/fleet/vocabulary",
    "reservations": "/api/reservations/vocabulary",
    "loaners": "/api/loaners/vocabulary",
    "crm": "/api/crm/vocabulary",
    "entry_logs": "/api/entry-logs/vocabulary",
}
# A table's list and its CSV download: its edited fields are in it.
LISTS = {
    "identity_user": "/api/admin/users/export",
    "fleet_customer": "/api/fleet/customers/export",
    "fleet_terminal": "/api/fleet/terminals/export",
    "fleet_alert": "/api/fleet/alerts/export",
    "fleet_incident": "/api/fleet/incidents/export",
    "fleet_firmware_release": "/api/fleet/firmware/releases/export",
    "fleet_rollout": "/api/fleet/rollouts/export",
    "reservations_shop": "/api/reservations/shops/export",
    "reservations_reservation": "/api/reservations/reservations/export",
    "reservations_manual_operation": "/api/reservations/manual-operations/export",
    "reservations_incident": "/api/reservations/incidents/export",
    "reservations_support_inquiry": "/api/reservations/inquiries/export",
    "loaners_device": "/api/loaners/views/normal/export",
    "crm_agency": "/api/crm/agencies/export",
    "crm_request": "/api/crm/requests/export",
    "crm_profile": "/api/crm/users/export",
    "entry_logs_parent": "/api/entry-logs/parents/export?nurseryId={nursery}",
    "entry_logs_child": "/api/entry-logs/children/export?nurseryId={nursery}",
}
BOOKKEEPING = {"id", "created_at", "updated_at", "version"}  # every table's: written by the service, never a person
WALKER_GRANTS = {
    PLATFORM: "admin",
    "fleet": "admin",
    "reservations": "operator",
    "loaners": "admin",
    "crm": "admin",
    "entry_logs": "admin",
}

# --- what the walk does not ask, and why (one line each) -----------------------------------------------------------

# A register's table the walk does not walk: written by the service or a machine, never edited by a person, or
# edited through another table's fields (its own line says which).
NOT_WALKED = {
    "identity_login_throttle": "sign-in failures counted by the service",
    "identity_revoked_token": "tokens revoked at logout, by the service",
    "identity_recovery_code": "the second factor's one-time codes, made by its enrolment (hashed)",
    "identity_oidc_sign_in": "sign-ins with the company's account under way, by the service (their secrets hashed)",
    "identity_group_grant": "a group's grants: edited on 利用者管理 › グループ (tests/service/identity/test_scim.py)",
    "identity_group_member": "a group's members: edited on 利用者管理 › グループ and by SCIM, through the group",
    "fleet_command": "commands queued by an action, their state written by the agent",
    "fleet_diagnostic": "sent by the agent",
    "fleet_digest": "alert digests, by the service",
    "fleet_enrollment_code": "issued by an action (its code is a secret)",
    "fleet_escalation": "escalations, by the service",
    "fleet_metric_hourly": "roll-ups, by the service",
    "fleet_metric_sample": "sent by the agent",
    "fleet_state": "the ingest watch, by the service",
    "fleet_terminal_event": "sent by the agent",
    "fleet_terminal_import": "an import's job and its report",
    "fleet_import_first_row": "an import's index of its file's first rows, by the job",
    "fleet_import_piece": "an import's file as read, by the job",
    "fleet_update_task": "a rollout's per-terminal task, by the service",
    "reservations_call_attempt": "calls made by the service",
    "reservations_call_decision": "why each shop was or was not called, by the service",
    "reservations_event": "a reservation's status history, by the service",
    "reservations_mcp_request": "the MCP tools' idempotency keys",
    "reservations_monthly_stat": "the executive summary's roll-up",
    "reservations_notification": "messages the service sends",
    "reservations_page": "pages of the person on duty, by the service (acknowledged as the action acknowledge_page)",
    "reservations_page_step": "a page's steps, by the service",
    "reservations_payment": "payment links and their webhooks",
    "reservations_shop_service": "a shop's services: service_type_ids of the shop's own edit",
    "loaners_archive_block": "the rotation's archive index",
    "loaners_bulk_pick": "a person's working list of devices, neither audited nor exported (models.py)",
    "loaners_counter": "number sequences",
    "loaners_device_search": "the search text, written from the device and its answers (search_text.py)",
    "loaners_form": "the status forms, loaded from the spec (initial_data.json); their questions are walked",
    "loaners_import": "an import's job and its report",
    "loaners_import_first_row": "an import's index of its file's first rows, by the job",
    "loaners_import_piece": "an import's file as read, by the job",
    "loaners_return_digest": "the weekly digest's claim",
    "loaners_rotation": "the rotation's runs",
    "loaners_submission": "answers appended by the form, never edited (their keys are the form's questions)",
    "crm_image": "uploaded statements: their file's facts, by the service",
    "crm_ocr_review": "what a site's save did with each OCR proposal, recorded by the save (audited with it)",
    "crm_notification": "in-app notices, by the service",
    "crm_read_mark": "what a person has read, by the service",
    "entry_logs_guardian": "a parent's children: parent_ids of the child's own edit",
    "entry_logs_hour_count": "counts, by the service",
    "entry_logs_log": "scans and their corrections (corrections.py audits them with the staff's reason)",
    "entry_logs_parent_photo": "a photo's bytes",
    "entry_logs_pickup_alert": "alerts raised by an exit scan",
    "entry_logs_roster_import": "an import's job and its report",
    "entry_logs_roster_import_piece": "an import's file as read, by the job",
    "entry_logs_station_session": "scan stations' sign-ins",
}
# A column of a walked table the walk lets be (no facts; not in its list's CSV; its CSV header in other words), and
# why.
HEARTBEAT = "written by the agent's heartbeats and the offline sweep, never by a person"
CARD = "card data: encrypted and write-only (the body's credit_card_number / credit_card_security_code name it)"
WORKFLOW = "set by the workflow's actions (status, its time, the request it belongs to), audited as those actions"
RAISED = "raised by the service's monitoring (the offline sweep, a heartbeat, a rollout), never by a person"
DIGESTED = "the e-mail digest that told it, by the service"
STEP_TIME = "a §4.2 step's time, set by its action: the list and its CSV say where the steps stand (SLA)"
STEP_BY = "who recorded the §4.2 step: the signed-in person of its action (its entry's actor)"
SLA_STEPS = ("acknowledged", "diagnosed", "customer_contacted", "resolved", "reported")
NORMAL_VIEW = "NORMAL's CSV holds the columns of its data type's display settings; the AUDIT view holds this one"
SERVICE_COLUMNS = {
    ("identity_user", "password_changed_at"): "when the password last changed, by the service",
    ("identity_user", "deactivated_at"): "when the account was last deactivated, by the service",
    ("identity_user", "oidc_subject"): "the provider's id for the person, linked at their first sign-in (audited)",
    ("identity_user", "password_must_change"): "set by a password someone else gave, cleared by its owner's own",
    ("identity_user", "totp_secret"): "the second factor's secret, set by its owner's enrolment, never shown again",
    ("identity_user", "totp_enabled_at"): "when the second factor was confirmed (audited second_factor_enable)",
    ("identity_user", "totp_last_step"): "the time-step of the last code taken, by the service: none passes twice",
    ("identity_user", "is_active"): "its CSV says it as 状態 (in its words) beside the grants",
    ("identity_grant", "user_id"): "the grant's holder: the route's path",
    **{
        ("fleet_terminal", name): HEARTBEAT
        for name in (
            "reported_status",
            "agent_version",
            "last_heartbeat_at",
            "offline_deadline_at",
            "offline_since",
            "offline_alert_held",
            "offline_alert_at",
            "cpu_usage",
            "memory_usage",
            "disk_usage",
            "usage_streaks",
            "error_message",
            "interval_seconds",
            "token_hash",
            "token_issued_at",
        )
    },
    ("fleet_maintenance_window", "digested_until"): "the digest sweep's progress",
    ("fleet_maintenance_window", "created_by"): "who created it: the audit entry's actor",
    **{
        (table, name): RAISED
        for table, names in (
            ("fleet_alert", ("terminal_id", "customer_id", "incident_id", "alert_type", "message")),
            ("fleet_incident", ("customer_id", "alert_type", "terminal_count", "store_count", "message")),
        )
        for name in names
    },
    **{
        (table, name): DIGESTED
        for table in ("fleet_alert", "fleet_incident")
        for name in ("digest_id", "resolved_digest_id")
    },
    **{(table, f"{step}_at"): STEP_TIME for table in ("fleet_alert", "fleet_incident") for step in SLA_STEPS},
    ("fleet_incident", "resolved_at"): "its CSV says when as 解決日時, beside 対応内容",
    **{(table, f"{step}_by"): STEP_BY for table in ("fleet_alert", "fleet_incident") for step in SLA_STEPS},
    ("fleet_alert_note", "alert_id"): "the note's alert: the route's path",
    ("fleet_alert_note", "author"): "who wrote it: the signed-in person (its entry's actor)",
    ("fleet_incident_note", "incident_id"): "the entry's incident: the route's path",
    ("fleet_incident_note", "author"): "who wrote it: the signed-in person (its entry's actor)",
    ("fleet_firmware_release", "created_by"): "who uploaded it: the audit entry's actor",
    ("fleet_rollout", "release_id"): "its CSV shows the release's バージョン, not the id",
    ("fleet_rollout", "customer_id"): "its target's one customer (none for several), by the service",
    ("fleet_rollout", "target"): "a customer, terminal IDs or a filter: its entry and CSV count its terminals",
    **{
        ("fleet_rollout", name): "the rollout's progress, by the service"
        for name in ("current_wave", "accepted_failures", "finished_at")
    },
    ("fleet_rollout", "created_by"): "who created it: the audit entry's actor",
    ("fleet_rollout", "paused_reason"): "set by 一時停止 or by its failures: the rollout's page says why it paused",
    ("fleet_saved_view", "user_id"): "the view's owner: the signed-in person",
    ("reservations_reservation", "code"): "its QRV code, generated",
    ("reservations_reservation", "service_type_id"): "chosen at booking; its CSV shows the service's name",
    ("reservations_reservation", "shop_id"): WORKFLOW,
    ("reservations_reservation", "mcp_client_id"): "the MCP client that booked it",
    ("reservations_reservation", "status"): WORKFLOW,
    ("reservations_reservation", "status_changed_at"): WORKFLOW,
    ("reservations_reservation", "reminder_due_at"): "the reminder's schedule, by the service",
    ("reservations_reservation", "reminder_sent_at"): "the reminder's schedule, by the service",
    ("reservations_reservation", "next_call_at"): "round 2's wait before calling a shop again, by the service",
    ("reservations_reservation", "one_off_shop_name"): "its CSV's 提携店 shows the shop, listed or one-off",
    ("reservations_reservation", "one_off_shop_phone"): "a one-off shop's, on its reservation's page (提携店 names it)",
    ("reservations_reservation", "one_off_shop_notes"): "a one-off shop's, on its reservation's page (提携店 names it)",
    (
        "reservations_shop",
        "opens_at",
    ): "its CSV's 営業時間 holds both in one cell (10:00-19:00), as the import reads it",
    (
        "reservations_shop",
        "closes_at",
    ): "its CSV's 営業時間 holds both in one cell (10:00-19:00), as the import reads it",
    ("reservations_manual_operation", "reservation_id"): "named by its code: the body's and the entry's reservation",
    ("reservations_manual_operation", "call_attempt_id"): "the shop call that opened it (CSV: 提携店からの依頼内容)",
    ("reservations_manual_operation", "outbox_message_id"): "the notice that reached nobody, by the service",
    ("reservations_note", "reservation_id"): "the route's reservation",
    ("reservations_note", "author"): "who wrote it: the audit entry's actor",
    ("reservations_mcp_client", "key_hash"): "its API key's sha256, by the service (the key is shown once)",
    ("loaners_question", "form_id"): "its entries name the form by its kind (form), not by this id",
    ("loaners_device", "location_id"): "no view of §2.3.4 has a 拠点 column: NORMAL's rows are chosen by 管轄 and 拠点",
    ("loaners_device", "model_id"): "its views show the model's name (機種名), not the id",
    ("loaners_device", "id"): NORMAL_VIEW,
    **{("loaners_device", name): NORMAL_VIEW for name in ("asset_number", "software", "os")},
    ("entry_logs_nursery", "entry_exit_password_hash"): "the entry-exit password's hash (set by its own action)",
    ("entry_logs_nursery", "station_pin_hash"): "the forgotten-card PIN's hash (set by its own action)",
    ("entry_logs_nursery", "station_password_stamp"): "the hash station tokens were made from, kept by a rehash",
    ("entry_logs_nursery", "station_generation"): "raised by 全端末のログアウト",
    ("entry_logs_nursery", "closing_notice_date"): "the closing-time notice's day, by the service",
    ("entry_logs_parent", "nursery_id"): "the list and its CSV are one nursery's",
    ("entry_logs_child", "nursery_id"): "the list and its CSV are one nursery's",
    ("entry_logs_parent", "link_version"): "the barcode link's version, by its reissue action",
    ("entry_logs_parent", "link_revoked"): "the barcode link's state, by its revoke action",
    ("entry_logs_parent", "relation"): "a 「本日のみ」 pass's: the pickup page lists passes",
    ("entry_logs_parent", "pass_date"): "a 「本日のみ」 pass's: the pickup page lists passes",
    ("entry_logs_parent", "is_pass"): "set when a pass is created",
    ("entry_logs_parent", "pickup_check"): "kept by the pickup rules, by the service",
    ("entry_logs_parent", "photo_version"): "the photo's version, by its own action",
    ("entry_logs_attendance", "child_id"): "the route's child",
    ("entry_logs_attendance", "nursery_id"): "the child's nursery",
    ("entry_logs_attendance", "attendance_date"): "the route's day",
    ("entry_logs_care_hours", "nursery_id"): "the route's nursery",
    ("entry_logs_pickup_rule", "child_id"): "the route's child (a pass's: its children, childIds)",
    ("entry_logs_pickup_rule", "parent_id"): "the route's guardian, or the pass's own person",
    ("entry_logs_pickup_rule", "nursery_id"): "the child's nursery",
    ("entry_logs_pickup_rule", "kind"): "set by its action: お迎え不可 (restricted) or a 「本日のみ」 pass (one_day)",
    ("crm_agency", "is_active"): "its CSV says it as ステータス (in its words), as §3.5's list",
    ("crm_corporation", "agency_id"): "the corporation's agency: the request's, never edited",
    ("crm_corporation", "display_name"): "its name as shown, made from the contractor's name fields",
    **{
        ("crm_corporation", name): CARD
        for name in ("card_number_encrypted", "card_last4", "card_security_code_encrypted", "card_revision")
    },
    **{
        ("crm_site", name): WORKFLOW for name in ("request_id", "corporation_id", "agency_id", "status", "submitted_at")
    },
    **{
        ("crm_request", name): WORKFLOW
        for name in (
            "agency_id corporation_id requested_by status whole_deficiency ever_deficient cancelled_at status_since "
            "closed_at deficient_seconds"
        ).split()
    },
    ("crm_request", "assigned_to"): "set by 次の依頼を担当 and 担当者の変更, audited as those (assign, reassign)",
    ("crm_request", "assigned_at"): "when it was assigned, by those actions",
    ("crm_request", "opened_at"): "when someone of the back office first opened it, by the service (未読 until then)",
    ("crm_request", "remarks"): "a long multi-line text, read in the request's detail, not a column of its list",
    **{
        ("crm_comment", name): "written with the comment by the action posting it (the route's request, its author)"
        for name in ("request_id", "site_id", "agency_id", "author_id", "type", "audience")
    },
    ("crm_comment", "snapshot"): "a deficiency's record of the request as it was, by the service",
    ("crm_comment", "changes"): "a resubmission's changes since the deficiency, by the service",
    ("crm_profile", "user_id"): "the account the profile belongs to: the route's path",
    ("crm_choice", "kind"): "the master the choice belongs to: the route's path, never edited",
}


def served_facts(column: Column, found: fields.Facts) -> tuple[str, int | None, list[str]]:
    """What the vocabulary serves of the column: its label, its length, and a yes-or-no column's two words."""
    return found.label, fields.max_length(column), list(found.words) if fields.is_yes_no(column) else []


def yes_no_problems(column: Column, found: fields.Facts) -> list[str]:
    """A yes-or-no column's words: two, distinct, and what its CSV cell says (never True/False); words stated on any
    other column are a mistake."""
    if not fields.is_yes_no(column):
        return [] if found.words == fields.YES_NO else ["states yes-or-no words but is no yes-or-no (Boolean) column"]
    if len(set(found.words)) != 2 or not all(found.words):
        return [f"states {found.words!r}: a yes-or-no column's words are two, distinct and not empty"]
    cell = exports.declared(column).value
    written = tuple(cell(SimpleNamespace(**{column.name: value})) for value in (True, False))
    return [] if written == found.words else [f"is written to its list's CSV as {written!r}, not in its words"]


def _walked(table: Table) -> bool:
    return table.name not in NOT_WALKED


def register_tables(register: str) -> list[Table]:
    """The register's tables by their names' prefix (identity_ for the platform)."""
    prefixes = PREFIXES.get(register, (f"{register}_",))
    return [table for name, table in sorted(Base.metadata.tables.items()) if name.startswith(prefixes)]


def source_file(table: Table) -> str:
    """The file that declares the table's model, relative to the repository."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table.name:
            return str(Path(inspect.getsourcefile(mapper.class_) or "?").resolve().relative_to(ROOT))
    return table.name


def column_problems(
    register: str,
    table: Table,
    served: Mapping[str, Mapping[str, Any]] | None,
    headers: Iterable[str] | None,
    exceptions: Mapping[tuple[str, str], str] = SERVICE_COLUMNS,
) -> list[str]:
    """What the walk says of one table's columns: each problem names the file declaring it."""
    where, problems = source_file(table), []
    header_set = set(headers) if headers is not None else None
    target = next((kind for kind, t in vocabulary_of(register).targets.items() if t.table == table.name), "")
    for column in table.columns:
        name, found = column.name, fields.facts_of(column)
        place = f"{where}: {table.name}.{name}"
        if found is None:
            if name not in BOOKKEEPING and (table.name, name) not in exceptions:
                problems.append(f"{place} states no facts (field_info: label, audited, searched, exported)")
            continue
        if field_words(register, name, target) is None:
            problems.append(f"{place} has no words in the audit vocabulary")
        problems += [f"{place} {problem}" for problem in yes_no_problems(column, found)]
        if served is not None:
            words = served.get(table.name, {}).get(name)
            if words is None:
                problems.append(f"{place} is not in {VOCABULARY[register]}")
            elif (words["label"], words["max_length"], words["words"]) != served_facts(column, found):
                problems.append(f"{place} is served by {VOCABULARY[register]} with another label, length or words")
        if header_set is None:
            if found.exported or found.searched:
                problems.append(f"{place} is declared exported or searched, but its table has no list")
        elif (table.name, name) in exceptions:
            continue
        elif found.audited and not found.group and not found.exported:
            problems.append(f"{place} is changed by its record's edit but not in its list's CSV ({LISTS[table.name]})")
        elif found.exported and found.label not in header_set:
            problems.append(f"{place} is exported, but its list's CSV has no column 「{found.label}」")
    return problems


# --- the dashboards restate nothing the columns state --------------------------------------------------------------

WIDGET_LABEL = re.compile(
    r"\.(?:text_input|text_area|number_input|selectbox|radio|checkbox|date_input|time_input|multiselect)\(\s*"
    r"[\"']([^\"']+)[\"']"
)
MAX_CHARS = re.compile(r"max_chars\s*=\s*\d+")
MAX_VALUE = re.compile(r"max_value\s*=\s*[\d.]+")  # a number field's range: the column's (fields.Field.number())
# A widget whose words are a column's label but which is not that column (a filter of something else, a table still
# to declare), or which cannot read the vocabulary, and why.
OTHER_WIDGETS = {
    ("dashboards/auth.py", "ログインID"): "the sign-in form: shown before anyone is signed in to read a vocabulary",
    ("dashboards/app_pages/admin/audit.py", "終了日"): "the audit log's period, not a maintenance window's",
    ("dashboards/app_pages/loaners/audit.py", "ステータス"): "filters the answers' 0-4.ステータス, not a location's",
    (
        "dashboards/app_pages/fleet/reports.py",
        "範囲",
    ): "the report's range (fleet-wide or a customer), not a grant's scope",
}


def edited_labels() -> set[str]:
    """The labels of the fields a record's own edit changes (audited, in no group of another action's)."""
    return {
        found.label
        for register in REGISTERS
        for table in register_tables(register)
        if _walked(table)
        for found in fields.declared(table).values()
        if found.audited and not found.group
    }


def dashboard_problems(labels: set[str], files: Iterable[Path]) -> list[str]:
    problems = []
    for path in files:
        text, where = path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        restated = sorted(
            {label for label in WIDGET_LABEL.findall(text) if label in labels and (where, label) not in OTHER_WIDGETS}
        )
        if restated:
            problems.append(f"{where} restates the label of {', '.join(restated)}: read it from the vocabulary")
        if MAX_CHARS.search(text):
            problems.append(f"{where} restates a length (max_chars=<number>): read it from the vocabulary")
        if MAX_VALUE.search(text):
            problems.append(f"{where} restates a range (max_value=<number>): read it from the vocabulary")
    return problems


# A list's headers and a form's messages (issue 68). A page (app_pages/<folder>/, its folder's register) restates a
# column of its register when it keys a dict (a row, a column's config or width) with a declared label, when a message
# (words asking 「…ください」) is led by one (「拠点名を入力してください。」) or holds a pattern's words, and when it
# words a field's message by hand (f"{x.label}は{x.pattern_words}で…", f"{x.label}を入力してください。": Field's
# required_message(), choose_message() and pattern_message() say them, the last as the API refuses). Parsed, not run.
PAGES = ROOT / "dashboards" / "app_pages"
PAGES_REGISTER = {"admin": PLATFORM}  # a folder named otherwise than its register
ASKS = "ください"
REQUIRED = ("{}を入力してください。", "{}を選択してください。")  # Field.required_message(), choose_message()
# A page's header equal to a column's label that is not that column (another record's field of the same name), and
# why.
RESERVATION_CODE = "a reservation's own code (generated: no facts), as an inquiry's 予約ID names it"
BOOKED_AT = "when a reservation was booked (its created_at: no facts), not an inquiry's 受付日時"
OPENED_AT = "when a manual operation opened (its created_at: no facts), not an incident's 発生日時"
OTHER_HEADERS = {
    ("dashboards/app_pages/crm/common.py", "代理店"): "a request's agency (its workflow's: no facts), not a profile's",
    ("dashboards/app_pages/crm/metrics.py", "代理店"): "the agency a row of the OCR figures counts, not a profile's",
    ("dashboards/app_pages/crm/forms.py", "内容"): "a record's field-by-field table (項目 / 内容), not a comment's",
    (
        "dashboards/app_pages/entry_logs/logs.py",
        "備考",
    ): "a log's note (who recorded it by hand, why), not an attendance's",
    ("dashboards/app_pages/fleet/customers.py", "理由"): "why an import row was refused, not a quiet time's reason",
    ("dashboards/app_pages/fleet/terminal.py", "状態"): "a firmware task's and a command's state (no facts)",
    ("dashboards/app_pages/loaners/import.py", "ID"): "an import's number, not a device's",
    (
        "dashboards/app_pages/reservations/clients.py",
        "状態",
    ): "a client's 有効 / 無効 (its active flag), not an operation's",
    ("dashboards/app_pages/reservations/common.py", "予約ID"): RESERVATION_CODE,
    ("dashboards/app_pages/reservations/common.py", "受付日時"): BOOKED_AT,
    ("dashboards/app_pages/reservations/common.py", "状態"): "a reservation's status (its workflow's: no facts)",
    ("dashboards/app_pages/reservations/detail.py", "受付日時"): BOOKED_AT,
    ("dashboards/app_pages/reservations/detail.py", "状態"): "a payment's status (no facts), not an operation's",
    ("dashboards/app_pages/reservations/detail.py", "理由"): "a status change's reason (its event's: no facts)",
    ("dashboards/app_pages/reservations/detail.py", "発生日時"): OPENED_AT,
    (
        "dashboards/app_pages/reservations/incidents.py",
        "対応時間目標",
    ): "the incident level's target, not an operation's",
    ("dashboards/app_pages/reservations/queue.py", "予約ID"): RESERVATION_CODE,
    ("dashboards/app_pages/reservations/queue.py", "発生日時"): OPENED_AT,
}


@dataclass(frozen=True)
class Declared:
    """One register's declared labels and pattern words (every table's, walked or not: a list shows both)."""

    labels: frozenset[str]
    patterns: frozenset[str]

    @classmethod
    def of(cls, register: str) -> "Declared":
        found = [facts for table in register_tables(register) for facts in fields.declared(table).values()]
        return cls(frozenset(f.label for f in found), frozenset(f.pattern_words for f in found if f.pattern_words))

    @cached_property
    def leading(self) -> re.Pattern[str]:
        """A message led by a label (after a person's name: 「{}の電話番号は…」)."""
        longest_first = sorted(self.labels, key=len, reverse=True)
        return re.compile(rf"^(?:\{{\}}の)?({'|'.join(map(re.escape, longest_first))})[はをが]")


def said(node: ast.AST) -> str | None:
    """A string's words, an f-string's with {} for each value; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def worded_by_hand(node: ast.AST) -> bool:
    """An f-string asking for a field in its pattern words or for the field itself, from its facts."""
    if not isinstance(node, ast.JoinedStr):
        return False
    read = [
        part.value.attr
        for part in node.values
        if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Attribute)
    ]
    return ("pattern_words" in read and ASKS in (said(node) or "")) or (said(node) in REQUIRED and read == ["label"])


def page_problems(
    where: str, source: str, declared: Declared, allowed: Mapping[tuple[str, str], str] = OTHER_HEADERS
) -> list[str]:
    """What one page restates of its register's columns in its lists' headers and its forms' messages."""
    nodes = list(ast.walk(ast.parse(source)))
    keys = {id(key) for node in nodes if isinstance(node, ast.Dict) for key in node.keys if key is not None}
    headers, messages, by_hand = set(), set(), False
    for node in nodes:
        words = said(node)
        if words is None:
            continue
        if id(node) in keys and words in declared.labels:
            headers.add(words)
        elif ASKS in words and (led := declared.leading.match(words)):
            messages.add(led[1])
        messages |= {pattern for pattern in declared.patterns if pattern in words}
        by_hand = by_hand or worded_by_hand(node)
    problems = [
        f"{where} heads a list with 「{words}」, a column's label: read it (fields.headers)"
        for words in sorted(headers)
        if (where, words) not in allowed
    ]
    problems += [f"{where} restates 「{words}」 in a message: read it (Field)" for words in sorted(messages)]
    if by_hand:
        problems.append(
            f"{where} words a field's message by hand: Field's required_message(), choose_message(), pattern_message()"
        )
    return problems


def pages_problems(files: Iterable[Path], allowed: Mapping[tuple[str, str], str] = OTHER_HEADERS) -> list[str]:
    declared = {register: Declared.of(register) for register in REGISTERS}
    return [
        problem
        for path in files
        for problem in page_problems(
            str(path.relative_to(ROOT)),
            path.read_text(encoding="utf-8"),
            declared[PAGES_REGISTER.get(path.parent.name, path.parent.name)],
            allowed,
        )
    ]


# A page's literal that is a yes-or-no column's word but says something else, and why.
OTHER_WORDS: dict[tuple[str, str], str] = {}


def yes_no_words() -> set[str]:
    """The words yes-or-no columns are shown in (and the common はい / いいえ), less those that are a column's label
    too (有効, is_active's label and its true word: a header the headers' check reads)."""
    tables = Base.metadata.tables.values()
    labels = {found.label for table in tables for found in fields.declared(table).values()}
    words = {
        word
        for table in tables
        for column in table.columns
        if fields.facts_of(column) is not None and fields.is_yes_no(column)
        for word in fields.facts(column).words
    }
    return (words | set(fields.YES_NO)) - labels


def literals(path: Path) -> Iterator[str]:
    """The module's string literals (an f-string's pieces too), its docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def yes_no_word_problems(words: set[str], files: Iterable[Path]) -> list[str]:
    problems = []
    for path in files:
        where = str(path.relative_to(ROOT))
        restated = sorted({text for text in literals(path) if text in words and (where, text) not in OTHER_WORDS})
        if restated:
            problems.append(f"{where} restates the yes-or-no word {', '.join(restated)}: read it (fields.Field.word)")
    return problems


# --- the walk --------------------------------------------------------------------------------------------------------


def test_every_table_of_every_register_is_walked_or_listed():
    known = {table.name for register in REGISTERS for table in register_tables(register)}
    unlisted = [
        f"{source_file(table)}: {table.name} is neither registered (labels.py tables=) nor listed in NOT_WALKED"
        for register in REGISTERS
        for table in register_tables(register)
        if table.name not in vocabulary_of(register).tables and table.name not in NOT_WALKED
    ]
    assert unlisted == [], "\n".join(unlisted)
    assert set(NOT_WALKED) <= known, "NOT_WALKED names a table no register has"
    declared_elsewhere = [
        f"{source_file(table)}: {table.name} declares its fields' facts but is not registered"
        for table in Base.metadata.tables.values()
        if fields.declared(table) and not any(table.name in vocabulary_of(register).tables for register in REGISTERS)
    ]
    assert declared_elsewhere == []


@pytest.mark.parametrize("register", REGISTERS)
def test_every_edited_column_states_its_facts_and_everything_reads_them(client, db, register):
    user = make_user(db, "walker", grants=WALKER_GRANTS)
    nursery = Nursery(code="walk", name="フィールド園")
    db.add(nursery)
    db.commit()
    headers = auth_headers(user)
    answer = client.get(VOCABULARY[register], headers=headers)
    assert answer.status_code == 200, answer.text
    served = answer.json()["fields"]
    problems = []
    for table in register_tables(register):
        if not _walked(table):
            continue
        csv_header = None
        if table.name in LISTS:
            download = client.get(LISTS[table.name].format(nursery=nursery.id), headers=headers)
            assert download.status_code == 200, (LISTS[table.name], download.text)
            csv_header = next(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))), [])
        problems += column_problems(register, table, served, csv_header)
    assert problems == [], "\n".join(problems)


def test_the_dashboards_restate_no_label_length_or_range_of_a_column():
    files = sorted((ROOT / "dashboards").rglob("*.py"))
    found = dashboard_problems(edited_labels(), files)
    assert found == [], "\n".join(found)


def test_the_pages_restate_no_label_or_rule_in_a_header_or_message():
    found = pages_problems(sorted(PAGES.glob("*/*.py")))
    assert found == [], "\n".join(found)
    listed = pages_problems(sorted({ROOT / where for where, _ in OTHER_HEADERS}), allowed={})
    stale = [
        f"OTHER_HEADERS lists 「{words}」 of {where}, which no longer heads a list there"
        for where, words in OTHER_HEADERS
        if f"{where} heads a list with 「{words}」, a column's label: read it (fields.headers)" not in listed
    ]
    assert stale == [], "\n".join(stale)


def test_the_dashboards_restate_no_yes_no_word_of_a_column():
    files = sorted((ROOT / "dashboards").rglob("*.py"))
    found = yes_no_word_problems(yes_no_words(), files)
    assert found == [], "\n".join(found)


# --- the walk fails on a column added without its facts -------------------------------------------------------------


def test_a_column_added_without_its_facts_fails_the_walk_naming_its_file():
    """The newcomer's 備考 on loaner devices, added as a bare column: the walk names the model's file and the column."""
    device = Base.metadata.tables["loaners_device"].to_metadata(MetaData())
    device.append_column(Column("remarks", String(500), default=""))
    problems = column_problems("loaners", device, {"loaners_device": {}}, headers=[])
    assert "service/loaners/models.py: loaners_device.remarks states no facts" in "\n".join(problems)


def test_a_page_restating_a_header_or_a_rule_fails_naming_the_file_and_its_words():
    """A newcomer's inquiry list and form, with the columns' labels and rules in the page's own words."""
    page = """
def inquiry_row(inquiry):
    return {"ID": inquiry["id"], "問い合わせ者": inquiry["requester"], "初回応答時間（分）": inquiry["minutes"]}

def problems(body, requester):
    found = [] if body["requester"] else [f"{requester.label}を入力してください。"]
    if not body["reservation_code"].startswith("QRV-"):
        found.append("予約IDは「QRV-」と英数字6文字（例: QRV-7KX2M9）で入力してください。")
    return found
"""
    where = "dashboards/app_pages/reservations/__walk_example__.py"
    assert page_problems(where, page, Declared.of("reservations")) == [
        f"{where} heads a list with 「問い合わせ者」, a column's label: read it (fields.headers)",
        f"{where} restates 「「QRV-」と英数字6文字（例: QRV-7KX2M9）」 in a message: read it (Field)",
        f"{where} restates 「予約ID」 in a message: read it (Field)",
        f"{where} words a field's message by hand: Field's required_message(), choose_message(), pattern_message()",
    ]


def test_a_dashboards_page_restating_a_label_length_or_range_fails_naming_the_file():
    page = ROOT / "dashboards" / "app_pages" / "loaners" / "__walk_example__.py"
    widgets = 'st.text_input("資産管理番号", max_chars=50)\nst.number_input("件数", max_value=10_000)\n'
    page.write_text(f"import streamlit as st\n{widgets}", encoding="utf-8")
    try:
        problems = dashboard_problems(edited_labels(), [page])
    finally:
        page.unlink()
    where = "dashboards/app_pages/loaners/__walk_example__.py"
    assert problems == [
        f"{where} restates the label of 資産管理番号: read it from the vocabulary",
        f"{where} restates a length (max_chars=<number>): read it from the vocabulary",
        f"{where} restates a range (max_value=<number>): read it from the vocabulary",
    ]


def test_a_dashboards_page_restating_a_yes_no_word_fails_naming_the_file():
    page = ROOT / "dashboards" / "app_pages" / "loaners" / "__walk_example__.py"
    page.write_text('ROW = {"ステータス変更通知": "ON" if True else "OFF", "状態": "無効にする"}\n', encoding="utf-8")
    try:
        problems = yes_no_word_problems(yes_no_words(), [page])
    finally:
        page.unlink()
    where = "dashboards/app_pages/loaners/__walk_example__.py"
    assert problems == [f"{where} restates the yes-or-no word OFF, ON: read it (fields.Field.word)"]


def test_a_yes_no_column_is_written_in_its_words_and_a_bare_truth_in_no_file():
    """The newcomer's 要修理 on loaner devices: declared, its CSV cell is はい / いいえ (or the words it states);
    words on a column that is no yes-or-no fail; True/False written without words is refused by both writers."""
    device = Base.metadata.tables["loaners_device"].to_metadata(MetaData())
    device.append_column(Column("needs_repair", Boolean, info=fields.field_info("要修理", exported=True)))
    device.append_column(Column("repair_note", String(50), info=fields.field_info("修理", words=fields.ON_OFF)))
    problems = column_problems("loaners", device, None, headers=None, exceptions={})
    assert yes_no_problems(device.c.needs_repair, fields.facts(device.c.needs_repair)) == []
    assert exports.declared(device.c.needs_repair).value(SimpleNamespace(needs_repair=False)) == "いいえ"
    where = "service/loaners/models.py: loaners_device.repair_note"
    assert f"{where} states yes-or-no words but is no yes-or-no (Boolean) column" in problems
    bare = Sheet([exports.field("要修理", "needs_repair")], [[[True]]])
    for pieces in (exports.csv_pieces(bare, "utf-8"), exports.xlsx_pieces(bare, "代替機")):
        with pytest.raises(TypeError, match="never True/False"):
            list(pieces)
