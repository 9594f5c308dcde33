"""The registry of sections and pages, and the one rule that decides who sees which page.

A domain adds a screen with one PageSpec line in its section; the navigation and every page's guard read this list.
"""

from dataclasses import dataclass
from pathlib import Path

PLATFORM = "platform"
# 端末管理 §5.1: every fleet role but 閲覧のみ (viewer), who reads reports only.
FLEET_STAFF = ("admin", "operator", "support")
# 代理店CRM §3/§5: each role sees only its pages; the first page a role sees is its home (§3.0).
CRM_ALL = ("sales", "operator", "admin")
CRM_SALES_SIDE = ("sales", "admin")
CRM_BACK_OFFICE = ("operator", "admin")
CRM_ADMIN = ("admin",)
# 予約 §2.3.1/§4.2: operators and support run the console (support reads, notes, incidents, opens operations);
# executives read the executive dashboard and the incident records (§5.3.2 アクセス権限: 運営担当者、経営陣).
RESV_STAFF = ("operator", "support")
RESV_OPERATOR = ("operator",)
RESV_REPORTS = ("operator", "executive")
RESV_INCIDENTS = ("operator", "support", "executive")


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    url_path: str
    roles: tuple[str, ...] = ()
    icon: str | None = None


@dataclass(frozen=True)
class Section:
    domain: str
    label: str
    summary: str
    pages: tuple[PageSpec, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "fleet",
        "端末管理",
        "全顧客のTC-200端末と店舗PCのエージェントを一元管理し、稼働状況・アラート・障害対応を追跡します。",
        (
            PageSpec("app_pages/fleet/dashboard.py", "ダッシュボード", "fleet", FLEET_STAFF, ":material/dashboard:"),
            PageSpec("app_pages/fleet/customers.py", "顧客一覧", "fleet-customers", FLEET_STAFF, ":material/domain:"),
            PageSpec("app_pages/fleet/terminals.py", "端末一覧", "fleet-terminals", FLEET_STAFF, ":material/devices:"),
            PageSpec("app_pages/fleet/stores.py", "店舗別", "fleet-stores", FLEET_STAFF, ":material/storefront:"),
            PageSpec("app_pages/fleet/alerts.py", "アラート一覧", "fleet-alerts", FLEET_STAFF, ":material/warning:"),
            PageSpec(
                "app_pages/fleet/incidents.py",
                "インシデント",
                "fleet-incidents",
                FLEET_STAFF,
                ":material/crisis_alert:",
            ),
            PageSpec("app_pages/fleet/terminal.py", "端末詳細", "fleet-terminal", FLEET_STAFF, ":material/memory:"),
            PageSpec(
                "app_pages/fleet/firmware.py",
                "ファームウェア管理",
                "fleet-firmware",
                FLEET_STAFF,
                ":material/system_update:",
            ),
            PageSpec("app_pages/fleet/reports.py", "レポート", "fleet-reports", icon=":material/summarize:"),
        ),
    ),
    Section(
        "reservations",
        "予約",
        "AIチャット（MCP）経由の予約リクエストを受け付け、SMS・提携店への電話代行・決済を自動で進めます。"
        "自動処理できない場面は運営担当者が手動で対応し、運用状況を監視します。",
        (
            PageSpec(
                "app_pages/reservations/console.py",
                "運営コンソール",
                "reservations",
                RESV_STAFF,
                ":material/monitor_heart:",
            ),
            PageSpec(
                "app_pages/reservations/queue.py",
                "手動対応キュー",
                "reservations-queue",
                RESV_STAFF,
                ":material/support_agent:",
            ),
            PageSpec(
                "app_pages/reservations/detail.py",
                "予約詳細",
                "reservations-detail",
                RESV_STAFF,
                ":material/event_note:",
            ),
            PageSpec(
                "app_pages/reservations/oncall.py",
                "当番表",
                "reservations-oncall",
                RESV_STAFF,
                ":material/event_available:",
            ),
            PageSpec(
                "app_pages/reservations/support.py",
                "問い合わせ対応",
                "reservations-support",
                RESV_STAFF,
                ":material/contact_support:",
            ),
            PageSpec(
                "app_pages/reservations/manual.py",
                "運用マニュアル",
                "reservations-manual",
                RESV_STAFF,
                ":material/menu_book:",
            ),
            PageSpec(
                "app_pages/reservations/executive.py",
                "経営ダッシュボード",
                "reservations-executive",
                RESV_REPORTS,
                ":material/monitoring:",
            ),
            PageSpec(
                "app_pages/reservations/catalog.py",
                "提携店舗・サービス管理",
                "reservations-catalog",
                RESV_STAFF,
                ":material/storefront:",
            ),
            PageSpec(
                "app_pages/reservations/incidents.py",
                "インシデント",
                "reservations-incidents",
                RESV_INCIDENTS,
                ":material/report:",
            ),
            PageSpec(
                "app_pages/reservations/clients.py",
                "MCPクライアント",
                "reservations-mcp-clients",
                RESV_OPERATOR,
                ":material/key:",
            ),
        ),
    ),
    Section(
        "loaners",
        "代替機",
        "代替機（預り機）の状況をステータス送信の履歴から管理し、"
        "ステータス別・拠点別・デバイスタイプ別の台数を集計します。",
        (
            PageSpec("app_pages/loaners/devices.py", "通常データ", "loaners", icon=":material/swap_horiz:"),
            PageSpec("app_pages/loaners/summary.py", "サマリー", "loaners-summary", icon=":material/dashboard:"),
            PageSpec("app_pages/loaners/audit.py", "監査データ", "loaners-audit", icon=":material/fact_check:"),
            PageSpec(
                "app_pages/loaners/returns.py", "返却待ち", "loaners-returns", icon=":material/assignment_return:"
            ),
            PageSpec("app_pages/loaners/device.py", "機器詳細", "loaners-device", icon=":material/devices:"),
            PageSpec(
                "app_pages/loaners/device_register.py", "機器登録", "loaners-register", icon=":material/add_circle:"
            ),
            PageSpec(
                "app_pages/loaners/status_form.py", "ステータス送信", "loaners_status_form", icon=":material/edit_note:"
            ),
            PageSpec(
                "app_pages/loaners/bulk.py", "一括ステータス変更", "loaners-bulk", icon=":material/library_add_check:"
            ),
            PageSpec(
                "app_pages/loaners/masters.py", "マスタ管理", "loaners-masters", ("admin",), ":material/settings:"
            ),
            PageSpec("app_pages/loaners/import.py", "回答シート取込", "loaners-import", icon=":material/upload_file:"),
            PageSpec(
                "app_pages/loaners/archives.py", "アーカイブ", "loaners-archives", ("admin",), ":material/inventory_2:"
            ),
        ),
    ),
    Section(
        "crm",
        "代理店CRM",
        "営業担当者が提出した投入依頼を、投入担当者がキャリア管理画面へ投入するまで"
        "（不備・差し戻し・投入済）の業務フローを管理します。",
        (
            PageSpec("app_pages/crm/dashboard.py", "ダッシュボード", "crm", CRM_ADMIN, ":material/dashboard:"),
            PageSpec(
                "app_pages/crm/my_requests.py", "マイ依頼一覧", "crm-my-requests", CRM_SALES_SIDE, ":material/inbox:"
            ),
            PageSpec(
                "app_pages/crm/new_request.py", "新規投入依頼", "crm-new-request", CRM_SALES_SIDE, ":material/note_add:"
            ),
            PageSpec(
                "app_pages/crm/add_site.py",
                "既存法人に地点追加",
                "crm-add-site",
                CRM_SALES_SIDE,
                ":material/add_location_alt:",
            ),
            PageSpec("app_pages/crm/fix.py", "不備確認・修正", "crm-fix", CRM_SALES_SIDE, ":material/edit_note:"),
            PageSpec("app_pages/crm/queue.py", "投入案件一覧", "crm-queue", CRM_BACK_OFFICE, ":material/list_alt:"),
            PageSpec("app_pages/crm/case.py", "案件詳細", "crm-case", CRM_BACK_OFFICE, ":material/assignment:"),
            PageSpec("app_pages/crm/acquired.py", "獲得案件一覧", "crm-acquired", CRM_ALL, ":material/verified:"),
            PageSpec(
                "app_pages/crm/metrics.py", "代理店別数値", "crm-metrics", CRM_BACK_OFFICE, ":material/bar_chart:"
            ),
            PageSpec("app_pages/crm/agencies.py", "代理店管理", "crm-agencies", CRM_ADMIN, ":material/store:"),
            PageSpec("app_pages/crm/users.py", "ユーザー管理", "crm-users", CRM_ADMIN, ":material/manage_accounts:"),
            PageSpec("app_pages/crm/masters.py", "マスタ管理", "crm-masters", CRM_ADMIN, ":material/tune:"),
            PageSpec("app_pages/crm/merge.py", "法人の統合", "crm-merge", CRM_ADMIN, ":material/merge:"),
            PageSpec("app_pages/crm/audit.py", "監査ログ", "crm-audit", CRM_ADMIN, ":material/history:"),
            PageSpec("app_pages/crm/help.py", "ヘルプ", "crm-help", CRM_ALL, ":material/help:"),
        ),
    ),
    Section(
        "entry_logs",
        "入退管理",
        "保育園に通う園児の保護者の送り迎え時の入退園を記録・管理し、"
        "園のセキュリティ向上と引き渡し記録の正確化に役立てます。",
        (
            PageSpec("app_pages/entry_logs/logs.py", "入退管理ログ", "entry-logs", icon=":material/door_front:"),
            PageSpec(
                "app_pages/entry_logs/attendance.py",
                "出欠表管理",
                "entry-logs-attendance",
                icon=":material/fact_check:",
            ),
            PageSpec(
                "app_pages/entry_logs/present.py", "園内にいる保護者", "entry-logs-present", icon=":material/groups:"
            ),
            PageSpec(
                "app_pages/entry_logs/pickup.py", "お迎え管理", "entry-logs-pickup", icon=":material/verified_user:"
            ),
            PageSpec(
                "app_pages/entry_logs/extended_care.py", "延長保育", "entry-logs-care", icon=":material/more_time:"
            ),
            PageSpec("app_pages/entry_logs/heatmap.py", "混雑時間帯", "entry-logs-heatmap", icon=":material/grid_on:"),
            PageSpec(
                "app_pages/entry_logs/roster.py",
                "保護者・園児管理",
                "entry-logs-roster",
                icon=":material/family_restroom:",
            ),
            PageSpec(
                "app_pages/entry_logs/cards.py", "バーコードカード", "entry-logs-cards", icon=":material/barcode:"
            ),
            PageSpec(
                "app_pages/entry_logs/settings.py", "園情報編集", "entry-logs-settings", icon=":material/settings:"
            ),
        ),
    ),
    Section(
        PLATFORM,
        "管理",
        "ユーザーと権限、監査ログ、送信履歴を管理します。",
        (
            PageSpec("app_pages/admin/users.py", "利用者管理（全体）", "admin-users", ("admin",), ":material/group:"),
            PageSpec("app_pages/admin/audit.py", "監査ログ（全体）", "admin-audit", ("admin",), ":material/history:"),
            PageSpec("app_pages/admin/outbox.py", "送信履歴", "admin-outbox", ("admin",), ":material/outgoing_mail:"),
        ),
    ),
)

