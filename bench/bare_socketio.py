"""A bare Flask-SocketIO app: the floor that frontdesk's live figures are compared with.

    .venv/bin/python bench/bare_socketio.py --port 8001 [--async-mode auto|gevent|threading]
                                            [--message-queue redis://127.0.0.1:6379/0]

The same server and async mode as `frontdesk serve` (gevent with pywsgi, monkey-patched, when
gevent is installed; `auto` picks it, else Flask-SocketIO's threading mode), started the same
way (`socketio.run`), with stand-ins for the routes `bench/live_load.py` drives and nothing
else: no database, no auth, no queue.

  POST /api/v1/tickets                 a small JSON ticket (the "issue" stand-in), 201
  POST /api/v1/desks/<n>/call-next     emits `ticket.called` to every client, returns the ticket
  POST /api/v1/tickets/<id>/finish     a small JSON reply
  POST /api/v1/session, GET /api/v1/services   so the same clients and readiness check work

Every connection joins one room and is sent a small `state`, as frontdesk's displays are.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--async-mode", default="auto", choices=["auto", "gevent", "threading"])
    parser.add_argument("--message-queue", help="Redis URL, as frontdesk's message_queue_url")
    args = parser.parse_args()
    mode = args.async_mode
    if mode == "auto":
        try:
            import gevent  # noqa: F401

            mode = "gevent"
        except ImportError:
            mode = "threading"
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    serve(args.host, args.port, mode, args.message_queue)


def serve(host: str, port: int, mode: str, message_queue: str | None) -> None:
    import itertools
    import os
    from datetime import UTC, datetime

    from flask import Flask, jsonify
    from flask_socketio import SocketIO, emit, join_room

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "bare"
    socketio = SocketIO(app, async_mode=mode, message_queue=message_queue)
    issued = itertools.count(1)
    called = itertools.count(1)
    # Numbers unique across processes, so clients of two bare servers can match them.
    prefix = f"P{os.getpid()}-"

    def ticket(number: str, status: str) -> dict:
        return {
            "id": number,
            "number": number,
            "service": "registration",
            "status": status,
            "issued_at": datetime.now(UTC).isoformat(),
        }

    @socketio.on("connect")
    def connect(auth=None):
        join_room("displays")
        emit("state", {"office": "bare", "calls": [], "services": [], "at": 0})

    @app.post("/api/v1/session")
    def session():
        return jsonify({"username": "bare", "role": "clerk"})

    @app.get("/api/v1/services")
    def services():
        return jsonify({"services": []})

    @app.post("/api/v1/tickets")
    def issue():
        return jsonify(ticket(f"{prefix}{next(issued)}", "waiting")), 201

    @app.post("/api/v1/desks/<int:desk>/call-next")
    def call_next(desk: int):
        body = ticket(f"{prefix}{next(called)}", "called") | {"desk": desk}
        socketio.emit(
            "ticket.called",
            {
                "number": body["number"],
                "desk": desk,
                "service": body["service"],
                "language": "pl",
                "status": "called",
                "called_at": body["issued_at"],
                "recalls": 0,
            },
            to="displays",
        )
        return jsonify(body)

    @app.post("/api/v1/tickets/<ticket_id>/finish")
    def finish(ticket_id: str):
        return jsonify(ticket(ticket_id, "done"))

    print(
        f"bare Flask-SocketIO app, async_mode={socketio.async_mode}, on {host}:{port}", flush=True
    )
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)


if __name__ == "__main__":
    main()
