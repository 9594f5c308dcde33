"""A local HTTP server standing in for a provider's documented API: records requests, answers as told."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeApi:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    reply: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # sent with the answer (Retry-After)

    def answer(self, status: int, reply: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.reply, self.headers = status, reply, headers or {}


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            api.requests.append(Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            payload = api.reply if isinstance(api.reply, bytes) else json.dumps(api.reply).encode()
            self.send_response(api.status)
            self.send_header("Content-Type", "text/plain" if isinstance(api.reply, bytes) else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in api.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve() -> Iterator[FakeApi]:
    api = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
