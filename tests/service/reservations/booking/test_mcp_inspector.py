"""The MCP endpoint as the official MCP Inspector (its CLI, pinned in tools/jscheck) sees it against the live server:
it lists the tools without a schema problem (--strict), reads a refusal as a structured Japanese error that fits the
tool's output schema, and a wrong API key stops it with the service's Japanese 401."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.service.reservations.conftest import make_mcp_client
from tools.js_check import JSCHECK, ensure_node_packages

pytestmark = [
    pytest.mark.embedded_only,
    pytest.mark.outside,
]  # the client's view depends on no backend: one pass checks it

INSPECTOR = JSCHECK / "node_modules" / ".bin" / "mcp-inspector"
HINTS = {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
TOOL_IS_ERROR = 5  # the CLI's exit status for an error result it printed (an answer it could not check is another)
DEADLINE_SECONDS = 120  # a deadline for a hung CLI, not a wait: one run takes about a second


@pytest.fixture(scope="module", autouse=True)
def inspector_installed() -> None:
    ensure_node_packages()


def inspector(live_api: str, key: str, home: Path, *arguments: str) -> subprocess.CompletedProcess:
    """One run of the Inspector's CLI on /mcp with the key as its Bearer token, its stores in `home`. It takes any 401
    for a server wanting OAuth and would start an interactive login; --stored-auth-only makes it report the
    server's answer instead."""
    command: list[str] = [
        shutil.which("node") or "node",
        str(INSPECTOR),
        "--cli",
        f"{live_api}/mcp",
        "--transport",
        "http",
    ]
    command += ["--header", f"Authorization: Bearer {key}", "--format", "json", "--stored-auth-only"]
    command += arguments
    env = os.environ | {"HOME": str(home)}
    return subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_SECONDS, env=env, check=False)


def test_the_inspector_lists_the_tools_without_a_schema_problem_and_reads_a_refusal(live_api, catalog, tmp_path):
    key = make_mcp_client()[1]
    listed = inspector(live_api, key, tmp_path, "--method", "tools/list", "--strict")
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr  # --strict reports even a warning
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["result"]["tools"]}
    assert set(tools) == {"list_services", "create_reservation", "get_reservation_status", "cancel_reservation"}
    assert all(set(tool["annotations"]) == HINTS for tool in tools.values())

    call = ["--method", "tools/call", "--tool-name", "get_reservation_status", "--tool-args-json"]
    refused = inspector(live_api, key, tmp_path, *call, '{"reservation_id": 7}')
    assert refused.returncode == TOOL_IS_ERROR and "tool_is_error" in refused.stderr, refused.stderr
    result = json.loads(refused.stdout)["result"]
    error = result["structuredContent"]["error"]
    assert result["isError"] is True and json.loads(result["content"][0]["text"])["error"] == error
    assert error["code"] == "validation_failed" and error["details"][0]["loc"] == ["reservation_id"]
    assert "入力" in error["message"]


def test_a_wrong_key_stops_the_inspector_with_the_services_japanese_refusal(live_api, tmp_path):
    wrong = inspector(live_api, "qrv_not-a-key", tmp_path, "--method", "tools/list")
    assert wrong.returncode != 0 and wrong.stdout == ""
    said = json.loads(wrong.stderr)["error"]["message"]
    assert "invalid_api_key" in said and "APIキーが正しくないか、無効になっています" in said
