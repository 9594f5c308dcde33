"""The station's wire models (clientkit.station_api) carry the same JSON fields as the service's own schemas."""

import pytest

from clientkit import station_api
from service.entry_logs import schemas


@pytest.mark.parametrize("name", ["EntryExitLoginIn", "EntryExitLoginOut", "HeartbeatOut", "ScanIn", "ScanOut"])
def test_the_station_and_the_service_name_the_same_fields(name):
    station, service = getattr(station_api, name), getattr(schemas, name)
    fields = {
        model: {(field.alias, field.is_required()) for field in model.model_fields.values()}
        for model in (station, service)
    }
    assert fields[station] == fields[service]
