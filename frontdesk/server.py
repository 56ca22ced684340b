"""The built-in production server: `python -m frontdesk.server --host H --port P`.

`frontdesk serve` and `frontdesk demo` hand over to this module in a fresh interpreter, because
gevent must patch the standard library before anything imports it (see frontdesk/green.py).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402  (after patching, on purpose)
import socket  # noqa: E402
import sys  # noqa: E402

from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m frontdesk.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=8000, type=int)
    parser.add_argument(
        "--demo", action="store_true", help="may make up a secret key (frontdesk demo)"
    )
    args = parser.parse_args(argv)

    from frontdesk.app import create_app
    from frontdesk.mail import MailSender
    from frontdesk.security import MissingSecretKey
    from frontdesk.settings import ConfigError
    from frontdesk.sweeper import Sweeper

    try:
        app = create_app(dev_secret=args.demo)
    except ConfigError as exc:
        print(f"The configuration has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        sys.exit(1)
    except MissingSecretKey as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    sweeper = Sweeper(app)
    sweeper.start()
    mail = MailSender(app)
    mail.start()
    print(f"frontdesk serving on http://{args.host}:{args.port} (gevent)", flush=True)
    # gevent's WSGI server, as Flask-SocketIO's own run() builds it, with WebSockets through
    # simple-websocket, but with Nagle's algorithm off: pywsgi writes headers and body
    # separately, and on a keep-alive connection the body would wait ~40 ms for the client's
    # delayed ACK. No access log: at hundreds of requests a second it costs more than they do.
    server = WSGIServer((args.host, args.port), app, handler_class=NoDelayHandler, log=None)
    try:
        server.serve_forever()
    finally:
        mail.stop()
        sweeper.stop()


class NoDelayHandler(WSGIHandler):
    def handle(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle()


if __name__ == "__main__":
    main()
