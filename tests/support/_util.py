"""Small helpers shared by the server plugins."""

import socket

INSTALL_HINT = "run scripts/install-test-deps.sh (or `make test`, which runs it)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
