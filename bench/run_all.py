"""Run every benchmark in turn and print its figures (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ["latency.py", "--tickets", "400"],
    ["history.py"],
    ["replay_estimates.py"],
    ["http_issue.py"],
    ["live_load.py"],
    ["live_load.py", "--processes", "2", "--postgres", "--redis", "--clients", "2000"],
]


def main() -> int:
    failed = 0
    for bench in BENCHES:
        print(f"\n== {' '.join(bench)}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / bench[0]), *bench[1:]])
    return failed


if __name__ == "__main__":
    sys.exit(main())
