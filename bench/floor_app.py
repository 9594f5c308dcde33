"""A bare ASGI app for `bench/scans.py`: it reads the request and answers a constant of a heartbeat answer's size.
Served by `service.serve` with the service's options at the bench's heartbeat rate, its CPU per request is what the
server itself costs on this machine, the floor under any route's figure."""

ANSWER = b'{"token":"' + b"x" * 300 + b'","expiresAt":"2026-01-01T00:00:00Z"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(ANSWER))]


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})
