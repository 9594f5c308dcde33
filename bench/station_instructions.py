"""Instructions per station heartbeat: one API worker under valgrind's callgrind, heartbeats sent one after another.

    .venv/bin/python bench/station_instructions.py [--heartbeats 500]

CPU time per request swings by up to 30 % on this shared machine from one minute to the next; the number of
instructions a request executes does not (±0.3 % between runs), so this bench tells whether a change to the hot path
made it cheaper. Seeds stations in the `bench` database, then for the API and for the bare ASGI app
(`bench/floor_app.py`: the server's own cost per request) starts one worker under callgrind with collection off,
warms it with 200 heartbeats, counts the instructions of --heartbeats more on one connection, and stops it.
Prints one JSON line; `above_bare_server` is what the service itself adds. Needs valgrind (on every machine here).
Instructions under valgrind differ from a native run in one place: valgrind offers no SHA extensions, so the HMAC of
a token costs more here (about 11,000 instructions) than natively.
"""

import argparse
import asyncio
import subprocess
from contextlib import ExitStack
from pathlib import Path

import common
from scans import HEARTBEAT, seed

WARM_UP = 200
STATIONS = 10


async def heartbeats(port: int, tokens: list[str], count: int) -> None:
    connection = common.HttpConnection(port)
    try:
        for index in range(count):
            status, _ = await connection.request(common.post_request(HEARTBEAT, b"", tokens[index % len(tokens)]))
            if status != 200:
                raise SystemExit(f"a heartbeat answered {status}")
    finally:
        connection.close()


def callgrind(pid: int, *options: str) -> None:
    subprocess.run(["callgrind_control", *options, str(pid)], check=True, capture_output=True)


def instructions_per_heartbeat(server: common.Server, out: Path, tokens: list[str], count: int) -> int:
    """Warm the worker, then count the instructions of `count` heartbeats (collection on only around them)."""
    pid = server.process.pid
    asyncio.run(heartbeats(server.port, tokens, WARM_UP))
    callgrind(pid, "-i", "on")
    asyncio.run(heartbeats(server.port, tokens, count))
    callgrind(pid, "-i", "off")
    callgrind(pid, "-d")
    dumps = sorted(out.parent.glob(f"{out.name}.{pid}.*"))
    totals = [line for line in dumps[-1].read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1]) // count


def measure(data_dir: Path, tokens: list[str], count: int, app: str | None) -> int:
    out = data_dir / ("bare" if app else "api")
    under = ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p")
    server = common.start_server(data_dir, workers=1, app=app, under=under, start_seconds=600)
    try:
        return instructions_per_heartbeat(server, out, tokens, count)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heartbeats", type=int, default=500)
    args = parser.parse_args()
    data_dir = common.temp_dir("daicho-bench-instructions-")
    with ExitStack() as cleanup:
        cleanup.callback(common.remove, data_dir)
        common.use_bench_database(data_dir)
        common.fresh_bench_database()
        tokens = [station["token"] for station in seed(STATIONS)[0]]
        api = measure(data_dir, tokens, args.heartbeats, None)
        bare = measure(data_dir, tokens, args.heartbeats, "bench.floor_app:app")
    common.print_result(
        {
            "bench": "station_instructions",
            "heartbeats": args.heartbeats,
            "instructions_per_heartbeat": api,
            "bare_server_instructions_per_request": bare,
            "above_bare_server": api - bare,
        }
    )


if __name__ == "__main__":
    main()
