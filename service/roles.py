"""The role catalogue: each domain in words, the roles it has, and what tenant a grant's scope names."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainRoles:
    domain: str
    label: str
    roles: dict[str, str]
    scope_kind: str | None = None
    scope_label: str = ""  # the scope's kind in words (顧客): what a grant's scope picks and its refusals name
    scoped_roles: frozenset[str] = frozenset()
    scope_required_roles: frozenset[str] = frozenset()


PLATFORM = "platform"

DOMAINS: dict[str, DomainRoles] = {
    d.domain: d
    for d in (
        DomainRoles(
            "fleet",
            "端末管理",
            {
                "admin": "システム管理者",
                "operator": "運用オペレーター",
                "support": "サポート担当",
                "viewer": "閲覧のみ",
            },
            scope_kind="customer",
            scope_label="顧客",
            scoped_roles=frozenset({"admin", "operator", "support", "viewer"}),
        ),
        DomainRoles(
            "reservations",
            "予約",
            {"operator": "運営担当者", "support": "サポート担当", "executive": "経営陣"},
        ),
        DomainRoles(
            "loaners",
            "代替機",
            {"staff": "拠点担当者", "admin": "管理者"},
            scope_kind="jurisdiction",
            scope_label="管轄",
            scoped_roles=frozenset({"staff"}),
        ),
        DomainRoles(
            "crm",
            "代理店CRM",
            {"sales": "営業担当者", "operator": "投入担当者", "admin": "管理者"},
            scope_kind="agency",
            scope_label="代理店",
            scoped_roles=frozenset({"sales"}),
            scope_required_roles=frozenset({"sales"}),
        ),
        DomainRoles(
            "entry_logs",
            "入退管理",
            {"staff": "園スタッフ", "admin": "管理者"},
            scope_kind="nursery",
            scope_label="園",
            scoped_roles=frozenset({"staff", "admin"}),  # a 園長 administers their own nursery
            scope_required_roles=frozenset({"staff"}),
        ),
        DomainRoles(PLATFORM, "管理", {"admin": "プラットフォーム管理者"}),
    )
}


def domain_label(domain: str) -> str:
    found = DOMAINS.get(domain)
    return found.label if found else domain


def role_label(domain: str, role: str) -> str:
    return DOMAINS[domain].roles.get(role, role)
