"""The MCP endpoint as an AI-chat client sees it: the official SDK's streamable HTTP client against the app served by
uvicorn. Each client needs its own API key; errors come back in the API's error shape; a client sees its own
reservations only."""

import asyncio
import json
import re
from datetime import UTC, time, timedelta
from urllib.parse import urlsplit

import httpx
import httpx2
import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select, text

from service import VERSION
from service.config import get_settings
from service.database import get_engine, session_scope, utcnow
from service.reservations import labels
from service.reservations.booking import clients
from service.reservations.models import CallAttempt, Reservation, Shop
from tests.service.reservations.conftest import (
    TESTER,
    answer_calls,
    count,
    deliver_due,
    japan_day,
    make_mcp_client,
    messages,
    sms_link,
    state,
)
from tests.support.clock import clock_at, japan_time
from tests.support.database import unreachable_database

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def connect(live_api: str, key: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return Client(streamable_http_client(f"{live_api}/mcp", http_client=http))


def error_of(result) -> dict:
    """A failed tool call's error, in the API's error shape both as its structured content and as its text (JSON,
    nothing before it), with a machine code and a Japanese message."""
    assert result.is_error
    assert json.loads(result.content[0].text) == result.structured_content
    error = result.structured_content["error"]
    assert error["code"].isidentifier() and JAPANESE.search(error["message"]), error
    return error


def when(days: float = 5) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@pytest.fixture
def key(catalog) -> str:
    return make_mcp_client()[1]


def booking_args(catalog, **overrides) -> dict:
    return {
        "service_id": catalog["service_id"],
        "requester_name": "山田太郎",
        "requester_phone": "090-1234-5678",
        "desired_at": when(),
        "details": "3LDK",
    } | overrides


def refused_key(answer: httpx.Response) -> bool:
    """A 401 in the error shape saying in Japanese that the API key is wrong, with no challenge that would send a
    client into OAuth discovery (none is offered)."""
    error = answer.json()["error"]
    return (
        answer.status_code == 401
        and error["code"] == "invalid_api_key"
        and "APIキー" in error["message"]
        and "www-authenticate" not in answer.headers
    )


def test_requests_without_a_valid_key_are_refused(live_api, key):
    for headers in ({}, {"Authorization": "Bearer qrv_not-a-key"}, {"Authorization": key}):
        answer = httpx.post(f"{live_api}/mcp", json=INITIALIZE, headers={"Accept": "application/json", **headers})
        assert refused_key(answer), answer.text
    accepted = httpx.post(
        f"{live_api}/mcp",
        json=INITIALIZE,
        headers={"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {key}"},
    )
    assert accepted.status_code == 200
    with session_scope() as db:
        client = clients.list_clients(db)[0]
        clients.revoke_client(db, client=client, actor=TESTER, now=utcnow())
    revoked = httpx.post(
        f"{live_api}/mcp",
        json=INITIALIZE,
        headers={"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {key}"},
    )
    assert refused_key(revoked), revoked.text


async def test_the_server_names_its_version_and_each_tool_its_hints_and_json_schemas(live_api, key):
    async with connect(live_api, key) as mcp:
        server = mcp.server_info
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    assert (server.name, server.version) == ("qrv-reservations", VERSION)
    for tool in tools.values():
        for schema in (tool.input_schema, tool.output_schema):
            Draft202012Validator.check_schema(schema)
            assert schema["type"] == "object" and "properties" in schema, (tool.name, schema)
        [answer, refusal] = tool.output_schema["anyOf"]  # an error result's structured content fits it too
        assert answer["required"] and refusal == {"required": ["error"]}, tool.name
        hints = tool.annotations
        assert None not in (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint)
    assert [name for name, tool in tools.items() if tool.annotations.read_only_hint] == [
        "list_services",
        "get_reservation_status",
    ]
    assert tools["cancel_reservation"].annotations.destructive_hint is True
    assert not tools["create_reservation"].annotations.destructive_hint
    booking = tools["create_reservation"].output_schema
    assert {"reservation_id", "desired_at_text", "repeat", "cancel_token"} <= set(booking["properties"])
    assert "cancel_token" not in booking["anyOf"][0]["required"] and "reservation_id" in booking["anyOf"][0]["required"]


async def test_missing_or_mistyped_arguments_and_an_unknown_tool_are_japanese_tool_errors(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        missing = error_of(await mcp.call_tool("get_reservation_status", {}))
        mistyped = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, service_id="two")))
        unknown = error_of(await mcp.call_tool("book_everything", {}))
        again = error_of(await mcp.call_tool("get_reservation_status", {"reservation_id": 7}))
    assert missing["code"] == "validation_failed" and missing["message"] == "入力内容に誤りがあります"
    [field] = missing["details"]
    assert (field["loc"], field["rule"]) == (["reservation_id"], "missing") and JAPANESE.search(field["message"])
    [wrong_type] = mistyped["details"]
    assert wrong_type["loc"] == ["service_id"] and JAPANESE.search(wrong_type["message"])
    assert "Input should" not in json.dumps(mistyped)
    assert again["code"] == "validation_failed" and again["details"][0]["loc"] == ["reservation_id"]
    assert unknown["code"] == "unknown_tool" and unknown["details"] == {"tool": "book_everything"}
    assert stored_reservations() == []


