"""Users, their per-domain grants, login throttles and revoked tokens."""

from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, ForeignKey, String, TypeDecorator, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import Base, utcnow
from service.fields import ACTIVE, field_info
from service.schemas import EMAIL_SHAPE

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
    source: Mapped[str] = mapped_column(String(20), default="local", server_default="local")
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)  # SCIM's, from the provider
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)  # the provider's `sub`
    is_active: Mapped[bool] = mapped_column(default=True, info=field_info("有効", words=ACTIVE, exported=True))
    last_login_at: Mapped[datetime | None] = mapped_column(info=field_info("最終ログイン", exported=True))
    # An initial or reset password, set by someone else: until its owner sets their own, their sessions may do nothing
    # else (service/identity/dependencies.py)
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The second factor (service/identity/second_factor.py): a TOTP secret, enrolled once confirmed with a code
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]  # login tokens issued before this are refused
    deactivated_at: Mapped[datetime | None]  # and before this, even once the account is active again
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    grants: Mapped[list["Grant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="Grant.domain"
    )


class Grant(Base):
    __tablename__ = "identity_grant"
    __table_args__ = (UniqueConstraint("user_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(20), info=field_info("領域"))
    role: Mapped[str] = mapped_column(String(20), info=field_info("役割"))
    scope: Mapped[str | None] = mapped_column(String(100), info=field_info("範囲", min_length=1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")


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
