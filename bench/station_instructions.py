"""Instructions per station request: one API worker under valgrind's callgrind, requests sent one after another.

    .venv/bin/python bench/station_instructions.py [--requests 500]

CPU time per request swings by up to 30 % on this shared machine from one minute to the next; the number of
instructions a request executes does not (±0.3 % between runs), so this bench tells whether a change to the hot path
made it cheaper. Seeds stations in its own bench database, then for the API and for the bare ASGI app
(`bench/floor_app.py`: the server's own cost per request) starts one worker under callgrind with collection off,
warms it with 200 requests of each kind, counts the instructions of --requests station heartbeats, then (API only) of
--requests scans of distinct parents, and stops it. Each request presents its station's token as a station does: the
one its last heartbeat renewed. Prints one JSON line; `above_bare_server` is what the service
itself adds. A scan's count is the API worker's own: the database's work is not in it. Needs valgrind (on every
machine here). Instructions under valgrind differ from a native run in one place: valgrind offers no SHA extensions,
so the HMAC of a token costs more here (about 11,000 instructions) than natively.
"""

import argparse
import asyncio
import itertools
import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import common
from scans import HEARTBEAT, SCAN, scan_body, seed

HEADLINE = ("heartbeat_above_bare_server", "scan_above_bare_server")
WARM_UP = 200
STATIONS = 10


Request = tuple[dict, str, bytes]  # the station, the path, the body: made into a request with the station's token


def heartbeat_requests(stations: list[dict]) -> Iterator[Request]:
    for station in itertools.cycle(stations):
        yield station, HEARTBEAT, b""


def scan_requests(stations: list[dict]) -> Iterator[Request]:
    """New scans: each parent of each nursery once, alternating entries and exits (none repeats an earlier one)."""
    for index, (parent_index, station) in enumerate(itertools.product(range(len(stations[0]["parents"])), stations)):
        yield station, SCAN, scan_body(station["parents"][parent_index], ("Entry", "Exit")[index % 2], uuid.uuid4().hex)


async def send(port: int, requests: Iterator[Request], count: int, *, adopt: bool) -> None:
    """The requests one after another, each with its station's current token: with `adopt` (the API, not the bare
    app), the one its last heartbeat renewed, as a station presents it."""
    connection = common.HttpConnection(port)
    try:
        for station, path, body in itertools.islice(requests, count):
            status, answer = await connection.request(common.post_request(path, body, station["token"]))
            if status not in (200, 201):
                raise SystemExit(f"a station request answered {status}: {answer[:200]!r}")
            if path == HEARTBEAT and adopt:
                station["token"] = json.loads(answer)["token"]
    finally:
        connection.close()


def callgrind(pid: int, *options: str) -> None:
    subprocess.run(["callgrind_control", *options, str(pid)], check=True, capture_output=True)


def instructions_per_request(
    server: common.Server, out: Path, requests: Iterator[Request], count: int, *, adopt: bool
) -> int:
    """Warm the worker, then count the instructions of `count` requests (collection on only around them)."""
    pid = server.process.pid
    asyncio.run(send(server.port, requests, WARM_UP, adopt=adopt))
    callgrind(pid, "-i", "on")
    asyncio.run(send(server.port, requests, count, adopt=adopt))
    callgrind(pid, "-i", "off")
    callgrind(pid, "-d")
    dumps = sorted(out.parent.glob(f"{out.name}.{pid}.*"), key=lambda dump: int(dump.suffix[1:]))
    totals = [line for line in dumps[-1].read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1]) // count


def measure(data_dir: Path, stations: list[dict], count: int, app: str | None) -> dict[str, int]:
    """Instructions per heartbeat and (for the API) per scan, in one worker started under callgrind."""
    out = data_dir / ("bare" if app else "api")
    under = ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p")
    server = common.start_server(data_dir, workers=1, app=app, under=under, start_seconds=600)
    try:
        api = app is None
        figures = {"heartbeat": instructions_per_request(server, out, heartbeat_requests(stations), count, adopt=api)}
        if api:
            figures["scan"] = instructions_per_request(server, out, scan_requests(stations), count, adopt=api)
        return figures
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    data_dir = common.temp_dir("daicho-bench-instructions-")
    with ExitStack() as cleanup:
        cleanup.callback(common.remove, data_dir)
        common.use_bench_database(data_dir)
        common.fresh_bench_database()
        stations = seed(STATIONS)[0]
        api = measure(data_dir, stations, args.requests, None)
        bare = measure(data_dir, stations, args.requests, "bench.floor_app:app")["heartbeat"]
    common.print_result(
        {
            "bench": "station_instructions",
            "requests": args.requests,
            "instructions_per_heartbeat": api["heartbeat"],
            "instructions_per_scan": api["scan"],
            "bare_server_instructions_per_request": bare,
            "heartbeat_above_bare_server": api["heartbeat"] - bare,
            "scan_above_bare_server": api["scan"] - bare,
        }
    )


if __name__ == "__main__":
    main()