@pytest.mark.dialect
async def test_book_follow_and_cancel_through_the_sdk(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        tools = {tool.name for tool in (await mcp.list_tools()).tools}
        assert tools == {"list_services", "create_reservation", "get_reservation_status", "cancel_reservation"}
        services = (await mcp.call_tool("list_services", {})).structured_content["result"]
        assert [(s["name"], s["price_yen"]) for s in services] == [("ハウスクリーニング", 8000)]

        created = await mcp.call_tool("create_reservation", booking_args(catalog))
        assert not created.is_error, created.content
        booked = created.structured_content
        code = booked["reservation_id"]
        assert code.startswith("QRV-") and len(code) == 10 and booked["status"] == "calling"
        assert booked["cancel_url"].endswith(booked["cancel_token"])

        status = (await mcp.call_tool("get_reservation_status", {"reservation_id": code})).structured_content
        assert status["status_label"] == "電話代行中"

        wrong = await mcp.call_tool("cancel_reservation", {"reservation_id": code, "cancel_token": "guess"})
        assert error_of(wrong)["code"] == "invalid_cancel_token"
        cancelled = await mcp.call_tool(
            "cancel_reservation", {"reservation_id": code, "cancel_token": booked["cancel_token"]}
        )
        assert cancelled.structured_content["status"] == "cancelled"
    assert state(code) == "cancelled"
    with session_scope() as db:
        reservation = db.scalar(select(Reservation).where(Reservation.code == code))
        assert reservation.requester_phone == "+819012345678" and reservation.mcp_client_id is not None


@pytest.mark.dialect
async def test_a_booking_less_than_48_hours_ahead_answers_that_it_cannot_be_cancelled_free(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        ahead = (await mcp.call_tool("create_reservation", booking_args(catalog))).structured_content
        assert ahead["free_cancellation"] is True and "無料キャンセル" not in ahead["message"]
        soon = await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=when(1.5)))
        booked = soon.structured_content
    assert booked["free_cancellation"] is False and "cancel_url" not in booked
    assert "48時間前を過ぎているため、無料キャンセルはできません" in booked["message"]


@pytest.mark.dialect
async def test_bad_input_is_an_error_in_the_api_shape_and_books_nothing(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        bad_phone = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, requester_phone="12")))
        assert bad_phone["code"] == "validation_failed" and bad_phone["details"][0]["rule"] == "phone_format"
        unknown = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, service_id=999)))
        assert unknown["details"] == {"field": "service_type_id", "rule": "unknown_service"}
        past = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, desired_at="2020-01-01T10:00")))
        assert past["details"]["rule"] == "future"
        missing = error_of(await mcp.call_tool("get_reservation_status", {"reservation_id": "QRV-AAAAAA"}))
        assert missing["code"] == "not_found"
    with session_scope() as db:
        assert db.scalar(select(Reservation.id)) is None


