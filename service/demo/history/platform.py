"""The platform's chapters: the people's accounts first, the yearly drills and the clerk's leaving last."""

import base64
import hashlib
import tempfile
from pathlib import Path

import pyotp
from pydantic import SecretStr
from sqlalchemy import select

from service.audit import service as audit
from service.backup import service as backups
from service.config import get_settings, parse_fernet_keys
from service.crm import crypto as card_crypto
from service.database import get_engine, session_scope, utcnow
from service.demo.history.office import CLERK, CLERK_PASSWORD, MISTYPED_EMAIL, SEED, Office
from service.demo.platform import ADMIN_LOGIN, ADMIN_PASSWORD
from service.identity import company_sign_in, oidc
from service.outbox import delivery
from service.outbox.models import OutboxMessage


def platform_history(office: Office) -> None:
    """A clerk account made, granted, regranted and its grant removed; sign-ins, failed ones and a sign-out."""
    clerk = office.post(
        "admin",
        "/api/admin/users",
        {"login_id": CLERK, "name": "履歴 事務員", "email": "history-clerk@example.jp", "password": CLERK_PASSWORD},
    )
    grants = f"/api/admin/users/{clerk['id']}/grants"
    office.call("admin", "PUT", f"{grants}/fleet", json={"role": "operator"})
    office.call("admin", "PUT", f"{grants}/fleet", json={"role": "viewer"})
    office.call("admin", "PUT", f"{grants}/loaners", json={"role": "admin"})
    office.call("admin", "DELETE", f"{grants}/loaners")
    _group_and_directory(office, clerk["id"])
    for wrong in ("wrong-password-1", "wrong-password-2"):
        office.post(None, "/api/auth/login", {"login_id": CLERK, "password": wrong}, expect=(401,))
    session = office.post(None, "/api/auth/login", {"login_id": CLERK, "password": CLERK_PASSWORD})
    office.client.post("/api/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"})
    _own_password_and_second_factor(office, office.headers(CLERK))
    office.call("admin", "DELETE", f"/api/admin/users/{clerk['id']}/second-factor")  # their phone lost
    _company_account_tried(clerk["id"], office)


def _own_password_and_second_factor(office: Office, headers: dict[str, str]) -> None:
    """The clerk sets their own password in place of the one the administrator gave, then enrols their phone's
    authenticator app."""
    body = {"current_password": CLERK_PASSWORD, "new_password": f"{CLERK_PASSWORD}-own"}
    changed = office.client.post("/api/auth/password", json=body, headers=headers)
    renewed = changed.headers["X-Renewed-Token"]
    enrolment = office.call(None, "POST", "/api/auth/second-factor", bearer=renewed)
    code = {"code": pyotp.TOTP(enrolment["secret"]).now()}
    office.call(None, "POST", "/api/auth/second-factor/confirm", bearer=renewed, json=code)


def _company_account_tried(clerk_id: int, office: Office) -> None:
    """A week with the company's provider configured: the clerk's first sign-in with their company account (found by
    the verified e-mail the provider vouched for, as the callback finds them: their subject linked), and the
    administrator's password sign-in meanwhile (break-glass). No provider is reached: neither step asks one."""
    settings = get_settings()
    kept = settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret
    settings.oidc_issuer, settings.oidc_client_id = "https://idp.history.example.jp", "daicho-history"
    settings.oidc_client_secret = SecretStr(f"history-{SEED}-not-secret")
    try:
        with session_scope() as db:
            vouched = oidc.Identity(f"history-{SEED}-clerk", "history-clerk@example.jp", True, "履歴 事務員")
            origin = audit.Actor(type="anonymous", client_address="192.0.2.10", request_id=f"history-{clerk_id}")
            company_sign_in.find_person(db, vouched, actor=origin, now=utcnow())
        office.post(None, "/api/auth/login", {"login_id": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
    finally:
        settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret = kept


def _group_and_directory(office: Office, clerk_id: int) -> None:
    """The clerk's team made a group given a role, then not; a SCIM token made for the company's directory, then
    revoked."""
    group = office.post("admin", "/api/admin/groups", {"display_name": "履歴 事務チーム", "member_ids": [clerk_id]})
    office.call("admin", "PUT", f"/api/admin/groups/{group['id']}/grants/loaners", json={"role": "admin"})
    office.call("admin", "DELETE", f"/api/admin/groups/{group['id']}/grants/loaners")
    token = office.post("admin", "/api/admin/scim-tokens", {"name": "履歴 ディレクトリ"})
    office.post("admin", f"/api/admin/scim-tokens/{token['id']}/revoke")


def closing_history(office: Office) -> None:
    """The failed message sent again, the keys rotated and a backup restored (the yearly drills); the clerk account is
    deactivated, marking the history as loaded."""
    _failed_message_retried(office)
    _keys_rotated()
    _backup_restored()
    clerk = office.get("admin", "/api/admin/users", q=CLERK)["items"][0]
    office.call("admin", "PATCH", f"/api/admin/users/{clerk['id']}", json={"is_active": False})


def _failed_message_retried(office: Office) -> None:
    with session_scope() as db:
        message_ids = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.recipient == MISTYPED_EMAIL)))
    for message_id in message_ids:
        delivery.deliver(session_scope, message_id, now=utcnow())
    for message in office.get("admin", "/api/admin/outbox", status="failed", page_size=1)["items"]:
        office.post("admin", f"/api/admin/outbox/{message['id']}/retry")


def _keys_rotated() -> None:
    """Rotated and then back under the configured keys, which every process keeps using."""
    settings = get_settings()
    audit_key, card_key = settings.audit_key, settings.crm_card_key
    drill_audit = f"history-drill-audit-key-{SEED}-not-secret"
    drill_card = base64.urlsafe_b64encode(hashlib.sha256(drill_audit.encode()).digest()).decode()
    current_cards = ",".join(key.decode() for key in card_crypto.configured_keys())
    try:
        for (old_audit, new_audit), (old_cards, new_cards) in (
            ((audit_key, drill_audit), (current_cards, drill_card)),
            ((drill_audit, audit_key), (drill_card, card_key)),
        ):
            settings.audit_key, settings.crm_card_key = new_audit, new_cards
            card_crypto._cipher.cache_clear()
            with session_scope() as db:
                audit.rekey(db, old_key=old_audit, new_key=new_audit, actor=audit.operator_actor())
            with session_scope() as db:
                old_keys = parse_fernet_keys(old_cards)
                card_crypto.reencrypt_cards(db, old_keys=old_keys, actor=audit.operator_actor(), batch_size=500)
    finally:
        settings.audit_key, settings.crm_card_key = audit_key, card_key
        card_crypto._cipher.cache_clear()


def _backup_restored() -> None:
    with tempfile.TemporaryDirectory(prefix="daicho-history-") as folder:
        path = backups.create_backup(get_engine(), folder=Path(folder), now=utcnow())
        with session_scope() as db:
            backups.restore_audited(path, get_engine(), db, actor=audit.operator_actor(), force=True)
