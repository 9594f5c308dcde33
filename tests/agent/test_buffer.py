"""The on-disk event buffer: order, persistence, acknowledgement and the bound."""

from pathlib import Path

from agent.buffer import EventBuffer, new_event


def test_events_stay_until_acknowledged_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    buffer = EventBuffer(path, max_events=100)
    first, second = new_event("info", "a", "first"), new_event("error", "b", "second")
    buffer.append(first)
    buffer.append(second)
    assert buffer.peek(10) == [first, second]
    buffer.close()

    reopened = EventBuffer(path, max_events=100)
    assert reopened.peek(1) == [first]
    reopened.acknowledge([first])
    assert reopened.peek(10) == [second]
    assert len(reopened) == 1


def test_full_buffer_drops_the_oldest_and_counts_them(tmp_path: Path) -> None:
    buffer = EventBuffer(tmp_path / "events.sqlite3", max_events=3)
    events = [new_event("info", "tick", str(i)) for i in range(5)]
    for event in events:
        buffer.append(event)

    assert [e.message for e in buffer.peek(10)] == ["2", "3", "4"]
    assert buffer.take_dropped() == 2
    assert buffer.take_dropped() == 0


def test_same_event_appended_twice_is_stored_once(tmp_path: Path) -> None:
    buffer = EventBuffer(tmp_path / "events.sqlite3", max_events=10)
    event = new_event("warning", "kind", "x" * 5000)
    buffer.append(event)
    buffer.append(event)
    assert len(buffer) == 1
    assert len(buffer.peek(1)[0].message) == 2000