@pytest.mark.dialect
async def test_answers_give_each_time_with_its_offset_and_in_words_and_refuse_a_time_with_the_reason(
    live_api, key, catalog
):
    with session_scope() as db:
        for shop_id in catalog["shop_ids"]:
            shop = db.get_one(Shop, shop_id)
            shop.opens_at, shop.closes_at = time(10), time(19)
    at = japan_day(6)
    in_utc = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")  # an explicit offset: 05:00Z is 14:00 in Japan
    words = f"{at.year}年{at.month}月{at.day}日（{'月火水木金土日'[at.weekday()]}）14:00"
    async with connect(live_api, key) as mcp:
        [service] = (await mcp.call_tool("list_services", {})).structured_content["result"]
        booked = (
            await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=in_utc))
        ).structured_content
        status = await mcp.call_tool("get_reservation_status", {"reservation_id": booked["reservation_id"]})
        past = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, desired_at="2020-01-01T10:00")))
        late = at.replace(hour=18).isoformat()  # two hours of cleaning from 18:00 end after closing
        closed = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=late)))
    assert (service["time_zone"], service["shop_hours"]) == ("Asia/Tokyo (UTC+09:00)", ["10:00〜19:00"])
    for answer in (booked, status.structured_content):
        assert answer["desired_at"] == at.isoformat() and answer["desired_at"].endswith("T14:00:00+09:00")
        assert answer["desired_at_text"] == words and answer["cancel_deadline"].endswith("T14:00:00+09:00")
        assert answer["time_zone"] == "Asia/Tokyo (UTC+09:00)"
    assert past["details"] == {"field": "desired_at", "rule": "future"}
    assert past["message"].startswith("ご希望の日時（2020年1月1日（水）10:00）はすでに過ぎています")
    assert closed["details"] == {"field": "desired_at", "rule": "shop_hours"}
    assert f"（{words.replace('14:00', '18:00')}〜20:00）" in closed["message"]
    assert "営業時間: 10:00〜19:00" in closed["message"]
    assert stored_reservations() == [booked["reservation_id"]]


@pytest.mark.dialect
async def test_list_services_gives_each_shops_closed_days_and_open_days_and_a_closed_day_is_refused_as_one(
    live_api, key, catalog
):
    """Issue 89: a client can tell which day works; a booking on the shops' 定休日 says so, with the nearest open
    day, and never that a time inside the hours is outside them."""
    with session_scope() as db:
        for shop_id, closed in zip(catalog["shop_ids"], ("水祝", "水祝", "水"), strict=True):
            shop = db.get_one(Shop, shop_id)
            shop.opens_at, shop.closes_at, shop.closed_days = time(10), time(19), closed
    with clock_at(japan_time(2026, 1, 5, 11)):  # a Monday; 12 January is 成人の日
        async with connect(live_api, key) as mcp:
            [service] = (await mcp.call_tool("list_services", {})).structured_content["result"]
            again = (await mcp.call_tool("list_services", {})).structured_content["result"]
            wednesday = error_of(
                await mcp.call_tool("create_reservation", booking_args(catalog, desired_at="2026-01-07T14:00"))
            )
            nearest = wednesday["details"]["nearest_open_day"]["date"]
            booked = await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=f"{nearest}T14:00"))
            holiday = await mcp.call_tool("create_reservation", booking_args(catalog, desired_at="2026-01-12T14:00"))
    assert again == [service]
    assert [day["date"] for day in service["next_open_days"]] == [
        "2026-01-05", "2026-01-06", "2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11", "2026-01-12",
    ]  # fmt: skip
    assert service["next_open_days"][1] == {
        "date": "2026-01-06",
        "text": "2026年1月6日（火）10:00〜19:00",
        "hours": ["10:00〜19:00"],
    }
    shops = {shop["name"]: shop for shop in service["shops"]}
    assert [(shop["hours"], shop["closed_days"]) for shop in shops.values()] == [
        ("10:00〜19:00", "水・祝"),
        ("10:00〜19:00", "水・祝"),
        ("10:00〜19:00", "水"),
    ]
    days = {name: [day["date"][-2:] for day in shop["next_open_days"]] for name, shop in shops.items()}
    assert days["提携店1"] == ["05", "06", "08", "09", "10", "11", "13"]  # not on 成人の日
    assert days["提携店3"] == ["05", "06", "08", "09", "10", "11", "12"]
    assert wednesday["details"]["rule"] == "closed_day" and "営業時間外" not in wednesday["message"]
    assert wednesday["message"].startswith("ご希望の日（2026年1月7日（水））は提携店の定休日（")
    assert "提携店1: 水・祝、提携店2: 水・祝、提携店3: 水" in wednesday["message"]
    assert nearest == "2026-01-08" and "最も近い営業日は2026年1月8日（木）10:00〜19:00です" in wednesday["message"]
    assert wednesday["details"]["closed_days"] == {"提携店1": "水・祝", "提携店2": "水・祝", "提携店3": "水"}
    assert [day["date"] for day in wednesday["details"]["next_open_days"]][:2] == ["2026-01-08", "2026-01-09"]
    assert not booked.is_error and not holiday.is_error  # on 成人の日 one shop is open
    assert len(stored_reservations()) == 2


