"""Demo accounts: the platform admin and one account per role of every domain."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.demo.framework import (
    PLATFORM_HOOK_ORDER,
    DemoLogin,
    DemoProgress,
    demo_hook,
    ensure_demo_user,
    grant_demo_user,
)
from service.roles import DOMAINS, PLATFORM

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "daicho-admin"
DEMO_PASSWORD = "daicho-demo"
LOGIN_PREFIX = {"fleet": "fleet", "reservations": "resv", "loaners": "loaners", "crm": "crm", "entry_logs": "nursery"}
# Each demo account is a person with a name, as the records show people (service/identity/people.py).
PEOPLE = {
    ADMIN_LOGIN: "佐藤 一郎",
    "fleet-admin": "鈴木 健太",
    "fleet-operator": "高橋 美咲",
    "fleet-support": "田中 翔太",
    "fleet-viewer": "伊藤 さくら",
    "resv-operator": "渡辺 大輔",
    "resv-support": "山本 由美",
    "resv-executive": "中村 誠",
    "loaners-staff": "小林 亜希子",
    "loaners-admin": "加藤 浩二",
    "crm-sales": "吉田 拓也",
    "crm-operator": "山田 花子",
    "crm-admin": "佐々木 隆",
    "nursery-staff": "山口 真由美",
    "nursery-admin": "松本 直樹",
}
# Roles that may go unscoped but whose demo account shows one tenant's view (its domain's hook gives the grant).
SCOPED_DEMO_ROLES = frozenset({("loaners", "staff")})


@dataclass(frozen=True)
class DemoAccount:
    login_id: str
    name: str
    password: str
    domain: str
    role: str

    @property
    def needs_tenant(self) -> bool:
        """Accounts scoped to a tenant get their grant from their domain's hook, once the tenants exist."""
        return self.role in DOMAINS[self.domain].scope_required_roles or (self.domain, self.role) in SCOPED_DEMO_ROLES

    @property
    def login(self) -> DemoLogin:
        return DemoLogin(self.login_id, self.domain, self.password)


def demo_accounts() -> list[DemoAccount]:
    admin = DemoAccount(ADMIN_LOGIN, PEOPLE[ADMIN_LOGIN], ADMIN_PASSWORD, PLATFORM, "admin")
    return [admin] + [
        DemoAccount(f"{prefix}-{role}", PEOPLE[f"{prefix}-{role}"], DEMO_PASSWORD, domain, role)
        for domain, prefix in LOGIN_PREFIX.items()
        for role in DOMAINS[domain].roles
    ]


@demo_hook("platform", order=PLATFORM_HOOK_ORDER, logins=(account.login for account in demo_accounts()))
def load_accounts(db: Session, progress: DemoProgress) -> None:
    accounts = demo_accounts()
    progress.start("アカウント", total=len(accounts))
    for account in accounts:
        ensure_demo_user(db, account.login_id, name=account.name, password=account.password, actor=progress.actor)
        if not account.needs_tenant:
            grant_demo_user(db, account.login_id, account.domain, account.role, actor=progress.actor)
        progress.advance()
