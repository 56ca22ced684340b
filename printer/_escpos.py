"""Import python-escpos (3.1) without two side effects of its `escpos.capabilities` module.

1. It calls `tempfile.mkdtemp()` on every import (even when ESCPOS_CAPABILITIES_PICKLE_DIR
   is set: the call is the default argument of `environ.get`) and never removes the
   directory; without the variable it also caches its printer database there, where no
   later process looks. One stray /tmp directory per process: per gunicorn worker, per
   test run.
2. It calls `logging.basicConfig()`, so a root handler exists before the application sets
   up logging, and the application's own `basicConfig()` then silently does nothing.

Both happen once, at first import, so this module does that import under control.
"""

from __future__ import annotations

import logging
import sys
import tempfile


def _import_capabilities() -> None:
    if "escpos.capabilities" in sys.modules:
        return  # someone imported it first; nothing left to prevent
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    saved = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="escpos-import-") as scratch:
        # mkdtemp() without dir= uses tempfile.tempdir: point it into a directory that is
        # removed right after. A set ESCPOS_CAPABILITIES_PICKLE_DIR is still honoured.
        tempfile.tempdir = scratch
        try:
            import escpos.capabilities  # noqa: F401
        finally:
            tempfile.tempdir = saved
    for handler in root.handlers:
        if handler not in handlers_before:
            root.removeHandler(handler)


_import_capabilities()

from escpos.capabilities import BaseProfile, NotSupported  # noqa: E402
from escpos.magicencode import Encoder  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

__all__ = ["BaseProfile", "Dummy", "Encoder", "NotSupported"]