@pytest.mark.dialect
async def test_a_day_every_shop_keeps_as_its_closed_day_is_refused_with_their_closed_days_as_they_are(
    live_api, key, catalog
):
    with session_scope() as db:
        for shop_id in catalog["shop_ids"]:
            shop = db.get_one(Shop, shop_id)
            shop.opens_at, shop.closes_at, shop.closed_days = time(10), time(19), "水祝"
    with clock_at(japan_time(2026, 1, 5, 11)):
        async with connect(live_api, key) as mcp:
            refused = [
                error_of(await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=day)))
                for day in ("2026-01-14T14:00", "2026-01-12T14:00")
            ]
    assert [refusal["message"] for refusal in refused] == [
        "ご希望の日（2026年1月14日（水））は提携店の定休日（水・祝）です。"
        "最も近い営業日は2026年1月15日（木）10:00〜19:00です。この日の営業時間内の日時を指定してください",
        "ご希望の日（2026年1月12日（月）、成人の日）は提携店の定休日（水・祝）です。"
        "最も近い営業日は2026年1月13日（火）10:00〜19:00です。この日の営業時間内の日時を指定してください",
    ]
    assert stored_reservations() == []


@pytest.mark.dialect
async def test_a_booking_made_while_the_shops_are_closed_answers_that_calls_start_at_their_opening(
    live_api, key, catalog
):
    with session_scope() as db:
        for shop_id in catalog["shop_ids"]:
            shop = db.get_one(Shop, shop_id)
            shop.opens_at, shop.closes_at, shop.closed_days = time(10), time(19), "水祝"
    with clock_at(japan_time(2026, 1, 18, 20)):  # Sunday evening; the shops open on Monday at 10:00
        async with connect(live_api, key) as mcp:
            booked = await mcp.call_tool("create_reservation", booking_args(catalog, desired_at="2026-01-22T14:00"))
            code = booked.structured_content["reservation_id"]
            status = await mcp.call_tool("get_reservation_status", {"reservation_id": code})
    for answer in (booked.structured_content, status.structured_content):
        assert answer["requires_escalation"] is False and "escalation" not in answer
        assert answer["next_step"] == labels.STATUS_WAITS_FOR_OPENING.format(when="2026年1月19日（月）10:00")
        assert answer["hear_back_by"] == "2026-01-19T12:00:00+09:00"  # 3 shops, 2 rounds of 15 minutes, 30 between
        assert answer["hear_back_by_text"] == "2026年1月19日（月）12:00"
    assert state(code) == "calling"


async def test_a_huge_number_or_a_nul_byte_is_a_tool_error_naming_the_argument(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        huge = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, service_id=2**70)))
        assert huge["details"] == {"field": "service_id", "rule": "number_too_large"}
        nul = error_of(await mcp.call_tool("create_reservation", booking_args(catalog, requester_name="山田\x00太郎")))
        assert nul["details"] == {"field": "requester_name", "rule": "nul_byte"}
        status = error_of(await mcp.call_tool("get_reservation_status", {"reservation_id": "QRV-\x00"}))
        assert status["details"] == {"field": "reservation_id", "rule": "nul_byte"}
    with session_scope() as db:
        assert db.scalar(select(Reservation.id)) is None


@pytest.mark.dialect
async def test_a_non_ascii_cancel_token_is_refused_as_a_wrong_token(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        booked = (await mcp.call_tool("create_reservation", booking_args(catalog))).structured_content
        refused = await mcp.call_tool(
            "cancel_reservation", {"reservation_id": booked["reservation_id"], "cancel_token": "キャンセル"}
        )
        assert error_of(refused)["code"] == "invalid_cancel_token"
    assert state(booked["reservation_id"]) == "calling"


@pytest.mark.dialect
async def test_a_client_cannot_see_or_cancel_another_clients_reservation(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        booked = (await mcp.call_tool("create_reservation", booking_args(catalog))).structured_content
    other_key = make_mcp_client("other-chat")[1]
    async with connect(live_api, other_key) as other:
        seen = await other.call_tool("get_reservation_status", {"reservation_id": booked["reservation_id"]})
        assert error_of(seen)["code"] == "not_found"
        cancel = await other.call_tool(
            "cancel_reservation",
            {"reservation_id": booked["reservation_id"], "cancel_token": booked["cancel_token"]},
        )
        assert error_of(cancel)["code"] == "not_found"
    assert state(booked["reservation_id"]) == "calling"


def stored_reservations() -> list[str]:
    with session_scope() as db:
        return list(db.scalars(select(Reservation.code)))


def test_a_booking_while_the_database_is_unreachable_answers_503_and_stores_nothing(live_api, key, catalog):
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "create_reservation", "arguments": booking_args(catalog)},
    }
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {key}"}

    with unreachable_database():
        answer = httpx.post(f"{live_api}/mcp", json=call, headers=headers)

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "unavailable"
    assert stored_reservations() == []


