"""Where rendered tickets go: a file or device node, a raw TCP printer, or nowhere.

Every backend only moves bytes; all ESC/POS knowledge stays in `layout`. Failures surface
as `PrinterUnavailable` so the print queue has exactly one exception to retry on.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Protocol, runtime_checkable


class PrinterUnavailable(Exception):
    """The printer could not take the job; the message says why, for the staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@runtime_checkable
class TicketPrinter(Protocol):
    """Something that accepts raw ESC/POS bytes."""

    def send(self, data: bytes) -> None:
        """Deliver one whole job or raise `PrinterUnavailable`."""
        ...

    def probe(self) -> bool:
        """Say whether `send` would currently reach the printer, without printing."""
        ...


class FilePrinter:
    """Append jobs to a file: a capture file in development, or a device such as /dev/usb/lp0."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def send(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Append, so a capture file keeps every ticket and a device node is not truncated.
            with self.path.open("ab") as out:
                out.write(data)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot write to {self.path}: {exc}") from exc

    def probe(self) -> bool:
        if self.path.exists():
            # A device node is writable by its group even when /dev/usb itself is not.
            return os.access(self.path, os.W_OK)
        # send() creates missing directories, so the nearest existing ancestor must allow it.
        parent = self.path.parent.absolute()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)

    def __repr__(self) -> str:
        return f"FilePrinter({str(self.path)!r})"


class NetworkPrinter:
    """A printer on the raw TCP port (JetDirect / "port 9100"): connect, send, close.

    Plain sockets rather than escpos.printer.Network: that class keeps a connection open
    across jobs and logs instead of raising in places; one connection per job means a
    printer that was power-cycled between tickets needs no reconnect logic.
    """

    def __init__(self, host: str, port: int = 9100, timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        try:
            # The timeout covers connect and every send: a printer that stops reading
            # (paper out, lid open) fails the job instead of hanging the worker forever.
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(data)
                # FIN first so the printer sees the job end; then discard anything it sent
                # (some report status unasked): closing with unread input makes the kernel
                # reset the connection, which can throw away the tail of the ticket.
                sock.shutdown(socket.SHUT_WR)
                _drain(sock)
        except OSError as exc:
            raise PrinterUnavailable(
                f"printer {self.host}:{self.port} unreachable: {str(exc) or type(exc).__name__}"
            ) from exc

    def probe(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout):
                return True
        except OSError:
            return False

    def __repr__(self) -> str:
        return f"NetworkPrinter({self.host!r}, {self.port}, timeout={self.timeout})"


class NullPrinter:
    """Discard every job: for offices without a ticket printer."""

    def send(self, data: bytes) -> None:
        pass

    def probe(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "NullPrinter()"


def make_printer(backend: str, *, path: str, host: str, port: int, timeout: float) -> TicketPrinter:
    """Build the backend named in the settings ("file", "network", or "none"/"null")."""
    match backend.strip().lower():
        case "file":
            return FilePrinter(path)
        case "network":
            return NetworkPrinter(host, port, timeout)
        case "none" | "null":
            return NullPrinter()
        case _:
            raise ValueError(f"unknown printer backend {backend!r}: use file, network or none")


def _drain(sock: socket.socket) -> None:
    """Read whatever is already waiting, without waiting for more."""
    sock.setblocking(False)
    try:
        while sock.recv(4096):
            pass
    except OSError:  # nothing waiting (BlockingIOError) or already gone: the job is out
        pass
