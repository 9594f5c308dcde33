"""再起動 end to end: an operator asks, the agent restarts the TC-200's payment application once, reports, and the
terminal's events say so in Japanese; an agent stopped in the middle concludes it when it starts again."""

import pytest

from agent.client import Command
from agent.device import SimulatedTC200
from agent.main import Agent
from tests.agent.conftest import AgentFactory, Fleet


def ask_restart(fleet: Fleet, terminal_id: int) -> int:
    return fleet.call("POST", f"/terminals/{terminal_id}/restart", 201)["id"]


def finished(fleet: Fleet, terminal_id: int, command_id: int) -> tuple[str, str, str]:
    command = fleet.commands(terminal_id)[command_id]
    return command["status"], command["state"], command["message"]


def restart_with(fleet: Fleet, enrolled: tuple[Agent, int], **behaviour: str) -> tuple[Agent, int, int]:
    """The simulated terminal set as told, heard, asked to restart, and the agent's next cycle run."""
    agent, terminal_id = enrolled
    for knob, value in behaviour.items():
        setattr(agent.device.behaviour, knob, value)
    agent.run_once()
    command_id = ask_restart(fleet, terminal_id)
    agent.run_once()
    return agent, terminal_id, command_id


def test_a_restart_clears_a_hung_payment_app_once_and_the_events_say_so(fleet: Fleet, enrolled) -> None:
    agent, terminal_id, command_id = restart_with(fleet, enrolled, error_message="決済アプリ応答なし")

    assert fleet.terminal(terminal_id)["status"] == "error", "as its last beat, before the restart, said"
    assert agent.device.restarts == 1
    assert finished(fleet, terminal_id, command_id) == ("done", "succeeded", "決済アプリを再起動しました")
    agent.run_once()  # the next beat: the terminal healthy again, the events sent
    assert fleet.terminal(terminal_id)["status"] == "online"
    said = {(e["kind"], e["message"]) for e in fleet.events(terminal_id)}
    assert ("command_succeeded", f"コマンド #{command_id}: 決済アプリを再起動しました") in said
    assert ("device_recovered", "端末が復旧しました") in said

    agent.commands.run(Command(str(command_id), "restart", {}))  # handed out again: reported again, not run
    assert agent.device.restarts == 1


def test_a_restart_the_terminal_refuses_is_reported_failed(fleet: Fleet, enrolled) -> None:
    agent, terminal_id, command_id = restart_with(fleet, enrolled, fail_restart="決済処理中のため再起動できません")
    agent.run_once()  # the events go with the next beat

    status, state, message = finished(fleet, terminal_id, command_id)
    assert (status, state) == ("failed", "failed")
    assert message == "端末が再起動できませんでした: 決済処理中のため再起動できません"
    assert any(e["kind"] == "command_failed" and message in e["message"] for e in fleet.events(terminal_id))


def test_a_restart_leaving_the_terminal_in_error_says_so(fleet: Fleet, enrolled) -> None:
    _, terminal_id, command_id = restart_with(fleet, enrolled, error_after_restart="カードリーダー\n応答なし")

    assert finished(fleet, terminal_id, command_id) == (
        "done",
        "succeeded",
        "決済アプリを再起動しました（再起動後も端末がエラーを報告しています: カードリーダー 応答なし）",
    )


class StopsInRestart(SimulatedTC200):
    """The agent's process ends while the terminal restarts (the service stopped, the PC shut down)."""

    def restart_app(self) -> None:
        raise KeyboardInterrupt


def test_an_agent_stopped_in_a_restart_concludes_it_when_it_starts_again_without_restarting_twice(
    fleet: Fleet, make_agent: AgentFactory
) -> None:
    terminal_id = fleet.new_terminal("TC200-S0001")
    agent = make_agent("TC200-S0001", StopsInRestart("TC200-S0001"))
    agent.enroll(fleet.enrollment_code(terminal_id))
    agent.run_once()
    command_id = ask_restart(fleet, terminal_id)
    with pytest.raises(KeyboardInterrupt):
        agent.run_once()
    assert finished(fleet, terminal_id, command_id)[0] == "sent"
    agent.close()

    again = make_agent("TC200-S0001")  # the same state folder, the terminal answering
    again.run_once()

    assert again.device.restarts == 0, "never run a second time"
    assert finished(fleet, terminal_id, command_id) == (
        "done",
        "succeeded",
        "エージェントが再起動の途中で停止しました。再開後、端末は正常に応答しています",
    )
    assert again.store.state.commands[str(command_id)]["reported"]
