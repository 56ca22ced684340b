"""gunicorn -c gunicorn.conf.py 'frontdesk.app:create_app()' from a checkout: the settings live
in the package (frontdesk/gunicorn_conf.py), so an installed copy has them too."""

from frontdesk.gunicorn_conf import *  # noqa: F403
