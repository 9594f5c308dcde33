"""The platform's audit wording: accounts and grants, sign-ins, the outbox, backups and the log's own key."""

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from service import documents
from service.roles import DOMAINS, PLATFORM, domain_label
from service.tenancy import scope_names
from service.words import Kind, Target, Vocabulary, Words, by_column, register

LOGIN_FAILURES = {
    "bad_credentials": "ログインIDまたはパスワードの誤り",
    "inactive": "無効なユーザー",
    "locked": "ロック中",
    "company_account": "会社のアカウントでログインする人",
    "password_sign_in_admins": "パスワードでのログインは管理者のみ",
    "unknown_person": "登録されていない人",
    "email_unverified": "確認されていないメールアドレス",
    "bad_second_factor": "確認コードの誤り",
}
# A sign-in's outcome beyond its reason (service/identity/lockout.py): the lock a failure set, a sign-in's device
LOGIN_VALUES = {
    "reason": LOGIN_FAILURES,
    "lock": {
        "account_locked": "ロック（記憶されていない端末から）",
        "device_locked": "この端末をロック",
        "address_throttled": "接続元を制限",
        "key_delayed": "待ち時間を設定（複数の接続元から）",
    },
    "device": {"trusted": "この端末を記憶", "known": "記憶済みの端末"},
    "method": {"oidc": "会社のアカウント"},
    "second_factor": {"totp": "認証アプリ"},
}


class OutboxStatus(Kind):
    """An outgoing message's (outbox_message.status)."""

    PENDING = "pending", "送信待ち"
    SENDING = "sending", "送信中"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗"
    WITHDRAWN = "withdrawn", "取り消し（送信せず）"  # taken back before sending


OUTBOX_STATUSES = OutboxStatus.words()


user_names = by_column("identity_user", "name")


def grant_names(db: Session, ids: Sequence[str]) -> Mapping[str, str]:
    """山田 太郎（端末管理）: a grant's id is `<user id>:<domain>`."""
    users = {target_id: target_id.partition(":")[0] for target_id in ids}
    names = user_names(db, sorted(set(users.values())))
    return {
        target_id: f"{names[user]}（{domain_label(target_id.partition(':')[2])}）"
        for target_id, user in users.items()
        if user in names
    }


group_names = by_column("identity_group", "display_name")


def group_grant_names(db: Session, ids: Sequence[str]) -> Mapping[str, str]:
    """営業部（端末管理）: a group grant's id is `<group id>:<domain>`."""
    names = group_names(db, sorted({target_id.partition(":")[0] for target_id in ids}))
    return {
        target_id: f"{names[group]}（{domain_label(domain)}）"
        for target_id in ids
        for group, _, domain in [target_id.partition(":")]
        if group in names
    }


def grant_scope_names(db: Session, pairs: Sequence[tuple[str, str]]) -> Mapping[tuple[str, str], str]:
    """さくら保育園: a grant's (or a group's grant's) scope by its domain's tenant; the grant's id ends `:<domain>`."""
    names = scope_names(db, ((target_id.partition(":")[2], scope) for target_id, scope in pairs))
    return {
        (target_id, scope): names[(domain, scope)]
        for target_id, scope in pairs
        for domain in [target_id.partition(":")[2]]
        if (domain, scope) in names
    }


def grant_roles(target_id: str) -> Mapping[str, Words]:
    found = DOMAINS.get(target_id.partition(":")[2])
    return {"role": found.roles} if found else {}


GRANT_VALUE_NAMES = {"scope": grant_scope_names}

PLATFORM_VOCABULARY = register(
    Vocabulary(
        PLATFORM,
        actions={
            "login": "ログイン",
            "login_failed": "ログイン失敗",
            "break_glass_login": "緊急用パスワードでのログイン",
            "oidc_link": "会社のアカウントとの紐付け",
            "second_factor_enable": "二段階認証の設定",
            "second_factor_reset": "二段階認証のリセット",
            "logout": "ログアウト",
            "outbox_retry": "再送",
            "rekey": "監査ログの鍵の更新",
            "revoke": "取り消し",
            "restore": "バックアップからの復元",
        },
        targets={
            "user": Target.named_by("ユーザー", "identity_user", "name"),
            "grant": Target("権限", grant_names, values_for=grant_roles, value_names=GRANT_VALUE_NAMES),
            "group": Target.named_by("グループ", "identity_group", "display_name"),
            "group_grant": Target(
                "グループの権限", group_grant_names, values_for=grant_roles, value_names=GRANT_VALUE_NAMES
            ),
            "scim_token": Target.named_by("SCIMトークン", "identity_scim_token", "name"),
            "outbox_message": Target("送信メッセージ", by_column("outbox_message", "subject")),
            "database": Target("データベース"),
            "audit_chain": Target("監査ログ"),
        },
        tables=(
            "identity_user",
            "identity_grant",
            "identity_group",
            "identity_group_member",
            "identity_group_grant",
            "identity_scim_token",
        ),
        fields={
            "password": "パスワード",
            "reason": "理由",
            "lock": "ロック",
            "device": "端末",
            "device_token": "記憶済みの端末",
            "method": "方法",
            "oidc_subject": "会社のアカウントのID",
            "second_factor": "二段階認証",
            "status": "状態",
            "attempts": "試行回数",
            "next_attempt_at": "次回送信予定",
            "last_error": "最後のエラー",
            "entries": "件数",
            "file": "ファイル",
            "created_at": "作成日時",
            "rows": "行数",
            "token": "トークン",
            "user_id": "ユーザー",
            "current_password": "現在のパスワード",
            "new_password": "新しいパスワード",
            "second_factor_code": "確認コード",
            "code": "コード",  # the second factor's code, the company sign-in's hand-off
            "columns": "列の対応",  # an import's columns mapped by the person (service/tabular.py)
            "group_id": "付与したグループ",
            "members": "メンバー",
            "member_ids": "メンバー",
            "revoked_at": "取り消し日時",
            "page": "ページ",  # every list's paging (query parameters)
            "page_size": "表示件数",
        },
        values={**LOGIN_VALUES, "status": OUTBOX_STATUSES},
        references={"group_id": group_names},
        statuses={"outbox_message": OUTBOX_STATUSES, "platform_document_job": documents.STATUS_LABELS},
    )
)
