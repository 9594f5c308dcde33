"""The picture decoder: `python -m service.pictures.decoder API_PID`, started by an API process (decoding.py).

It imports Pillow with every format's plugin once, listens on a Unix socket in a private directory (printing the
socket's path once it listens) and forks a fresh child per connection: the child writes its pid, reads the size and
the framed pictures, writes back each one's thumbnail and conversion, framed, and exits. The memory a decode takes
goes with the child, and a hostile picture never reaches the next upload's. The decoder exits, after its children,
once the API process is gone or its socket was removed (by a cleaner of old files in /tmp, say: the API then starts
another)."""

import os
import socketserver
import sys
import tempfile
from contextlib import suppress

from PIL import Image

from service.pictures.thumbnails import FRAME, decode_whole, framed, read_number, unframed

SOCKET_NAME = "decoder.sock"


class Decoding(socketserver.StreamRequestHandler):
    """One upload, in the child forked for it."""

    def handle(self) -> None:
        self.wfile.write(FRAME.pack(os.getpid()))
        size = read_number(self.rfile)
        pictures = list(unframed(self.rfile))
        decoded = [(None, None) if data is None else decode_whole(data, size) for data in pictures]
        self.wfile.write(framed([part for pair in decoded for part in pair]))


class DecoderServer(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    timeout = 0.5  # seconds between looks at whether the API process is still there


def serve_while_reachable(server: DecoderServer, socket_path: str, api_pid: int) -> None:
    """An API process that is gone leaves the decoder another parent."""
    while os.getppid() == api_pid and os.path.exists(socket_path):
        server.handle_request()
        server.service_actions()  # reaps the children that have exited


def remove(socket_path: str) -> None:
    """The socket and its private directory, which a killed decoder leaves behind."""
    with suppress(FileNotFoundError):
        os.unlink(socket_path)
    with suppress(FileNotFoundError):
        os.rmdir(os.path.dirname(socket_path))


def main() -> None:
    api_pid = int(sys.argv[1])
    Image.init()  # every format's plugin imported here, once, not by each child's first open
    socket_path = os.path.join(tempfile.mkdtemp(prefix="daicho-decoder-"), SOCKET_NAME)  # mode 0700
    try:
        with DecoderServer(socket_path, Decoding) as server:
            print(socket_path, flush=True)
            serve_while_reachable(server, socket_path, api_pid)
    finally:
        remove(socket_path)


if __name__ == "__main__":
    main()
