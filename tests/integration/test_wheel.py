"""An installed copy works without the checkout: a wheel built from the sources, installed into
a fresh venv, migrates a database, serves (built-in and gunicorn) from a folder outside the
checkout, and shows Polish pages, every blueprint's template and static files included.

The wheel is built from a copy of the sources without any compiled catalogue, so the .mo
files in it can only come from the build. The fresh venv gets the wheel alone; its
dependencies come from the test run's own venv through a .pth line. That keeps the test
offline and fast, and the checkout cannot leak in: a .pth line adds a directory but runs none
of the .pth files in it, so the checkout's editable-install hook stays out."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.served import REPO, OfficeFolder, Server

SOURCES = ["pyproject.toml", "setup.py", "README.md"]
PACKAGES = ["frontdesk", "kiosk", "display", "desk", "supervisor", "printer"]
PASSWORD = "wheel-test-password"


def run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Install:
    frontdesk: Path  # the command
    site: Path  # the venv's site-packages


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Install:
    """A fresh venv holding only the wheel."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        shutil.copy(REPO / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    # No build isolation: the venv's setuptools and babel, nothing fetched.
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", root / "dist", source)  # fmt: skip
    (wheel,) = (root / "dist").glob("frontdesk-*.whl")

    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheel)  # fmt: skip
    # From outside the checkout: `python -c` puts the working folder first on the path.
    where = run(
        python, "-c", "import frontdesk, kiosk; print(frontdesk.__file__, kiosk.__file__)", cwd=root
    )
    assert str(REPO) not in where and where.count(site) == 2, where
    return Install(venv / "bin" / "frontdesk", Path(site))


@pytest.fixture(scope="module")
def office(installed, tmp_path_factory) -> OfficeFolder:
    office = OfficeFolder(tmp_path_factory.mktemp("office"), frontdesk=installed.frontdesk)
    assert not office.folder.is_relative_to(REPO)
    office.run("db", "upgrade")
    office.user("wheel-clerk", "clerk", PASSWORD)
    office.user("wheel-supervisor", "supervisor", PASSWORD)
    return office


def test_the_wheel_carries_migrations_catalogues_templates_and_static_files(installed):
    names = {str(p.relative_to(installed.site)) for p in installed.site.rglob("*")}
    for language in ("pl", "uk"):
        assert f"frontdesk/translations/{language}/LC_MESSAGES/messages.mo" in names
    assert "frontdesk/gunicorn_conf.py" in names
    versions = {p.name for p in (REPO / "frontdesk" / "migrations" / "versions").glob("*.py")}
    assert {f"frontdesk/migrations/versions/{v}" for v in versions} <= names
    for package_name in PACKAGES:
        assert any(n.startswith(f"{package_name}/") for n in names), package_name
    for blueprint in ("kiosk", "display", "desk", "supervisor"):
        shipped = {
            str(p.relative_to(REPO))
            for p in (REPO / blueprint).rglob("*")
            if p.is_file() and p.parent.name != "__pycache__"
        }
        assert shipped <= names, shipped - names


@pytest.mark.parametrize("server", [[], ["--gunicorn"]], ids=["built-in", "gunicorn"])
def test_an_installed_copy_serves_every_screen_in_polish(office, server):
    kiosk = office.token("kiosk")
    display = office.token("display")
    with Server(office, *server) as served:
        url = served.url
        polish = {"Accept-Language": "pl"}
        login = requests.get(f"{url}/login", headers=polish, timeout=10)
        assert login.status_code == 200
        assert "Zaloguj się" in login.text and "Sign in" not in login.text

        # The visitor's own pick, through the language cookie, over a browser in English.
        visitor = requests.Session()
        visitor.headers["Accept-Language"] = "en"
        visitor.get(f"{url}/language/pl", timeout=10)
        assert "Zaloguj się" in visitor.get(f"{url}/login", timeout=10).text

        pages = {}
        for role, token in (("kiosk", kiosk), ("display", display)):
            device = requests.Session()
            device.headers.update(polish)
            pages[role] = device.get(f"{url}/{role}?token={token}", timeout=10)
        for role in ("clerk", "supervisor"):
            staff = requests.Session()
            staff.headers.update(polish)
            signed_in = staff.post(
                f"{url}/api/v1/session",
                json={"username": f"wheel-{role}", "password": PASSWORD},
                timeout=10,
            )
            assert signed_in.status_code == 200, signed_in.text
            screen = "desk" if role == "clerk" else "supervisor"
            pages[screen] = staff.get(f"{url}/{screen}", timeout=10)

        for screen, page in pages.items():
            assert page.status_code == 200, (screen, page.status_code)
            assert '<html lang="pl"' in page.text, screen
            for script in re.findall(r'<script src="(/static/[^"]+)"', page.text):
                asset = requests.get(f"{url}{script}", timeout=10)
                assert asset.status_code == 200 and asset.content, script
        assert requests.get(f"{url}/api/v1/openapi.json", timeout=10).status_code == 200
