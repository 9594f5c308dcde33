"""daicho-station installs from its wheel on a tablet without the repository, logs in and records a scan."""

import json

import pytest

from scanner_station.config import PASSWORD_ENV
from tests.scanner_station.conftest import STATION_PASSWORD, recorded_logs
from tests.support.client_wheels import install_client, run

pytestmark = pytest.mark.stack


@pytest.mark.slow
@pytest.mark.embedded_only  # packaging does not depend on the backend: built and installed once per `make check`
def test_the_wheel_installs_alone_logs_in_and_scans(kiosk_world, live_api, tmp_path):
    bin_dir = install_client("scanner_station", tmp_path)
    helped = run([bin_dir / "daicho-station", "--help"], tmp_path)
    assert helped.returncode == 0 and "--headless" in helped.stdout, helped.stderr
    alone = run([bin_dir / "python", "-c", "import service"], tmp_path)
    assert "No module named 'service'" in alone.stderr
    argv = [bin_dir / "daicho-station", "--headless", "--server", live_api, "--state-dir", tmp_path / "state"]
    argv += ["--station-id", "wheel-gate", "--nursery-code", kiosk_world.code]
    done = run(argv, tmp_path, env={PASSWORD_ENV: STATION_PASSWORD}, input=f"{kiosk_world.parents[0].id}\n")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["status"] for line in done.stdout.splitlines()] == ["success"]
    assert [log.station_id for log in recorded_logs(kiosk_world.nursery_id)] == ["wheel-gate"]