@pytest.fixture
def connection_dropped_by_a_booking() -> None:
    """PostgreSQL ends the session of whoever inserts a reservation, in the middle of the statement."""
    with get_engine().begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION drop_own_connection() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER drop_own_connection BEFORE INSERT ON reservations_reservation "
                "FOR EACH ROW EXECUTE FUNCTION drop_own_connection()"
            )
        )
    yield
    with get_engine().begin() as conn:
        conn.execute(text("DROP TRIGGER drop_own_connection ON reservations_reservation"))
        conn.execute(text("DROP FUNCTION drop_own_connection()"))


@pytest.mark.postgres_only
async def test_a_booking_whose_connection_drops_is_an_unavailable_tool_error_and_stores_nothing(
    live_api, key, catalog, connection_dropped_by_a_booking
):
    async with connect(live_api, key) as mcp:
        lost = error_of(await mcp.call_tool("create_reservation", booking_args(catalog)))

    assert lost["code"] == "unavailable" and lost["message"].startswith("データベースに接続できません")
    assert stored_reservations() == []
    assert messages("sms") == []


def sent_once(code: str) -> bool:
    """One reservation with this id took one confirmation SMS and one round of shop calls."""
    with session_scope() as db:
        reservation_id = db.scalar(select(Reservation.id).where(Reservation.code == code))
    return len(messages("sms", code)) == 1 and count(CallAttempt, CallAttempt.reservation_id == reservation_id) == 1


@pytest.mark.dialect
async def test_a_booking_sent_again_with_its_key_answers_the_first_and_does_nothing_twice(live_api, key, catalog):
    arguments = booking_args(catalog, idempotency_key="chat-42-booking-1")
    async with connect(live_api, key) as mcp:
        first = (await mcp.call_tool("create_reservation", arguments)).structured_content
        again = (await mcp.call_tool("create_reservation", arguments)).structured_content
        other = await mcp.call_tool("create_reservation", arguments | {"desired_at": when(6)})
    assert first["repeat"] is False and again["repeat"] is True
    assert again["reservation_id"] == first["reservation_id"] and again["cancel_token"] == first["cancel_token"]
    assert again["message"].startswith("同じご依頼をすでに受け付けています")
    refused = error_of(other)
    assert refused["code"] == "idempotency_key_reused" and "依頼キー" in refused["message"]
    assert stored_reservations() == [first["reservation_id"]] and sent_once(first["reservation_id"])


@pytest.mark.dialect
async def test_retries_racing_with_one_key_make_one_reservation(live_api, key, catalog):
    arguments = booking_args(catalog, idempotency_key="chat-42-booking-2")
    async with connect(live_api, key) as one, connect(live_api, key) as two:
        answers = await asyncio.gather(*(mcp.call_tool("create_reservation", arguments) for mcp in (one, two)))
    booked = {answer.structured_content["reservation_id"] for answer in answers}
    assert len(booked) == 1 and sorted(a.structured_content["repeat"] for a in answers) == [False, True]
    assert stored_reservations() == list(booked) and sent_once(booked.pop())


@pytest.mark.dialect
async def test_an_identical_booking_without_a_key_within_minutes_answers_the_existing_one(live_api, key, catalog):
    arguments = booking_args(catalog)
    same = arguments | {"requester_phone": "+819012345678", "details": "3LDK（再送）"}
    another_day = arguments | {"desired_at": when(7)}
    async with connect(live_api, key) as mcp:
        first, again, later = [
            (await mcp.call_tool("create_reservation", booking)).structured_content
            for booking in (arguments, same, another_day)
        ]
    assert again["reservation_id"] == first["reservation_id"] and again["repeat"] is True
    assert "cancel_token" not in again and "cancel_url" not in again and "SMSでお送りしています" in again["message"]
    assert later["reservation_id"] != first["reservation_id"] and later["repeat"] is False
    assert sorted(stored_reservations()) == sorted([first["reservation_id"], later["reservation_id"]])
    assert sent_once(first["reservation_id"])


