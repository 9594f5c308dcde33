"""A client generated from /api/openapi.json by openapi-python-client, as a customer's IT would make one, signs in and
lists, reads and writes in every domain against the live API, each answer parsed into its generated model.

The generator must print nothing: each warning it prints is an answer or a route it left out of the client (a schema
name used twice dropped answers; a request body it could not read dropped the route). Files other than JSON are
declared to it as `application/octet-stream`, the one binary type it writes a client for (CONTENT_TYPES).
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import openapi_spec
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.live_server import live_api  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.embedded_only,
    pytest.mark.outside,
]  # one pass generates and uses it: the OpenAPI is the same on both backends

PACKAGE = "daicho_client"
CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "application/gzip", "application/xml")
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
EVERY_DOMAIN = {"fleet": "admin", "reservations": "operator", "loaners": "admin", "crm": "admin", "entry_logs": "admin"}


def generator_config() -> str:
    overrides = "".join(f"  {content_type}: application/octet-stream\n" for content_type in CONTENT_TYPES)
    return (
        f"package_name_override: {PACKAGE}\nproject_name_override: daicho-client\ncontent_type_overrides:\n{overrides}"
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported; the generator's output is asserted empty of warnings first."""
    folder = tmp_path_factory.mktemp("generated-client")
    (folder / "openapi.json").write_text(json.dumps(openapi_spec()))
    (folder / "config.yml").write_text(generator_config())
    done = subprocess.run(
        [GENERATOR, "generate", "--path", "openapi.json", "--config", "config.yml", "--meta", "none"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PATH": f"{GENERATOR.parent}:/usr/bin:/bin"},  # its formatting step runs the venv's ruff
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert output.strip() == f"Generating {folder / PACKAGE}", output
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def api(name: str) -> ModuleType:
    """One generated endpoint module, e.g. `fleet.list_customers` (the generator adds the route to the name)."""
    tag, operation = name.split(".")
    folder = Path(sys.modules[PACKAGE].__file__).parent / "api" / tag
    (module,) = [path.stem for path in folder.glob(f"{operation}_api_*.py")]
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{module}")


def model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def parsed(name: str, client: Any, **arguments: Any) -> Any:
    """The endpoint's answer as its generated model: a status the client has no model for fails the test."""
    response = api(name).sync_detailed(client=client, **arguments)
    assert response.status_code < 300, (name, response.status_code, response.content[:300])
    assert response.parsed is not None, (name, "the generated client dropped the answer")
    return response.parsed


@pytest.fixture
def signed_in(generated: ModuleType, live_api: str, db) -> Any:
    """A person with a grant in every domain, signed in through the generated client's login."""
    make_user(db, "generated-client", grants=EVERY_DOMAIN)
    db.commit()
    anonymous = generated.Client(base_url=live_api, raise_on_unexpected_status=True)
    login = model("LoginIn")(login_id="generated-client", password=DEFAULT_PASSWORD)
    token = parsed("auth.login", anonymous, body=login)
    assert token.access_token
    client = generated.AuthenticatedClient(base_url=live_api, token=token.access_token, raise_on_unexpected_status=True)
    assert parsed("auth.me", client).login_id == "generated-client"
    return client


def test_fleet_customer_written_listed_and_read(signed_in):
    body = model("CustomerCreate")(
        company_name="生成クライアント商事",
        contact_person="山田 太郎",
        contact_email="it@example.jp",
        contact_phone="03-1234-5678",
    )
    created = parsed("fleet.create_customer", signed_in, body=body)
    listed = parsed("fleet.list_customers", signed_in)
    assert created.id in [customer.id for customer in listed.items]
    assert parsed("fleet.get_customer", signed_in, customer_id=created.id).company_name == "生成クライアント商事"


def test_crm_agency_written_listed_and_read(signed_in):
    body = model("AgencyFields")(name="生成代理店", code="GEN-01")
    created = parsed("crm.create_agency", signed_in, body=body)
    listed = parsed("crm.list_agencies", signed_in)
    assert created.id in [agency.id for agency in listed.items]
    assert parsed("crm.get_agency", signed_in, agency_id=created.id).name == "生成代理店"


def test_loaners_location_written_listed_and_read(signed_in):
    body = model("LocationCreate")(
        id="gen01", code="GEN", name="生成拠点", jurisdiction="関東", group_email="gen@example.jp"
    )
    created = parsed("loaners.create_location", signed_in, body=body)
    listed = parsed("loaners.list_locations", signed_in)
    assert created.id in [location.id for location in listed]
    assert parsed("loaners.get_location", signed_in, location_id=created.id).name == "生成拠点"


def test_entry_logs_nursery_written_listed_and_read(signed_in):
    body = model("NurseryCreate")(code="generated", name="生成保育園", entry_exit_password="generated-pass-1")
    created = parsed("entry_logs.create_nursery", signed_in, body=body)
    listed = parsed("entry_logs.list_nurseries", signed_in)
    assert created.id in [nursery.id for nursery in listed]
    assert parsed("entry_logs.get_nursery", signed_in, nursery_id=created.id).name == "生成保育園"


def test_reservations_incident_written_listed_and_read(signed_in):
    body = model("IncidentCreate")(
        title="生成クライアントの障害", level=model("IncidentLevel")("high"), occurred_at=datetime.now(UTC)
    )
    created = parsed("reservations.create_incident", signed_in, body=body)
    listed = parsed("reservations.list_incidents", signed_in)
    assert created.id in [incident.id for incident in listed.items]
    assert parsed("reservations.get_incident", signed_in, incident_id=created.id).title == "生成クライアントの障害"
