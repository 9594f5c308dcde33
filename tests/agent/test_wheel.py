"""daicho-agent installs from its wheel on a machine without the repository, and enrols against the service."""

import json

import pytest

from tests.agent.conftest import Fleet, LiveService
from tests.support.client_wheels import install_client, run

pytestmark = pytest.mark.stack


@pytest.mark.slow
@pytest.mark.embedded_only  # packaging does not depend on the backend: built and installed once per `make check`
def test_the_wheel_installs_alone_and_enrols(fleet: Fleet, service: LiveService, tmp_path):
    bin_dir = install_client("agent", tmp_path)
    helped = run([bin_dir / "daicho-agent", "--help"], tmp_path)
    assert helped.returncode == 0 and "enroll" in helped.stdout, helped.stderr
    alone = run([bin_dir / "python", "-c", "import service"], tmp_path)
    assert "No module named 'service'" in alone.stderr
    terminal_id = fleet.new_terminal("TC200-W0001")
    env = {
        "DAICHO_AGENT_SERVER_URL": service.url,
        "DAICHO_AGENT_STATE_DIR": str(tmp_path / "state"),
        "DAICHO_AGENT_DEVICE": "simulated",
        "DAICHO_AGENT_SIMULATED_SERIAL_NUMBER": "TC200-W0001",
    }
    enrolled = run(
        [bin_dir / "daicho-agent", "enroll", "--code", fleet.enrollment_code(terminal_id)], tmp_path, env=env
    )
    assert enrolled.returncode == 0, enrolled.stderr
    status = json.loads(run([bin_dir / "daicho-agent", "status"], tmp_path, env=env).stdout)
    assert (status["terminal_id"], status["enrolled"]) == (terminal_id, True)