@pytest.mark.dialect
async def test_two_requesters_of_one_phone_each_get_their_own_booking_and_nothing_of_the_other(live_api, key, catalog):
    """A family's shared phone: the second requester (another name, the same phone, service and time, no key) is a
    booking of its own, and the first requester's reservation, name and cancellation token stay the first's."""
    first_requester = booking_args(catalog, requester_email="taro@example.jp")
    second_requester = first_requester | {"requester_name": "山田花子", "requester_email": ""}
    async with connect(live_api, key) as mcp:
        taro = (await mcp.call_tool("create_reservation", first_requester)).structured_content
        hanako = (await mcp.call_tool("create_reservation", second_requester)).structured_content
        taro_again = (await mcp.call_tool("create_reservation", first_requester)).structured_content
        cross = await mcp.call_tool(
            "cancel_reservation", {"reservation_id": taro["reservation_id"], "cancel_token": hanako["cancel_token"]}
        )
        own = await mcp.call_tool(
            "cancel_reservation", {"reservation_id": hanako["reservation_id"], "cancel_token": hanako["cancel_token"]}
        )
    assert hanako["repeat"] is False and hanako["reservation_id"] != taro["reservation_id"]
    assert hanako["cancel_token"] != taro["cancel_token"] and "山田太郎" not in json.dumps(hanako, ensure_ascii=False)
    assert taro_again["repeat"] is True and taro_again["reservation_id"] == taro["reservation_id"]
    assert not {"cancel_token", "cancel_url"} & set(taro_again)
    assert error_of(cross)["code"] == "invalid_cancel_token" and own.structured_content["status"] == "cancelled"
    assert (state(taro["reservation_id"]), state(hanako["reservation_id"])) == ("calling", "cancelled")
    with session_scope() as db:
        booked = db.execute(select(Reservation.code, Reservation.requester_name, Reservation.requester_email)).all()
    assert sorted(booked) == sorted(
        [(taro["reservation_id"], "山田太郎", "taro@example.jp"), (hanako["reservation_id"], "山田花子", "")]
    )


