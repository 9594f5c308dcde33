"""Operator commands: users, grants, the audit chain, backups, card data, demo data and the first platform admin.

    python -m service.cli users create LOGIN --name NAME [--email E] [--inactive] [--password-stdin]
    python -m service.cli users list [--query Q]
    python -m service.cli users set-password LOGIN [--password-stdin]
    python -m service.cli users activate|deactivate LOGIN
    python -m service.cli users reset-second-factor LOGIN
    python -m service.cli grants set LOGIN DOMAIN ROLE [--scope TENANT]
    python -m service.cli grants remove LOGIN DOMAIN
    python -m service.cli audit verify [--against CHECKPOINT]
    python -m service.cli audit checkpoint > CHECKPOINT
    python -m service.cli audit rekey --old-key-env VAR
    python -m service.cli backup create [--to DIR] | list | verify FILE | restore FILE [--force]
    python -m service.cli crm reencrypt-cards [--old-key-env VAR] [--batch-size N]
    python -m service.cli demo load [--only platform,crm] [--terminals N] [--history DAYS] [--first-run]
                                    [--allow-production]
    python -m service.cli bootstrap-admin

Every change is audited with a "cli" actor named after the OS user. Exit codes: 0 done, 1 refused or broken, 2 usage.
"""

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.audit import checkpoint
from service.audit.service import (
    ChainBroken,
    ChainHead,
    operator_actor,
    rekey,
    verify_chain,
)
from service.backup import service as backups
from service.config import PLACEHOLDER_SECRETS, get_settings, parse_fernet_keys
from service.crm import crypto as card_crypto
from service.database import get_engine, session_scope, utcnow
from service.demo.framework import load_demo
from service.demo.platform import ADMIN_LOGIN
from service.errors import DomainError, NotFound
from service.identity import second_factor
from service.identity import service as identity
from service.identity.models import Grant, User
from service.identity.schemas import UserCreate, UserUpdate
from service.identity.scim import tokens as scim_tokens
from service.roles import PLATFORM

LIST_PAGE = 500


class CommandFailed(Exception):
    """A command that was refused; the message tells the operator what to do."""


def read_password(args: argparse.Namespace) -> str:
    """The new password: first line of stdin with --password-stdin, otherwise asked twice on the terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandFailed("no terminal to ask for the password: pipe it in with --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandFailed("the two passwords differ")
    return first


def user_by_login(db: Session, login_id: str) -> User:
    user = identity.find_user_by_login(db, login_id)
    if user is None:
        raise NotFound(f"user {login_id!r} not found")
    return user


def describe(user: User) -> str:
    grants = ", ".join(f"{g.domain}:{g.role}" + (f"@{g.scope}" if g.scope else "") for g in user.grants) or "-"
    state = "active" if user.is_active else "inactive"
    return f"{user.login_id:<24} {state:<8} {user.name}  [{grants}]"


def users_create(db: Session, args: argparse.Namespace) -> str:
    data = UserCreate(
        login_id=args.login_id,
        name=args.name,
        email=args.email,
        password=read_password(args),
        is_active=not args.inactive,
    )
    return "created " + describe(identity.create_user(db, data=data, actor=operator_actor()))


def all_users(db: Session, query: str | None) -> Iterator[User]:
    offset = 0
    while rows := identity.list_users(db, q=query, offset=offset, limit=LIST_PAGE)[0]:
        yield from rows
        offset += len(rows)


def users_list(db: Session, args: argparse.Namespace) -> str:
    return "\n".join(describe(user) for user in all_users(db, args.query)) or "no users"


def update(db: Session, login_id: str, data: UserUpdate, done: str) -> str:
    user = identity.update_user(db, user=user_by_login(db, login_id), data=data, actor=operator_actor())
    return f"{done} {describe(user)}"


def users_set_password(db: Session, args: argparse.Namespace) -> str:
    return update(db, args.login_id, UserUpdate(password=read_password(args)), "new password for")


def users_activate(db: Session, args: argparse.Namespace) -> str:
    return update(db, args.login_id, UserUpdate(is_active=True), "activated")


def users_deactivate(db: Session, args: argparse.Namespace) -> str:
    return update(db, args.login_id, UserUpdate(is_active=False), "deactivated")


def users_reset_second_factor(db: Session, args: argparse.Namespace) -> str:
    user = user_by_login(db, args.login_id)
    second_factor.reset(db, user=user, actor=operator_actor(), now=utcnow())
    return f"second factor reset for {describe(user)}"


def grants_set(db: Session, args: argparse.Namespace) -> str:
    user = user_by_login(db, args.login_id)
    identity.set_grant(db, user=user, domain=args.domain, role=args.role, scope=args.scope, actor=operator_actor())
    return "granted " + describe(user)


def grants_remove(db: Session, args: argparse.Namespace) -> str:
    user = user_by_login(db, args.login_id)
    identity.remove_grant(db, user=user, domain=args.domain, actor=operator_actor())
    return "revoked " + describe(user)


def verified(db: Session, published: ChainHead | None = None) -> str:
    """Verify the chain against its head (and a published one); refused with where it broke."""
    report = verify_chain(db, published=published)
    if not report.ok:
        raise CommandFailed(
            f"audit chain BROKEN at entry {report.first_bad_seq}: {report.problem} "
            f"({report.checked} entries verified before it)"
        )
    reaching = "" if published is None else f", reaching the checkpoint's entry {published.seq}"
    return f"audit chain intact: {report.checked} entries verified{reaching}"


def audit_verify(db: Session, args: argparse.Namespace) -> str:
    return verified(db, None if args.against is None else read_checkpoint(args.against))


def read_checkpoint(path: Path) -> ChainHead:
    try:
        return checkpoint.read(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from exc
    except checkpoint.InvalidCheckpoint as exc:
        raise CommandFailed(f"{path}: {exc.message}") from exc


def audit_checkpoint(db: Session, args: argparse.Namespace) -> str:
    """The chain's head, signed: keep it outside the database and check the chain against it later."""
    return checkpoint.take(db)


