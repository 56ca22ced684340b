"""Only what pyproject.toml cannot say: the wheel gets compiled translation catalogues.

The .mo files are build output (git-ignored), so a wheel built from a clean checkout would
otherwise carry only the .po sources, and Flask-Babel would quietly show English."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_catalogues(build_py):  # noqa: N801  (setuptools' naming)
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's own .mo files
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib).glob("*/translations/*/LC_MESSAGES/*.po"):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)


setup(cmdclass={"build_py": build_py_with_catalogues})
