"""Flags, environment and the rules a station configuration must keep."""

import pytest

from scanner_station.config import ConfigError, load_config


def test_flags_win_over_the_environment_which_wins_over_defaults(tmp_path):
    env = {
        "DAICHO_STATION_SERVER_URL": "https://env.example.jp",
        "DAICHO_STATION_STATION_ID": "env-gate",
        "DAICHO_STATION_HEARTBEAT_SECONDS": "12.5",
    }
    config = load_config(["--station-id", "flag-gate", "--state-dir", str(tmp_path), "--type", "out"], env)
    assert config.server_url == "https://env.example.jp"
    assert config.station_id == "flag-gate"
    assert config.heartbeat_seconds == 12.5
    assert config.state_dir == tmp_path
    assert config.entry_type == "Exit"
    assert (config.retries, config.queue_max, config.history_size) == (3, 100, 10)
    assert config.database_path == tmp_path / "station.sqlite3"


@pytest.mark.parametrize(
    ("argv", "env", "rule"),
    [
        (["--server", "http://daicho.example.jp"], {}, "must use https"),
        (["--server", "ftp://daicho.example.jp"], {}, "must be an http"),
        (["--station-id", "gate 1"], {}, "without spaces"),
        ([], {"DAICHO_STATION_QUEUE_MAX": "101"}, "at most 100"),
        ([], {"DAICHO_STATION_RETRIES": "three"}, "DAICHO_STATION_RETRIES must be a int"),
        ([], {"DAICHO_STATION_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
    ],
)
def test_broken_settings_are_refused_naming_the_rule(argv, env, rule):
    with pytest.raises(ConfigError, match=rule):
        load_config(argv, env)


def test_plain_http_is_allowed_to_this_machine_or_on_request():
    assert load_config(["--server", "http://127.0.0.1:8000"], {}).server_url == "http://127.0.0.1:8000"
    assert load_config(["--server", "http://kiosk-lan:8000", "--allow-insecure-http"], {}).allow_insecure_http
