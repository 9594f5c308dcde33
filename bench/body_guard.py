"""Anonymous large bodies: four 199 MB multipart posts to /api/auth/login at once, and the API's memory around them.

    .venv/bin/python bench/body_guard.py [--posts 4] [--body-mb 199]

Migrates a SQLite database in a temp folder (nothing here reaches the database: the body guard answers first), starts
the API with one worker, reads its resident memory (psutil, the server's process tree), sends the posts without
credentials, each declaring its length and streaming its body until the server answers, reads the memory again,
stops the server, removes the folder and prints ONE final JSON line.
Target: every post refused with 413 before its body is read, and the API's memory no larger for them.
"""

import argparse
import asyncio
import subprocess
import sys

from common import ROOT, print_result, remove, start_server, temp_dir

MB = 1024 * 1024
BOUNDARY = "daichobench"


def resident_mb(pid: int) -> float:
    """Resident memory of a process and its children (the server's master and workers), in MB."""
    import psutil

    root = psutil.Process(pid)
    return round(sum(process.memory_info().rss for process in [root, *root.children(recursive=True)]) / MB, 1)


def multipart_chunks(size: int):
    """A multipart body of exactly `size` bytes, one file part filled with zeros, in 1 MB chunks."""
    opening = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    closing = f"\r\n--{BOUNDARY}--\r\n".encode()
    yield opening
    filler = size - len(opening) - len(closing)
    while filler > 0:
        yield bytes(min(MB, filler))
        filler -= MB
    yield closing


async def anonymous_post(port: int, size: int) -> int:
    """POST the body to /api/auth/login without credentials until the server answers; the answer's status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {size}\r\n\r\n"
        ).encode()
    )
    answer = asyncio.create_task(reader.readuntil(b"\r\n\r\n"))
    try:
        for chunk in multipart_chunks(size):
            if answer.done():
                break
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed the connection before the body was sent
    head = await answer
    writer.close()
    return int(head[9:12])


async def post_all(port: int, posts: int, size: int) -> list[int]:
    return list(await asyncio.gather(*(anonymous_post(port, size) for _ in range(posts))))


def migrate(database_url: str) -> None:
    command = [sys.executable, "-m", "alembic", "-x", f"url={database_url}", "upgrade", "heads"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4)
    parser.add_argument("--body-mb", type=int, default=199)
    args = parser.parse_args()
    data_dir = temp_dir("daicho-bench-body-guard-")
    database_url = f"sqlite:///{data_dir / 'bench.db'}"
    server = None
    try:
        migrate(database_url)
        server = start_server(data_dir, workers=1, extra_env={"APP_DATABASE_URL": database_url})
        before = resident_mb(server.process.pid)
        statuses = asyncio.run(post_all(server.port, args.posts, args.body_mb * MB))
        after = resident_mb(server.process.pid)
    finally:
        if server is not None:
            server.stop()
        remove(data_dir)
    print_result(
        {
            "bench": "body_guard",
            "posts": args.posts,
            "body_mb": args.body_mb,
            "rss_before_mb": before,
            "rss_after_mb": after,
            "statuses": statuses,
        }
    )


if __name__ == "__main__":
    main()
