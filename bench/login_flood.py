"""A login flood from one address against another user's requests: what the flood costs the API, and whether anyone
else notices.

    .venv/bin/python bench/login_flood.py [--seconds 30] [--quiet-seconds 30] [--flood-connections 8]
                                          [--me-interval 0.05] [--people 10] [--sign-in-interval 1] [--workers 2]

Migrates its own bench database on PostgreSQL (`common.BENCH_DB`), makes one user, starts the API
(bcrypt at the service's cost), signs the user in and has them read GET /api/auth/me every --me-interval seconds (open
loop, one keep-alive connection, from a process of its own: the flood's client, handling hundreds of answers at once,
would delay a reader in its own event loop): first for --quiet-seconds alone, then for --seconds while
--flood-connections keep-alive connections from one address post logins as fast as the API answers them, each a
new made-up login id with a wrong password (spraying). Through both phases --people other people sign in with their
right passwords, one every --sign-in-interval seconds in turn, each from an address of their own (the API trusts the
bench as a proxy and reads X-Forwarded-For), from a second process. Reads the API's CPU (its process tree, psutil) and
its database backends' over each phase, stops the server, drops nothing but its own database's schema and prints ONE
final JSON line. Run it beside a busy loop (`yes > /dev/null`) to see a slow machine refuse nobody.
Targets: 0 legitimate sign-ins refused and their p95 ≤ 1 s in both phases; the user's p99 during the flood ≤ 2× its
quiet p99; the API's CPU per refused attempt ≤ 5 ms: the API's CPU from the moment every flooding connection has been
refused (429 or 503) once to the flood's end, less what the user's reads and the people's sign-ins cost at the quiet
rate over that time, over the attempts refused in it. What the address cost before (its wrong
passwords checked and answered 401) is reported apart, as is the whole phase's CPU per refusal.
"""

import argparse
import asyncio
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from common import (
    CpuMeter,
    HttpConnection,
    LoadResult,
    fresh_bench_database,
    load_average,
    print_result,
    remove,
    start_server,
    temp_dir,
    use_bench_database,
)
from scans import every

LOGIN_ID, PASSWORD = "bench-reader", "bench-reader-pass-1"
PERSON_PASSWORD = "bench-person-pass-1"
FLOOD_ADDRESS = "203.0.113.9"
REFUSED = (429, 503)
HEADLINE = (
    "legitimate.quiet.refused",
    "legitimate.quiet.p95_ms",
    "legitimate.flood.refused",
    "legitimate.flood.p95_ms",
    "flood_to_quiet_p99",
    "api_cpu_ms_per_refused",
)


def person_login(number: int) -> str:
    return f"bench-person-{number}"


def person_address(number: int) -> str:
    return f"198.51.100.{number + 1}"


def seed(people: int) -> None:
    from service.database import session_scope
    from tests.factories import make_user

    with session_scope() as db:
        make_user(db, LOGIN_ID, password=PASSWORD, grants={"fleet": "viewer"})
        for number in range(people):
            make_user(db, person_login(number), password=PERSON_PASSWORD, grants={"fleet": "viewer"})


def login_request(login_id: str, password: str, address: str | None = None) -> bytes:
    body = json.dumps({"login_id": login_id, "password": password}).encode()
    head = "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    forwarded = f"X-Forwarded-For: {address}\r\n" if address else ""
    return f"{head}{forwarded}Content-Length: {len(body)}\r\n\r\n".encode() + body


def me_request(token: str) -> bytes:
    return f"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode()


async def sign_in(port: int) -> str:
    connection = HttpConnection(port)
    status, body = await connection.request(login_request(LOGIN_ID, PASSWORD))
    connection.close()
    if status != 200:
        raise SystemExit(f"the user's sign-in was refused: {status} {body[:300]!r}")
    return json.loads(body)["access_token"]


