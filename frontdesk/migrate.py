"""Alembic, driven from the `frontdesk db` commands."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

# Inside the package, so an installed wheel can migrate without a checkout.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def head() -> str | None:
    """The newest schema revision this version of frontdesk knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()
