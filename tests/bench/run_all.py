"""Run every benchmark script in this folder, one after the other (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n===== {script.name} =====", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent.parent).returncode:
            failed.append(script.name)
    if failed:
        print(f"\nbenchmarks that errored: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