async def read_me(port: int, token: str, interval: float, seconds: float) -> LoadResult:
    """The user's GET /auth/me every `interval` seconds for `seconds`, latency in milliseconds."""
    result, connection, request = LoadResult(), HttpConnection(port), me_request(token)

    async def once() -> None:
        started = time.perf_counter()
        status, _ = await connection.request(request)
        if status == 200:
            result.ok += 1
            result.latencies.append((time.perf_counter() - started) * 1000)
        else:
            result.failed += 1

    await every(interval, 0.0, time.perf_counter() + seconds, once)
    connection.close()
    return result


def reads_of_me(port: int, token: str, interval: float, seconds: float) -> LoadResult:
    return asyncio.run(read_me(port, token, interval, seconds))


async def people_signing_in(port: int, people: int, interval: float, seconds: float) -> LoadResult:
    """The people's sign-ins in turn, one every `interval` seconds (open loop: each on a connection of its own, not
    waiting for the one before), latency in milliseconds; a refusal is a failure."""
    result, started_tasks = LoadResult(), []

    async def one(number: int) -> None:
        request = login_request(person_login(number), PERSON_PASSWORD, person_address(number))
        connection, started = HttpConnection(port), time.perf_counter()
        status, _ = await connection.request(request)
        connection.close()
        if status == 200:
            result.ok += 1
            result.latencies.append((time.perf_counter() - started) * 1000)
        else:
            result.failed += 1

    async def next_person() -> None:
        started_tasks.append(asyncio.create_task(one(len(started_tasks) % people)))

    await every(interval, 0.0, time.perf_counter() + seconds, next_person)
    await asyncio.gather(*started_tasks)
    return result


def sign_ins(port: int, people: int, interval: float, seconds: float) -> LoadResult:
    return asyncio.run(people_signing_in(port, people, interval, seconds))


def sign_in_figures(result: LoadResult) -> dict:
    return {
        "sign_ins": result.ok + result.failed,
        "refused": result.failed,
        "p50_ms": round(result.percentile(0.50), 1),
        "p95_ms": round(result.percentile(0.95), 1),
    }


