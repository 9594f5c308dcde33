"""Agent configuration: file, environment overrides and the rules they must keep."""

from pathlib import Path

import pytest

from agent.config import AgentConfig, ConfigError, load_config


def test_toml_file_then_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text('server_url = "https://tms.example.jp"\ninterval_seconds = 120\ndevice = "simulated"\n')
    env = {
        "DAICHO_AGENT_INTERVAL_SECONDS": "60",
        "DAICHO_AGENT_STATE_DIR": str(tmp_path / "state"),
        "DAICHO_AGENT_ALLOW_INSECURE_HTTP": "false",
    }

    config = load_config(path, env)

    assert config.server_url == "https://tms.example.jp"
    assert config.interval_seconds == 60
    assert config.device == "simulated"
    assert config.state_dir == tmp_path / "state"
    assert config.token_path == tmp_path / "state" / "token"


def test_json_file_named_by_environment(tmp_path: Path) -> None:
    path = tmp_path / "agent.json"
    path.write_text('{"splay_seconds": 0, "serial_port": "COM7", "device": "serial"}')

    config = load_config(None, {"DAICHO_AGENT_CONFIG": str(path)})

    assert (config.splay_seconds, config.serial_port, config.device) == (0.0, "COM7", "serial")


@pytest.mark.parametrize(
    ("content", "env", "rule"),
    [
        ("intervall = 5\n", {}, "unknown config keys: intervall"),
        ("interval_seconds = 'soon'\n", {}, "interval_seconds must be a int"),
        ("interval_seconds = 2.5\n", {}, "interval_seconds must be a int"),
        ("", {"DAICHO_AGENT_INTERVAL_SECONDS": "0"}, "interval_seconds must be between"),
        ("", {"DAICHO_AGENT_DEVICE": "usb"}, "device must be one of"),
        ("", {"DAICHO_AGENT_ALLOW_INSECURE_HTTP": "maybe"}, "allow_insecure_http must be a bool"),
        ("server_url = 'http://tms.example.jp'\n", {}, "must use https"),
        ("server_url = 'ftp://tms.example.jp'\n", {}, "must be an http(s) URL"),
        ("buffer_max_events = 0\n", {}, "buffer_max_events must be positive"),
        ("[section]\nkey = 1\n", {}, "unknown config keys: section"),
        ("interval_seconds = \n", {}, "is not valid toml"),
    ],
)
def test_bad_configuration_names_the_rule(tmp_path: Path, content: str, env: dict, rule: str) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=rule.replace("(", r"\(").replace(")", r"\)")):
        load_config(path, env)


def test_plain_http_allowed_to_this_machine_or_when_asked() -> None:
    assert AgentConfig(server_url="http://127.0.0.1:8000").server_url.startswith("http://")
    assert AgentConfig(server_url="http://localhost:8000").server_url.startswith("http://")
    assert AgentConfig(server_url="http://tms.lan", allow_insecure_http=True).allow_insecure_http


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml", {})
