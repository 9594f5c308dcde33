"""The rollout check (`fleet.advance_rollouts`) in a real worker: the terminal is judged, not its PC's load."""

import pytest
from sqlalchemy import select

from jobs.fleet import advance_rollouts
from service.database import session_scope
from service.fleet.models import Alert, Rollout, UpdateTask
from tests.service.fleet.conftest import make_customer, make_terminal, send, user_headers
from tests.service.fleet.rollouts.test_firmware import rollout_of, upload
from tests.support.waiting import wait_for_job

pytestmark = pytest.mark.slow


def finished_tasks() -> dict[int, tuple[str, str]]:
    with session_scope() as db:
        rows = db.execute(
            select(UpdateTask.terminal_id, UpdateTask.status, UpdateTask.message).where(
                UpdateTask.finished_at.is_not(None)
            )
        ).all()
    return {terminal_id: (status, message) for terminal_id, status, message in rows}


def test_the_worker_passes_an_update_on_a_busy_pc_and_fails_one_reporting_an_error(client, db, start_worker):
    customer = make_customer(db)
    (busy, busy_token), (broken, broken_token) = (make_terminal(db, customer, f"TC-{n}") for n in (1, 2))
    headers = user_headers(db, "admin1", "admin")
    db.commit()
    release_id = upload(client, headers).json()["id"]
    rollout_of(client, headers, release_id, customer.id, waves=[100], failure_threshold_pct=100)
    for token in (busy_token, broken_token):
        send(client, token)
    send(client, busy_token, firmware_version="2.0.0", cpu=97.7)
    send(client, broken_token, firmware_version="2.0.0", status="error", error_message="カードリーダー異常")
    start_worker()
    advance_rollouts.delay()
    wait_for_job(
        lambda: len(finished_tasks()) == 2,
        timeout=30,
        message="the rollout check to judge both terminals",
    )
    assert finished_tasks() == {
        busy.id: ("succeeded", "店舗PCの負荷が高い状態です（CPU 97.7%）"),
        broken.id: ("failed", "更新後に端末がエラーを報告しました: カードリーダー異常"),
    }
    with session_scope() as session:
        assert session.scalar(select(Rollout.status)) == "completed"
        assert session.scalars(select(Alert.terminal_id).where(Alert.alert_type == "update_failed")).all() == [
            broken.id
        ]