@dataclass
class Flood:
    """The flood's answers by status; `throttled` measures from the moment every connection has been refused once
    (then no password check of the address is still running), `refused_throttled` counts the refusals after it."""

    connections: int
    throttled: CpuMeter
    statuses: dict[int, int] = field(default_factory=dict)
    refused_senders: set[int] = field(default_factory=set)
    refused_throttled: int = 0

    def answered(self, sender: int, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status not in REFUSED:
            return
        if self.throttled.began_at is not None:
            self.refused_throttled += 1
            return
        self.refused_senders.add(sender)
        if len(self.refused_senders) == self.connections:
            self.throttled.begin()


async def flood(port: int, seconds: float, answers: Flood) -> None:
    """Logins of made-up ids with wrong passwords, back to back on each connection."""
    stop_at = time.perf_counter() + seconds
    sent = 0

    async def sender(number: int) -> None:
        nonlocal sent
        connection = HttpConnection(port)
        while time.perf_counter() < stop_at:
            sent += 1
            status, _ = await connection.request(login_request(f"spray-{sent}", "wrong-password-1", FLOOD_ADDRESS))
            answers.answered(number, status)
        connection.close()

    await asyncio.gather(*(sender(number) for number in range(answers.connections)))


async def measure(server, args, reader: ProcessPoolExecutor, signer: ProcessPoolExecutor) -> dict:
    token = await sign_in(server.port)
    loop = asyncio.get_running_loop()
    reader.submit(int, 0).result()  # the reader's and the signer's processes started before anything is measured
    signer.submit(int, 0).result()
    people = (server.port, args.people, args.sign_in_interval)
    meter = CpuMeter(server.process.pid)
    meter.begin()
    quiet, quiet_sign_ins = await asyncio.gather(
        loop.run_in_executor(reader, reads_of_me, server.port, token, args.me_interval, args.quiet_seconds),
        loop.run_in_executor(signer, sign_ins, *people, args.quiet_seconds),
    )
    quiet_cpu = meter.end()
    meter.begin()
    answers = Flood(args.flood_connections, CpuMeter(server.process.pid))
    during, flood_sign_ins, _ = await asyncio.gather(
        loop.run_in_executor(reader, reads_of_me, server.port, token, args.me_interval, args.seconds),
        loop.run_in_executor(signer, sign_ins, *people, args.seconds),
        flood(server.port, args.seconds, answers),
    )
    throttled, statuses = answers.throttled, answers.statuses
    if throttled.began_at is None:
        raise SystemExit(f"not every flooding connection was refused: {statuses}")
    flood_cpu, throttled_cpu = meter.end(), throttled.end()
    reads_per_second = quiet_cpu["server"] / args.quiet_seconds  # the user's reads and sign-ins at the quiet rate
    refused = sum(statuses.get(status, 0) for status in REFUSED)
    before_throttle = flood_cpu["server"] - throttled_cpu["server"]
    return {
        "legitimate": {"quiet": sign_in_figures(quiet_sign_ins), "flood": sign_in_figures(flood_sign_ins)},
        "quiet_me_p50_ms": round(quiet.percentile(0.50), 1),
        "quiet_me_p99_ms": round(quiet.percentile(0.99), 1),
        "flood_me_p50_ms": round(during.percentile(0.50), 1),
        "flood_me_p99_ms": round(during.percentile(0.99), 1),
        "me_failed": quiet.failed + during.failed,
        "attempts": sum(statuses.values()),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "api_cpu_s": round(flood_cpu["server"], 2),
        "database_cpu_s": round(flood_cpu["database"], 2),
        "api_cpu_s_before_throttle": round(before_throttle, 2),
        "throttled_s": round(throttled.seconds, 1),
        "api_cpu_s_throttled": round(throttled_cpu["server"], 2),
        "reads_cpu_s_throttled": round(reads_per_second * throttled.seconds, 2),  # estimated at the quiet rate
        "refused_throttled": answers.refused_throttled,
        "api_cpu_ms_per_refused": per_refusal(
            throttled_cpu["server"], throttled.seconds, reads_per_second, answers.refused_throttled
        ),
        "api_cpu_ms_per_refused_whole_phase": per_refusal(flood_cpu["server"], args.seconds, reads_per_second, refused),
    }


def per_refusal(api_cpu: float, seconds: float, reads_per_second: float, refused: int) -> float:
    """Milliseconds of the API's CPU per refused attempt over a measurement, less the quiet phase's rate."""
    return round(1000 * max(0.0, api_cpu - reads_per_second * seconds) / max(refused, 1), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--quiet-seconds", type=float, default=30, help="as long as the flood: p99s of as many reads")
    parser.add_argument("--flood-connections", type=int, default=8)
    parser.add_argument("--me-interval", type=float, default=0.05, help="seconds between the user's reads")
    parser.add_argument("--people", type=int, default=10, help="people signing in with their right passwords")
    parser.add_argument("--sign-in-interval", type=float, default=1.0, help="seconds between the people's sign-ins")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    data_dir = temp_dir("daicho-bench-login-flood-")
    server = None
    try:
        use_bench_database(data_dir)
        fresh_bench_database()
        seed(args.people)
        proxy = {"APP_TRUSTED_PROXIES": "127.0.0.1"}
        server = start_server(data_dir, workers=args.workers, start_seconds=240, extra_env=proxy)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as reader, ProcessPoolExecutor(1, mp_context=spawn) as signer:
            figures = asyncio.run(measure(server, args, reader, signer))
    finally:
        if server is not None:
            server.stop()
        remove(data_dir)
    ratio = figures["flood_me_p99_ms"] / max(figures["quiet_me_p99_ms"], 0.001)
    print_result(
        {
            "bench": "login_flood",
            "seconds": args.seconds,
            "flood_connections": args.flood_connections,
            **figures,
            "flood_to_quiet_p99": round(ratio, 2),
            "load_average_1m_at_end": load_average(),
            "targets": {
                "legitimate_refused": 0,
                "legitimate_p95_ms": 1000,
                "flood_to_quiet_p99": 2.0,
                "api_cpu_ms_per_refused": 5.0,
            },
        }
    )


if __name__ == "__main__":
    main()
