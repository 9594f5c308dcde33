"""The operator CLI against the real test database: users, grants, the audit chain and the first admin."""

import base64
import getpass
import io
import json
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, select, update

from service.audit.models import AuditChainHead, AuditEntry
from service.cli import main
from service.config import REPO_ROOT, get_settings
from service.crm import crypto as card_crypto
from service.crm.models import Agency, Corporation
from service.database import session_scope
from service.identity.models import User
from tests.factories import PUBLIC_ADDRESSES

PASSWORD = "cli-pass-123"


@pytest.fixture
def password_on_stdin(monkeypatch):
    """Feed answers to --password-stdin, one line per command."""

    def feed(password: str = PASSWORD) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))

    return feed


@pytest.fixture
def settings_env(monkeypatch):
    """Set APP_* variables for in-process commands; the settings cache is rebuilt before and after."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def login(client, login_id: str, password: str = PASSWORD):
    return client.post("/api/auth/login", json={"login_id": login_id, "password": password})


def create_alice(feed) -> None:
    feed()
    assert (
        main(["users", "create", "alice", "--name", "アリス", "--email", "alice@example.jp", "--password-stdin"]) == 0
    )


def test_user_and_grant_made_by_the_cli_can_log_in_with_that_role(client, password_on_stdin, capsys):
    create_alice(password_on_stdin)
    assert main(["grants", "set", "alice", "fleet", "operator"]) == 0
    assert "fleet:operator" in capsys.readouterr().out
    response = login(client, "alice")
    assert response.status_code == 200
    grants = response.json()["user"]["grants"]
    assert [(g["domain"], g["role"]) for g in grants] == [("fleet", "operator")]


def test_cli_changes_are_audited_as_the_os_user(password_on_stdin):
    create_alice(password_on_stdin)
    with session_scope() as db:
        agency = Agency(code="AG07", name="みなと代理店")
        db.add(agency)
        db.flush()
        agency_id = agency.id
    assert main(["grants", "set", "alice", "crm", "sales", "--scope", str(agency_id)]) == 0
    assert main(["grants", "remove", "alice", "crm"]) == 0
    with session_scope() as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        actions = [(r.actor_type, r.action, r.target_type) for r in rows]
        labels = {r.actor_label for r in rows}
    assert actions == [("cli", "create", "user"), ("cli", "create", "grant"), ("cli", "delete", "grant")]
    assert labels == {getpass.getuser()}


@pytest.mark.dialect
def test_deactivate_activate_and_set_password(client, password_on_stdin):
    create_alice(password_on_stdin)
    assert main(["users", "deactivate", "alice"]) == 0
    assert login(client, "alice").status_code == 401
    assert main(["users", "activate", "alice"]) == 0
    password_on_stdin("brand-new-pass-1")
    assert main(["users", "set-password", "alice", "--password-stdin"]) == 0
    assert login(client, "alice").status_code == 401
    assert login(client, "alice", "brand-new-pass-1").status_code == 200


def test_users_list_shows_grants_and_state(password_on_stdin, capsys):
    create_alice(password_on_stdin)
    main(["grants", "set", "alice", "loaners", "staff", "--scope", "関西"])
    main(["users", "deactivate", "alice"])
    capsys.readouterr()
    assert main(["users", "list", "--query", "ali"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("alice") and "inactive" in out[0] and "loaners:staff@関西" in out[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grants", "set", "alice", "fleet", "pilot"], "このドメインにその役割はありません"),
        (["grants", "set", "alice", "crm", "sales"], "範囲（代理店）の指定が必要です"),
        (["grants", "set", "alice", "moon", "admin"], "ドメインが見つかりません"),
        (["grants", "remove", "alice", "fleet"], "この権限は付与されていません"),
        (["users", "activate", "nobody"], "user 'nobody' not found"),
    ],
)
def test_refused_commands_exit_1_with_the_rule_and_change_nothing(password_on_stdin, capsys, argv, message):
    create_alice(password_on_stdin)
    capsys.readouterr()
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    with session_scope() as db:
        assert db.scalar(select(User).where(User.login_id == "alice")).grants == []


def test_invalid_new_user_is_refused_field_by_field(password_on_stdin, capsys):
    password_on_stdin("short")
    assert main(["users", "create", "a b", "--name", "x", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "login_id" in err and "password" in err
    with session_scope() as db:
        assert db.scalars(select(User)).all() == []


def test_duplicate_login_id_is_a_conflict(password_on_stdin, capsys):
    create_alice(password_on_stdin)
    password_on_stdin()
    assert main(["users", "create", "ALICE", "--name", "別人", "--password-stdin"]) == 1
    assert "既に使われています" in capsys.readouterr().err


def test_audit_verify_passes_then_detects_a_tampered_row(password_on_stdin, capsys):
    create_alice(password_on_stdin)
    main(["grants", "set", "alice", "fleet", "viewer"])
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "2 entries verified" in capsys.readouterr().out
    with session_scope() as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(actor_label="someone-else"))
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at entry 1: entry altered" in capsys.readouterr().err


def test_audit_verify_fails_on_an_emptied_log(password_on_stdin, capsys):
    create_alice(password_on_stdin)
    with session_scope() as db:
        db.execute(delete(AuditEntry))
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at entry 1: entries removed from the end (0 entries verified" in capsys.readouterr().err


def cut_after(seq: int) -> None:
    """Delete the entries after `seq` and move the head back onto it: a log that agrees with its own head."""
    with session_scope() as db:
        db.execute(delete(AuditEntry).where(AuditEntry.seq > seq))
        last = db.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))
        db.execute(update(AuditChainHead).values(last_seq=seq, last_hash=last))


def take_checkpoint(capsys, path):
    capsys.readouterr()
    assert main(["audit", "checkpoint"]) == 0
    path.write_text(capsys.readouterr().out)
    return path


def test_a_checkpoint_catches_a_log_cut_off_at_the_end_with_its_head_moved_back(password_on_stdin, capsys, tmp_path):
    create_alice(password_on_stdin)
    main(["grants", "set", "alice", "fleet", "viewer"])
    checkpoint = take_checkpoint(capsys, tmp_path / "checkpoint.jwt")
    main(["grants", "set", "alice", "fleet", "admin"])
    capsys.readouterr()
    assert main(["audit", "verify", "--against", str(checkpoint)]) == 0
    assert "3 entries verified, reaching the checkpoint's entry 2" in capsys.readouterr().out

    cut_after(1)
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--against", str(checkpoint)]) == 1
    assert "BROKEN at entry 2: entries removed before the published head" in capsys.readouterr().err


@pytest.mark.parametrize("change", ["altered", "another key"])
def test_a_checkpoint_altered_or_signed_with_another_key_is_refused(
    password_on_stdin, settings_env, capsys, tmp_path, change
):
    create_alice(password_on_stdin)
    checkpoint = take_checkpoint(capsys, tmp_path / "checkpoint.jwt")
    if change == "altered":
        header, payload, signature = checkpoint.read_text().strip().split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        forged = base64.urlsafe_b64encode(json.dumps(claims | {"seq": 0}).encode()).decode().rstrip("=")
        checkpoint.write_text(f"{header}.{forged}.{signature}")
    else:
        settings_env(APP_AUDIT_KEY="another-audit-key-kept-outside-the-database")

    assert main(["audit", "verify", "--against", str(checkpoint)]) == 1
    assert f"error: {checkpoint}: not an audit checkpoint signed with this APP_AUDIT_KEY" in capsys.readouterr().err


def test_bootstrap_admin_needs_a_real_password(settings_env, capsys):
    settings_env(APP_ADMIN_PASSWORD="change-me")
    assert main(["bootstrap-admin"]) == 1
    assert "APP_ADMIN_PASSWORD" in capsys.readouterr().err
    with session_scope() as db:
        assert db.scalars(select(User)).all() == []


def test_bootstrap_admin_creates_the_admin_once(client, settings_env, capsys):
    settings_env(APP_ADMIN_PASSWORD="first-admin-pass")
    assert main(["bootstrap-admin"]) == 0
    settings_env(APP_ADMIN_PASSWORD="another-pass-123")
    assert main(["bootstrap-admin"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    response = login(client, "admin", "first-admin-pass")
    assert response.status_code == 200
    assert [(g["domain"], g["role"]) for g in response.json()["user"]["grants"]] == [("platform", "admin")]


def test_bootstrap_admin_will_not_promote_an_existing_plain_admin_account(settings_env, password_on_stdin, capsys):
    password_on_stdin()
    main(["users", "create", "admin", "--name", "ただの人", "--password-stdin"])
    settings_env(APP_ADMIN_PASSWORD="first-admin-pass")
    assert main(["bootstrap-admin"]) == 1
    assert "grants set admin platform admin" in capsys.readouterr().err


def test_demo_load_is_refused_in_production_unless_asked(settings_env, capsys):
    from cryptography.fernet import Fernet

    settings_env(
        APP_ENV="production",
        APP_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
        APP_CRM_CARD_KEY=Fernet.generate_key().decode(),
        APP_AUDIT_KEY="audit-key-kept-outside-the-database-1234",
        APP_PUBLIC_BASE_URL=PUBLIC_ADDRESSES["public_base_url"],
        APP_DASHBOARD_URL=PUBLIC_ADDRESSES["dashboard_url"],
    )
    assert main(["demo", "load"]) == 1
    assert "--allow-production" in capsys.readouterr().err


def test_the_module_runs_as_a_program_with_the_password_piped_in(client):
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "users", "create", "bob", "--name", "ボブ", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=os.environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert login(client, "bob").status_code == 200


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["users", "fly"])
    assert exited.value.code == 2


CARDS = {"4111111111111111": "123", "5500000000000004": None, "340000000000009": "9876"}


@pytest.fixture
def card_key(settings_env):
    """card_key(keys, **more) sets APP_CRM_CARD_KEY (and other variables) and rebuilds the card cipher."""

    def apply(keys: str, **more: str) -> None:
        settings_env(APP_CRM_CARD_KEY=keys, **more)
        card_crypto._cipher.cache_clear()

    yield apply
    card_crypto._cipher.cache_clear()


def stored_cards() -> list[tuple]:
    with session_scope() as db:
        columns = (Corporation.id, *card_crypto.CARD_COLUMNS, Corporation.version, Corporation.updated_at)
        return [tuple(row) for row in db.execute(select(*columns).order_by(Corporation.id))]


def make_card_holders() -> None:
    """Three corporations with card data under the current key, one paying by transfer (no card data)."""
    with session_scope() as db:
        agency = Agency(code="AG-CARD", name="カード代理店")
        db.add(agency)
        db.flush()
        for number, code in [*CARDS.items(), (None, None)]:
            db.add(
                Corporation(
                    agency_id=agency.id,
                    display_name="株式会社カード",
                    customer_type="01",
                    last_name="カード",
                    payment_type="02" if number else "01",
                    card_number_encrypted=card_crypto.encrypt(number) if number else None,
                    card_last4=number[-4:] if number else "",
                    card_security_code_encrypted=card_crypto.encrypt(code) if code else None,
                )
            )


def reencrypt_audits() -> list[AuditEntry]:
    with session_scope() as db:
        return db.scalars(
            select(AuditEntry).where(AuditEntry.action == "reencrypt_cards").order_by(AuditEntry.seq)
        ).all()


@pytest.mark.dialect
def test_reencrypt_cards_moves_card_data_to_the_new_key_once_audited_without_card_data(card_key, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    card_key(old)
    make_card_holders()
    before = stored_cards()
    card_key(new, OLD_CARD_KEY=old)  # the new key alone: the old one is given to the command only

    assert main(["crm", "reencrypt-cards", "--old-key-env", "OLD_CARD_KEY", "--batch-size", "2"]) == 0
    assert "5 fields of 3 corporations; 0 already" in capsys.readouterr().out
    after = stored_cards()
    under_new = Fernet(new.encode())
    plain = [
        (under_new.decrypt(n.encode()).decode(), c and under_new.decrypt(c.encode()).decode())
        for _, n, c, *_ in after[:3]
    ]
    assert plain == list(CARDS.items())
    assert after[3][1:3] == (None, None)
    assert [(row[0], row[3], row[4]) for row in after] == [(row[0], row[3], row[4]) for row in before]  # not an edit
    [entry] = reencrypt_audits()
    assert entry.actor_type == "cli" and entry.domain == "crm"
    assert entry.changes == {
        "already_current": {"before": None, "after": 0},
        "corporations": {"before": None, "after": 3},
        "fields": {"before": None, "after": 5},
    }
    written = str(entry.changes)
    assert not any(secret in written for row in before for secret in row[1:3] if secret)

    assert main(["crm", "reencrypt-cards"]) == 0  # a re-run, without the old key: nothing left to move
    assert "0 fields of 0 corporations; 5 already" in capsys.readouterr().out
    assert stored_cards() == after and len(reencrypt_audits()) == 1
    assert main(["audit", "verify"]) == 0


@pytest.mark.dialect
def test_reencrypt_cards_without_the_old_key_changes_nothing(card_key, capsys):
    card_key(Fernet.generate_key().decode())
    make_card_holders()
    before = stored_cards()
    card_key(Fernet.generate_key().decode(), OLD_CARD_KEY="")
    assert main(["crm", "reencrypt-cards"]) == 1
    assert "is under none of the keys given" in capsys.readouterr().err
    assert main(["crm", "reencrypt-cards", "--old-key-env", "OLD_CARD_KEY"]) == 1
    assert "set OLD_CARD_KEY to the card key" in capsys.readouterr().err
    assert stored_cards() == before and reencrypt_audits() == []


@pytest.mark.dialect
def test_reencrypt_cards_with_both_keys_in_the_setting_keeps_the_api_reading_throughout(card_key, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    card_key(old)
    make_card_holders()
    card_key(f"{new},{old}")  # the .env.example way: new first, old after it
    assert main(["crm", "reencrypt-cards"]) == 0
    card_key(new)
    with session_scope() as db:
        numbers = db.scalars(select(Corporation.card_number_encrypted).order_by(Corporation.id)).all()
    assert [card_crypto.decrypt(n) for n in numbers if n] == list(CARDS)


def test_a_scim_token_made_by_the_cli_is_shown_once_and_lets_the_directory_in(client, capsys):
    assert main(["scim", "token", "--name", "entra-prod"]) == 0
    secret = capsys.readouterr().out.splitlines()[-1]
    assert secret.startswith("daicho_scim_")
    answer = client.get("/api/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert main(["scim", "token", "--name", "entra-prod"]) == 1  # one name, one token
    assert "既に使われています" in capsys.readouterr().err
    with session_scope() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.target_type == "scim_token")).one()
        assert entry.actor_type == "cli" and secret not in json.dumps(entry.changes)