def audit_rekey(db: Session, args: argparse.Namespace) -> str:
    """Verify the chain under the old key (read from the variable named), then rehash it under APP_AUDIT_KEY."""
    old_key, new_key = os.environ.get(args.old_key_env, ""), get_settings().audit_key
    if not old_key:
        raise CommandFailed(f"set {args.old_key_env} to the audit key the chain was written with")
    if old_key == new_key:
        raise CommandFailed(f"{args.old_key_env} holds the current APP_AUDIT_KEY: set APP_AUDIT_KEY to the new key")
    try:
        head = rekey(db, old_key=old_key, new_key=new_key, actor=operator_actor())
    except ChainBroken as exc:
        raise CommandFailed(f"{exc} (is {args.old_key_env} the key it was written with?)") from exc
    return (
        f"audit chain rehashed under the new key: {head.seq - 1} entries; new head seq={head.seq} hash={head.hash} "
        "(heads published before no longer match: keep this one)"
    )


def backup_create(db: Session, args: argparse.Namespace) -> str:
    path = backups.create_backup(get_engine(), folder=args.to, now=utcnow())
    return f"backup written: {path} ({path.stat().st_size / 1e6:.1f} MB)"


def backup_list(db: Session, args: argparse.Namespace) -> str:
    found = backups.list_backups()
    lines = [f"{b.path}  {b.created_at.isoformat()}  {b.size / 1e6:.1f} MB" for b in found]
    return "\n".join(lines) or f"no backups in {get_settings().backup_root}"


def backup_verify(db: Session, args: argparse.Namespace) -> str:
    return f"backup {args.file} is intact: {backups.verify_backup(args.file).summary}"


def backup_restore(db: Session, args: argparse.Namespace) -> str:
    """Replace the database and files with the backup's, audit that, then verify the restored audit chain."""
    restored = backups.restore_audited(args.file, get_engine(), db, actor=operator_actor(), force=args.force)
    rows = sum(restored.rows.values())
    summary = f"restored {args.file} ({len(restored.rows)} tables, {rows} rows match the manifest)"
    return f"{summary}\n{verified(db, restored.checkpoint)}"


def crm_reencrypt_cards(db: Session, args: argparse.Namespace) -> str:
    """Re-encrypt the stored card data under APP_CRM_CARD_KEY's first key (the old keys decrypt), in one transaction."""
    old_keys = old_card_keys(args.old_key_env)
    try:
        done = card_crypto.reencrypt_cards(db, old_keys=old_keys, actor=operator_actor(), batch_size=args.batch_size)
    except card_crypto.CardKeyMissing as exc:
        raise CommandFailed(f"{exc}; nothing was changed") from exc
    return (
        f"card data re-encrypted under the first APP_CRM_CARD_KEY: {done.fields} fields of {done.corporations} "
        f"corporations; {done.current} already under it. Once every process runs with the new key alone, "
        "drop the old one (backups made before keep needing it)"
    )


