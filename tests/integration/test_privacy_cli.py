"""`frontdesk privacy` as the data-protection officer runs it."""

from __future__ import annotations

import json

from tests.support.served import OfficeFolder


def test_purge_export_and_erase_from_the_command_line(tmp_path):
    office = OfficeFolder(tmp_path)
    office.run("db", "upgrade")
    assert "Erased personal data of office days before" in office.run("privacy", "purge")
    exported = json.loads(office.run("privacy", "export", "--email", "a@example.com"))
    assert exported == {"email": "a@example.com", "retention_days": 30, "visits": []}
    assert office.run("privacy", "erase", "--email", "a@example.com") == (
        "Nothing is kept under this address."
    )
