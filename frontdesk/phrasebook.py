"""The clerks' phrasebook: a TOML file the office edits (frontdesk/data/phrasebook.toml by
default, `phrasebook` in config.toml otherwise), read again whenever it changes."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from frontdesk.settings import IDENTIFIER, ConfigError, Names

# Phrases the console uses by id: at a queue-jump demand, and after a transfer.
REQUIRED = ("queue_jump", "transfer")


class Phrase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENTIFIER)
    title: Names
    text: Names


class Phrasebook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    phrases: tuple[Phrase, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> Phrasebook:
        ids = [p.id for p in self.phrases]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"used twice: {', '.join(twice)}")
        missing = [i for i in REQUIRED if i not in ids]
        if missing:
            raise ValueError(f"the console needs the phrases {', '.join(missing)}")
        return self

    def as_json(self, language: str) -> list[dict]:
        """The phrases for the console: the title in the clerk's language, every text."""
        return [
            {"id": p.id, "title": p.title.get(language), "text": p.text.model_dump()}
            for p in self.phrases
        ]


def load(path: str | os.PathLike) -> Phrasebook:
    """The phrasebook at `path`; a ConfigError names what is wrong."""
    path = Path(path)
    try:
        found = path.stat()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    return _load(str(path), (found.st_mtime_ns, found.st_size))


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> Phrasebook:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"{path}: not valid TOML ({exc})"]) from None
    try:
        return Phrasebook.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            [
                f"{path}: {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
                for e in exc.errors()
            ]
        ) from None