def old_card_keys(variable: str | None) -> list[bytes]:
    """The old Fernet keys in the named environment variable (comma-separated), if one was named."""
    if variable is None:
        return []
    try:
        keys = parse_fernet_keys(os.environ.get(variable, ""))
    except ValueError as exc:
        raise CommandFailed(f"{variable} must hold Fernet keys, comma-separated") from exc
    if not keys:
        raise CommandFailed(f"set {variable} to the card key the data was encrypted with")
    return keys


def demo_load(db: Session, args: argparse.Namespace) -> str:
    if get_settings().env == "production" and not args.allow_production:
        raise CommandFailed(
            "refusing to load demo accounts with known passwords in production (add --allow-production)"
        )
    if args.first_run and identity.find_user_by_login(db, ADMIN_LOGIN) is not None:
        return f"demo data not loaded: user {ADMIN_LOGIN!r} already exists (run `demo load` to top it up)"
    from service.demo.history import load_history
    from service.demo.progress import RichSink

    with RichSink() as sink:
        names = _load_demo(db, args, sink)
        if not args.history:
            return "demo data loaded: " + ", ".join(names)
        db.commit()  # the history's people work through the API, on the committed demo
        added = load_history(args.history, sink=sink)
    history = f"{args.history} days of history added" if added else "its history was there already"
    return "demo data loaded: " + ", ".join(names) + f"; {history}"


def _load_demo(db: Session, args: argparse.Namespace, sink) -> list[str]:
    if args.terminals is None:
        return load_demo(db, actor=operator_actor(), sink=sink, only=args.only)
    from service.demo.fleet import load_demo_sized
    from service.demo.fleet.plan import Size

    size = Size.of_terminals(args.terminals)
    return load_demo_sized(db, actor=operator_actor(), size=size, sink=sink, only=args.only, top_up_to=args.terminals)


def hook_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def bootstrap_admin(db: Session, args: argparse.Namespace) -> str:
    """Create the platform admin `admin` from APP_ADMIN_PASSWORD when there is no platform admin yet."""
    if db.scalar(select(Grant.id).where(Grant.domain == PLATFORM, Grant.role == "admin").limit(1)) is not None:
        return "a platform admin exists: nothing to do"
    password = get_settings().admin_password
    if password in PLACEHOLDER_SECRETS:
        raise CommandFailed("no platform admin exists yet: set APP_ADMIN_PASSWORD to a real password (8+ characters)")
    if identity.find_user_by_login(db, ADMIN_LOGIN) is not None:
        raise CommandFailed(
            f"user {ADMIN_LOGIN!r} exists without the platform admin role: "
            f"grant it with `grants set {ADMIN_LOGIN} platform admin`"
        )
    data = UserCreate(login_id=ADMIN_LOGIN, name="プラットフォーム管理者", password=password)
    user = identity.create_user(db, data=data, actor=operator_actor())
    identity.set_grant(db, user=user, domain=PLATFORM, role="admin", scope=None, actor=operator_actor())
    return "created platform admin " + describe(user)


def scim_token(db: Session, args: argparse.Namespace) -> str:
    made = scim_tokens.make_token(db, name=args.name, actor=operator_actor())
    return f"SCIM token {args.name!r} (shown this once; only its SHA-256 is kept):\n{made.secret}"


Handler = Callable[[Session, argparse.Namespace], str]


