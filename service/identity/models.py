"""Users, their per-domain grants, login throttles and revoked tokens."""

from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, ForeignKey, String, TypeDecorator, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base, utcnow
from service.fields import ACTIVE, field_info
from service.schemas import EMAIL_SHAPE

SOURCES = {"directory": "会社のディレクトリ", "local": "ローカル"}  # where a person comes from, in words
LOGIN_ID_PATTERN = r"^[A-Za-z0-9._@-]{3,64}$"


class PasswordHash(TypeDecorator[str]):
    """None (no password of ours: a person from the company's directory) kept as an empty text, so the column stays
    NOT NULL as it was: SQLite could only make it nullable by rebuilding the table its grants refer to."""

    impl = String(100)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str:
        return value or ""

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return value or None


class User(Base):
    __tablename__ = "identity_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(
        String(64),
        unique=True,
        info=field_info(
            "ログインID",
            searched=True,
            exported=True,
            pattern=LOGIN_ID_PATTERN,
            pattern_words="英数字と「.」「_」「@」「-」の3〜64文字",
        ),
    )
    name: Mapped[str] = mapped_column(String(100), info=field_info("氏名", searched=True, exported=True, min_length=1))
    email: Mapped[str] = mapped_column(
        String(254),
        default="",
        info=field_info(
            "メールアドレス",
            searched=True,
            exported=True,
            **EMAIL_SHAPE,
        ),
    )
    # Audited as changed, never its value. Its lengths are the password's as typed (bcrypt reads no more than 72 bytes),
    # not the hash's.
    password_hash: Mapped[str | None] = mapped_column(
        PasswordHash(), nullable=False, info=field_info("パスワード", audited=False, min_length=8, max_length=72)
    )  # none for a person who comes from the company's directory: they sign in there
    # Where the person comes from: "local" (made here, signs in with a password) or "directory" (the company's identity
    # provider: made or linked by SCIM or OpenID Connect)
    source: Mapped[str] = mapped_column(
        String(20), default="local", server_default="local", info=field_info("登録元", exported=True, choices=SOURCES)
    )
    external_id: Mapped[str | None] = mapped_column(  # SCIM externalId, set by the provider
        String(200), unique=True, index=True, info=field_info("ディレクトリのID", exported=True)
    )
    oidc_subject: Mapped[str | None] = mapped_column(  # the provider's `sub` for this person
        String(255), unique=True, index=True, info=field_info("IDプロバイダーのID", exported=True)
    )
    is_active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE, exported=True))
    last_login_at: Mapped[datetime | None] = mapped_column(info=field_info("最終ログイン", exported=True))
    # An initial or reset password, set by someone else: until its owner sets their own, their sessions may do nothing
    # else (service/identity/dependencies.py)
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The second factor (service/identity/second_factor.py): a TOTP secret, enrolled once confirmed with a code
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the time-step of the last code taken: no code of it or before passes again
    password_changed_at: Mapped[datetime | None]  # login tokens issued before this are refused
    deactivated_at: Mapped[datetime | None]  # and before this, even once the account is active again
    # Removed by the company's directory (SCIM DELETE): inactive for good and no longer a SCIM resource; the row stays,
    # as the records the person made name them
    removed_at: Mapped[datetime | None] = mapped_column(info=field_info("ディレクトリから削除", exported=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    grants: Mapped[list["Grant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="Grant.domain"
    )


class Grant(Base):
    """A person's role in a domain: one per domain. Their own (group_id None), or held for them by a group they belong
    to (group_grants.py keeps those in step with the groups)."""

    __tablename__ = "identity_grant"
    __table_args__ = (UniqueConstraint("user_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(20), info=field_info("領域"))
    role: Mapped[str] = mapped_column(String(20), info=field_info("役割"))
    scope: Mapped[str | None] = mapped_column(String(100), info=field_info("範囲", min_length=1))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_group.id", ondelete="CASCADE"), index=True, info=field_info("付与したグループ")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")
    group: Mapped["Group | None"] = relationship(lazy="selectin")

    @property
    def group_name(self) -> str | None:
        return self.group.display_name if self.group else None


class Group(Base):
    """A group of people, made here or by the company's directory (SCIM); its grants are its members'."""

    __tablename__ = "identity_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), unique=True, info=field_info("グループ名", min_length=1))
    external_id: Mapped[str | None] = mapped_column(  # SCIM externalId, set by the provider
        String(200), unique=True, info=field_info("ディレクトリのID")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[User]] = relationship(secondary="identity_group_member", lazy="selectin", order_by=User.id)
    grants: Mapped[list["GroupGrant"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin", order_by="GroupGrant.domain"
    )


class GroupMember(Base):
    __tablename__ = "identity_group_member"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("identity_group.id", ondelete="CASCADE"), primary_key=True, info=field_info("グループ")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True, index=True, info=field_info("メンバー")
    )


class GroupGrant(Base):
    """The role a group gives its members in a domain (one per domain), checked as a person's grant is."""

    __tablename__ = "identity_group_grant"
    __table_args__ = (UniqueConstraint("group_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("identity_group.id", ondelete="CASCADE"), index=True, info=field_info("グループ")
    )
    domain: Mapped[str] = mapped_column(String(20), info=field_info("領域"))
    role: Mapped[str] = mapped_column(String(20), info=field_info("役割"))
    scope: Mapped[str | None] = mapped_column(String(100), info=field_info("範囲", min_length=1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[Group] = relationship(back_populates="grants")


class ScimToken(Base):
    """A bearer token the company's directory provisions with (SCIM): only the SHA-256 of its secret is kept."""

    __tablename__ = "identity_scim_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, info=field_info("トークン名", min_length=1))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, info=field_info("トークンの値", audited=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="", info=field_info("作成者"))  # in words
    last_used_at: Mapped[datetime | None] = mapped_column(info=field_info("最終使用"))
    revoked_at: Mapped[datetime | None] = mapped_column(info=field_info("取り消し日時"))


class LoginThrottle(Base):
    """A key's row counts its failures in a row and its lock; an address's row holds the failures still counting as of
    updated_at (lockout.leaked) and no lock."""

    __tablename__ = "identity_login_throttle"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(200))
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RevokedToken(Base):
    __tablename__ = "identity_revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OidcSignIn(Base):
    """A sign-in with the company's account under way (service/identity/company_sign_in.py): made when the browser
    leaves for the provider, its state used once at the callback, then its hand-off code once by the dashboards."""

    __tablename__ = "identity_oidc_sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the state sent to the provider
    browser_hash: Mapped[str] = mapped_column(String(64))  # of the cookie that ties the flow to the browser it began in
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))  # PKCE's secret half; its S256 hash went to the provider
    user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"))
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # of the code the dashboards exchange
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor (its SHA-256); made ten at a time when TOTP is enrolled."""

    __tablename__ = "identity_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
