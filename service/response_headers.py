"""What every response carries: its request id and the security headers."""

from starlette.types import Message, Send

from clientkit.security_headers import SECURITY_HEADERS


def with_response_headers(send: Send, request_id: str) -> Send:
    """Tag the response with the request id and the security headers (a route's own CSP, if any, is kept)."""
    header = (b"x-request-id", request_id.encode())

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            extra = [item for item in SECURITY_HEADERS if item[0] not in present]
            message["headers"] = [*headers, header, *extra]
        await send(message)

    return wrapped