def _command(group: argparse._SubParsersAction, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser = group.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")


def _users_commands(top: argparse._SubParsersAction) -> None:
    users = top.add_parser("users", help="create, list and change users").add_subparsers(dest="action", required=True)
    create = _command(users, "create", users_create, "create a user")
    create.add_argument("login_id")
    create.add_argument("--name", required=True)
    create.add_argument("--email")
    create.add_argument("--inactive", action="store_true", help="create the account disabled")
    _password_option(create)
    _command(users, "list", users_list, "list users and their grants").add_argument(
        "--query", help="part of a login id, name or email"
    )
    set_password = _command(users, "set-password", users_set_password, "give a user a new password")
    set_password.add_argument("login_id")
    _password_option(set_password)
    _command(users, "activate", users_activate, "let a user log in again").add_argument("login_id")
    _command(users, "deactivate", users_deactivate, "stop a user from logging in").add_argument("login_id")
    _command(
        users,
        "reset-second-factor",
        users_reset_second_factor,
        "remove a user's authenticator and recovery codes (a lost phone); the only way for the break-glass admin's own",
    ).add_argument("login_id")


def _grants_commands(top: argparse._SubParsersAction) -> None:
    grants = top.add_parser("grants", help="give or take a role in a domain").add_subparsers(
        dest="action", required=True
    )
    grant = _command(grants, "set", grants_set, "give a user one role in a domain (replacing the role they had there)")
    grant.add_argument("login_id")
    grant.add_argument("domain")
    grant.add_argument("role")
    grant.add_argument(
        "--scope", help="the tenant the role is limited to (agency, nursery, customer or jurisdiction id)"
    )
    remove = _command(grants, "remove", grants_remove, "take a user's role in a domain away")
    remove.add_argument("login_id")
    remove.add_argument("domain")


def _backup_commands(top: argparse._SubParsersAction) -> None:
    group = top.add_parser("backup", help="back up and restore the database and the uploaded files")
    backup = group.add_subparsers(dest="action", required=True)
    _command(backup, "create", backup_create, "write a backup (database and files, with SHA-256 sums)").add_argument(
        "--to", type=Path, help="folder to write it to (default APP_BACKUP_DIR)"
    )
    _command(backup, "list", backup_list, "list the backups in APP_BACKUP_DIR, newest first")
    _command(backup, "verify", backup_verify, "check a backup's SHA-256 sums and database dump").add_argument(
        "file", type=Path
    )
    restore = _command(backup, "restore", backup_restore, "replace the database and files with a backup's")
    restore.add_argument("file", type=Path)
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def _crm_commands(top: argparse._SubParsersAction) -> None:
    crm = top.add_parser("crm", help="CRM card data").add_subparsers(dest="action", required=True)
    reencrypt = _command(
        crm, "reencrypt-cards", crm_reencrypt_cards, "re-encrypt stored card data under APP_CRM_CARD_KEY's first key"
    )
    reencrypt.add_argument(
        "--old-key-env", metavar="VAR", help="environment variable holding old keys not kept in APP_CRM_CARD_KEY"
    )
    reencrypt.add_argument(
        "--batch-size", type=positive_int, default=500, help="rows locked and re-encrypted at a time"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service.cli", description="Daichō operator commands")
    top = parser.add_subparsers(dest="command", required=True)
    _users_commands(top)
    _grants_commands(top)
    audit = top.add_parser("audit", help="the audit log").add_subparsers(dest="action", required=True)
    _command(audit, "verify", audit_verify, "recompute the audit hash chain; exit 1 when it is broken").add_argument(
        "--against", type=Path, metavar="CHECKPOINT", help="a file `audit checkpoint` wrote: the chain must reach it"
    )
    _command(audit, "checkpoint", audit_checkpoint, "print the chain's head, signed, to keep outside the database")
    _command(
        audit, "rekey", audit_rekey, "verify the chain under an old key, then rehash it under APP_AUDIT_KEY"
    ).add_argument("--old-key-env", required=True, metavar="VAR", help="environment variable holding the old key")
    _backup_commands(top)
    scim = top.add_parser("scim", help="provisioning by the company's directory").add_subparsers(
        dest="action", required=True
    )
    _command(scim, "token", scim_token, "make a SCIM bearer token for the identity provider").add_argument(
        "--name", required=True, help="who it is for, shown in the audit log as SCIM（NAME）: entra-prod"
    )
    _crm_commands(top)
    demo = top.add_parser("demo", help="demo data").add_subparsers(dest="action", required=True)
    load = _command(demo, "load", demo_load, "load the demo accounts and records (idempotent)")
    load.add_argument("--only", type=hook_names, help="comma-separated demo hooks to run (default: all)")
    load.add_argument(
        "--terminals",
        type=positive_int,
        metavar="N",
        help="the fleet's demo with about N terminals (default: its own ~2,850; a sizing test might take 20000)",
    )
    load.add_argument(
        "--history",
        type=int,
        default=0,
        metavar="DAYS",
        help="then add DAYS of people's work (service/demo/history/)",
    )
    load.add_argument("--first-run", action="store_true", help=f"do nothing when user {ADMIN_LOGIN!r} already exists")
    load.add_argument("--allow-production", action="store_true", help="load even when APP_ENV=production")
    _command(
        top,
        "bootstrap-admin",
        bootstrap_admin,
        f"create platform admin {ADMIN_LOGIN!r} from APP_ADMIN_PASSWORD if none exists",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with session_scope() as db:
            print(args.handler(db, args))
    except CommandFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.message}" + (f" {exc.details}" if exc.details else ""), file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(
            f"error: the database cannot be used ({exc.orig}); is it reachable and migrated (`make migrate`)?",
            file=sys.stderr,
        )
        return 1
    except ValidationError as exc:
        for problem in exc.errors():
            print(f"error: {'.'.join(map(str, problem['loc']))}: {problem['msg']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
