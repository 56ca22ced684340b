"""gunicorn settings for frontdesk, inside the package so an installed copy has them:
    gunicorn -c python:frontdesk.gunicorn_conf 'frontdesk.app:create_app()'
(`frontdesk serve --gunicorn` does this; gunicorn.conf.py in a checkout is the same settings.)

One gevent worker per process, as Flask-SocketIO requires: it holds the WebSocket of every
screen and phone as a greenlet, so thousands of idle connections cost memory, not threads.
More processes need a message queue (message_queue_url in config.toml) and sticky sessions in
the proxy; see README, "Scaling out".
"""

import os

bind = os.environ.get("FRONTDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FRONTDESK_WORKERS", "1"))
# gunicorn's gevent worker patches the standard library before it loads the app, so the app
# picks Flask-SocketIO's gevent mode by itself (frontdesk/green.py).
worker_class = "gevent"
# Open connections per worker: screens, phones and requests together.
worker_connections = int(os.environ.get("FRONTDESK_WORKER_CONNECTIONS", "4000"))
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Each worker runs the timed duties (alert escalation, long-wait alerts, the purge of
    personal data) and a mail sender. They are safe to run in several workers at once: the
    database decides who escalates what, and who sends which message."""
    from frontdesk.mail import MailSender
    from frontdesk.sweeper import Sweeper

    worker.frontdesk_sweeper = Sweeper(worker.wsgi)
    worker.frontdesk_sweeper.start()
    worker.frontdesk_mail = MailSender(worker.wsgi)
    worker.frontdesk_mail.start()


def worker_exit(server, worker):
    for duty in ("frontdesk_mail", "frontdesk_sweeper"):
        running = getattr(worker, duty, None)
        if running is not None:
            running.stop()