DOMAIN_LABELS = {section.domain: section.label for section in SECTIONS}


def grants_by_domain(user: dict) -> dict[str, dict]:
    return {grant["domain"]: grant for grant in user.get("grants", [])}


def is_platform_admin(user: dict) -> bool:
    return PLATFORM in grants_by_domain(user)


def can_view(user: dict, domain: str, roles: tuple[str, ...] = ()) -> bool:
    """Platform admins see everything; others need a grant in the domain with one of the page's roles."""
    if is_platform_admin(user):
        return True
    grant = grants_by_domain(user).get(domain)
    return grant is not None and (not roles or grant["role"] in roles)


def visible_pages(user: dict) -> dict[str, list[PageSpec]]:
    """Section label -> the pages this user may open, in registry order; sections with none are left out."""
    visible = {}
    for section in SECTIONS:
        pages = [page for page in section.pages if can_view(user, section.domain, page.roles)]
        if pages:
            visible[section.label] = pages
    return visible


def all_pages() -> list[PageSpec]:
    return [page for section in SECTIONS for page in section.pages]


def known_addresses() -> dict[str, tuple[Section, PageSpec]]:
    """Every address the app answers at -> its section and page: each page's url_path, and the section's domain names
    (/entry_logs, /platform) for its home, the section's first page."""
    known = {page.url_path: (section, page) for section in SECTIONS for page in section.pages}
    for section in SECTIONS:
        for alias in (section.domain, section.domain.replace("_", "-")):
            known.setdefault(alias, (section, section.pages[0]))
    return known


def home_instead(user: dict, section: Section, page: PageSpec) -> PageSpec | None:
    """The page a section's home address opens for a user who may not open the home itself but other pages of the
    section (a fleet viewer's /fleet opens レポート); None for any other page."""
    if page != section.pages[0]:
        return None
    return next((p for p in section.pages if can_view(user, section.domain, p.roles)), None)


def refusal(section: Section, page: PageSpec) -> str:
    return (
        f"「{section.label} › {page.title}」を表示する権限がありません。"
        "必要な場合は管理者に権限の付与を依頼してください。"
    )


def find_page(page_file: str) -> tuple[Section, PageSpec]:
    """The section and page registered for a page file (its path ends with the page's app_pages/<domain>/<name>.py)."""
    path = Path(page_file).as_posix()
    for section in SECTIONS:
        for page in section.pages:
            if path.endswith(page.path):
                return section, page
    raise LookupError(f"page {path} is not registered in dashboards/sections.py")
