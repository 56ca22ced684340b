"""Flask extensions, created bare and bound to an app in create_app().

Flask-SocketIO is not here: create_app() makes one server per app."""

from flask_babel import Babel
from flask_login import LoginManager

babel = Babel()
login_manager = LoginManager()
