"""gunicorn settings for frontdesk:  gunicorn -c gunicorn.conf.py 'frontdesk.app:create_app()'

Flask-SocketIO runs in threading mode: one worker process with many threads serves the
WebSocket connections of every screen. More workers need a message queue (message_queue_url
in config.toml) and sticky sessions in the proxy; see README, "Scaling out".
"""

import os

bind = os.environ.get("FRONTDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FRONTDESK_WORKERS", "1"))
worker_class = "gthread"
threads = int(os.environ.get("FRONTDESK_THREADS", "100"))
# WebSocket connections stay open; gthread keeps them on their threads without a timeout.
timeout = 60
graceful_timeout = 20
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Each worker runs the timed duties (alert escalation, long-wait alerts). They are safe
    to run in several workers at once: the database decides who escalates what."""
    from frontdesk.sweeper import Sweeper

    worker.frontdesk_sweeper = Sweeper(worker.wsgi)
    worker.frontdesk_sweeper.start()


def worker_exit(server, worker):
    sweeper = getattr(worker, "frontdesk_sweeper", None)
    if sweeper is not None:
        sweeper.stop()
