"""The stations' lane writes its answers with orjson (service.lanes.JsonAnswer); the declared response
models must render the very same bytes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.entry_logs.router import HEARTBEAT_ANSWER, SCAN_ANSWER
from service.entry_logs.schemas import HeartbeatOut, ScanOut

TOKYO = timezone(timedelta(hours=9))
SCANS = [
    {
        "id": 12,
        "parent_id": 7,
        "parent_name": '山田 花子 "はな"',
        "nursery_id": 3,
        "entry_type": "Entry",
        "timestamp": datetime(2026, 11, 22, 9, 5, 7, 654321, tzinfo=TOKYO),
        "child_names": ["山田 太郎", "山田\\次郎", "tab\there\x01\x7f\u2028"],
        "duplicate": False,
        "client_scan_id": "scan-0001",
        "decided_by": "presence",
        "refused_children": [],
        "pickup_warning": None,
        "photo_version": 3,
    },
    {
        "id": 2**40,
        "parent_id": 9,
        "parent_name": "Ann",
        "nursery_id": 1,
        "entry_type": "Exit",
        "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
        "child_names": [],
        "duplicate": True,
        "client_scan_id": None,
        "decided_by": "toggle",
        "refused_children": ["山田 太郎"],
        "pickup_warning": "山田 太郎ちゃんのお迎えは登録されていません — 職員が確認してください",
        "photo_version": None,
    },
]


@pytest.mark.parametrize("values", SCANS)
def test_a_scan_answer_is_scanouts_json(values):
    assert SCAN_ANSWER.render(**values) == ScanOut(**values).model_dump_json(by_alias=True).encode()


def test_a_heartbeat_answer_is_heartbeatouts_json():
    values = {"token": "eyJ.abc-_.xyz", "expires_at": datetime(2026, 11, 22, 17, 30, 59, 999999, tzinfo=UTC)}
    assert HEARTBEAT_ANSWER.render(**values) == HeartbeatOut(**values).model_dump_json(by_alias=True).encode()


def test_a_value_the_models_do_not_hold_is_refused():
    with pytest.raises(TypeError) as refused:
        HEARTBEAT_ANSWER.render(token="t", expires_at=object())
    assert "is not written" in str(refused.value.__cause__)