@pytest.mark.dialect
async def test_a_cancellation_sent_again_with_its_key_answers_the_first(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        booked = (await mcp.call_tool("create_reservation", booking_args(catalog))).structured_content
        cancel = {
            "reservation_id": booked["reservation_id"],
            "cancel_token": booked["cancel_token"],
            "idempotency_key": "chat-42-cancel",
        }
        first = (await mcp.call_tool("cancel_reservation", cancel)).structured_content
        again = (await mcp.call_tool("cancel_reservation", cancel)).structured_content
        unkeyed = await mcp.call_tool("cancel_reservation", cancel | {"idempotency_key": ""})
    assert (first["status"], first["repeat"]) == ("cancelled", False)
    assert (again["status"], again["repeat"]) == ("cancelled", True)
    assert error_of(unkeyed)["code"] == "already_cancelled"
    assert len(messages("sms", booked["reservation_id"])) == 2  # the confirmation and one cancellation


async def test_every_write_tool_takes_an_idempotency_key_and_says_what_a_retry_answers(live_api, key):
    async with connect(live_api, key) as mcp:
        tools = (await mcp.list_tools()).tools
    writes = [tool for tool in tools if not tool.annotations.read_only_hint]
    assert {tool.name for tool in writes} == {"create_reservation", "cancel_reservation"}
    for tool in writes:
        assert "idempotency_key" in tool.input_schema["properties"], tool.name
        assert "idempotency_key" not in tool.input_schema.get("required", []), tool.name
        assert "per client" in tool.input_schema["properties"]["idempotency_key"]["description"], tool.name
        assert tool.annotations.idempotent_hint is True, tool.name
        for words in ("idempotency_key", "repeat: true", "nothing twice", "idempotency_key_reused"):
            assert words in " ".join(tool.description.split()), (tool.name, words)


@pytest.mark.dialect
async def test_an_idempotency_key_is_each_clients_own(live_api, key, catalog):
    other_key = make_mcp_client("other-chat")[1]
    arguments = booking_args(catalog, idempotency_key="shared-key-1")
    async with connect(live_api, key) as mine, connect(live_api, other_key) as theirs:
        first = (await mine.call_tool("create_reservation", arguments)).structured_content
        other = (await theirs.call_tool("create_reservation", arguments)).structured_content
        again = (await theirs.call_tool("create_reservation", arguments)).structured_content
        cancels = [
            (
                await mcp.call_tool("cancel_reservation", {**cancel, "idempotency_key": "shared-key-2"})
            ).structured_content
            for mcp, cancel in (
                (mine, {"reservation_id": first["reservation_id"], "cancel_token": first["cancel_token"]}),
                (theirs, {"reservation_id": other["reservation_id"], "cancel_token": other["cancel_token"]}),
            )
        ]
    assert other["reservation_id"] != first["reservation_id"] and (first["repeat"], other["repeat"]) == (False, False)
    assert again["reservation_id"] == other["reservation_id"] and again["repeat"] is True
    assert [(c["status"], c["repeat"]) for c in cancels] == [("cancelled", False), ("cancelled", False)]
    assert sorted(stored_reservations()) == sorted([first["reservation_id"], other["reservation_id"]])


def opened(live_api: str, url: str) -> httpx.Response:
    """The requester's page, as a phone opens it: no key, no sign-in."""
    assert url.startswith(get_settings().public_base_url + "/api/reservations/status/")
    return httpx.get(live_api + urlsplit(url).path)


@pytest.mark.dialect
async def test_a_booking_a_person_has_answers_requires_escalation_with_a_page_the_requester_can_open(
    live_api, key, catalog, monkeypatch
):
    answer_calls(monkeypatch, "decline")
    arguments = booking_args(catalog, idempotency_key="chat-7-escalated")
    async with connect(live_api, key) as mcp:
        schema = {tool.name: tool.output_schema for tool in (await mcp.list_tools()).tools}
        created = (await mcp.call_tool("create_reservation", arguments)).structured_content
        deliver_due()  # every shop declines: 全店NG, a manual operation
        code = created["reservation_id"]
        first = (await mcp.call_tool("get_reservation_status", {"reservation_id": code})).structured_content
        second = (await mcp.call_tool("get_reservation_status", {"reservation_id": code})).structured_content
        repeated = (await mcp.call_tool("create_reservation", arguments)).structured_content
    assert created["requires_escalation"] is False and "escalation" not in created
    for answer, tool in ((first, "get_reservation_status"), (repeated, "create_reservation")):
        Draft202012Validator(schema[tool]).validate(answer)
        assert answer["requires_escalation"] is True and answer["status"] == "all_declined"
        assert answer["escalation"]["reason"] == "all_shops_declined"
        assert answer["escalation"]["message"] == labels.ESCALATIONS["all_shops_declined"]
    assert repeated["repeat"] is True and repeated["reservation_id"] == code
    (url,) = {answer["escalation"]["continue_url"] for answer in (first, second, repeated)}  # the SMS's link too
    assert urlsplit(url).path == sms_link(code)[0]
    page = opened(live_api, url)
    assert page.status_code == 200 and code in page.text
    assert labels.ESCALATIONS["all_shops_declined"] in page.text and "山田太郎" not in page.text


@pytest.mark.dialect
async def test_a_cancellation_past_the_deadline_goes_to_a_person_and_says_where_to_follow_it(live_api, key, catalog):
    async with connect(live_api, key) as mcp:
        booked = (
            await mcp.call_tool("create_reservation", booking_args(catalog, desired_at=when(1.5)))
        ).structured_content
        cancel = {"reservation_id": booked["reservation_id"], "cancel_token": booked["cancel_token"]}
        refused = error_of(await mcp.call_tool("cancel_reservation", cancel | {"idempotency_key": "late-1"}))
        status = (
            await mcp.call_tool("get_reservation_status", {"reservation_id": booked["reservation_id"]})
        ).structured_content
    assert refused["code"] == "cancel_deadline_passed"
    escalation = refused["details"]["escalation"]
    assert escalation["reason"] == "late_cancellation"
    assert escalation["message"] == labels.ESCALATIONS["late_cancellation"]
    page = opened(live_api, escalation["continue_url"])
    assert page.status_code == 200 and labels.ESCALATIONS["late_cancellation"] in page.text
    assert status["requires_escalation"] is True and status["escalation"]["reason"] == "late_cancellation"
    assert state(booked["reservation_id"]) == "calling"
