"""The station's wire models (clientkit.station_api) carry the same JSON fields as the service's own schemas."""

import pytest

from clientkit import station_api
from service.entry_logs.door import router, schemas
from service.entry_logs.logs import schemas as log_schemas

DOOR_BODIES = [
    "EntryExitLoginIn",
    "EntryExitLoginOut",
    "HeartbeatOut",
    "ScanIn",
    "ScanOut",
    "UnlockIn",
    "UnlockOut",
    "ForgottenCardPerson",
    "ForgottenCardPeople",
    "ForgottenCardIn",
]


@pytest.mark.parametrize(
    ("name", "service_schemas"),
    [(name, schemas) for name in DOOR_BODIES] + [("LogRead", log_schemas)],  # the log 「カードを忘れた方」 records
)
def test_the_station_and_the_service_name_the_same_fields(name, service_schemas):
    station, service = getattr(station_api, name), getattr(service_schemas, name)
    fields = {
        model: {(field.alias, field.is_required()) for field in model.model_fields.values()}
        for model in (station, service)
    }
    assert fields[station] == fields[service]


def test_the_kiosks_forgotten_card_fields_hold_what_the_service_takes():
    unlock = schemas.UnlockIn.model_json_schema(by_alias=True)["properties"]
    record = schemas.ForgottenCardIn.model_json_schema(by_alias=True)["properties"]
    people = next(route for route in router.router.routes if route.path.endswith("/forgotten-card/people"))
    search = next(param for param in people.dependant.query_params if param.name == "q")
    assert (unlock["staffName"]["maxLength"], unlock["pin"]["maxLength"]) == (
        station_api.STAFF_NAME_MAX,
        station_api.PIN_MAX,
    )
    assert record["reason"]["maxLength"] == station_api.REASON_MAX
    assert max(rule.max_length for rule in search.field_info.metadata if hasattr(rule, "max_length")) == (
        station_api.SEARCH_MAX
    )
