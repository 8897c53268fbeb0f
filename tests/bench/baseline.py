"""Run a snippet against the code as it was before the triage work (git BASELINE).

Benchmarks compare against the previous implementation measured in the same run:
`git archive BASELINE libs` is unpacked into a temporary folder and the snippet runs
in a subprocess whose `verdict` package is that tree. Input and output are JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASELINE = "5f7c541"  # main before issue 14's triage work


def run_baseline(snippet: str, payload: Any, timeout: float = 600) -> Any:
    """Run `snippet` (reads `payload`, assigns `result`) with the baseline's libs."""
    archive = subprocess.run(
        ["git", "archive", BASELINE, "libs"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="verdict-baseline-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        data = Path(tmp) / "payload.json"
        data.write_text(json.dumps(payload))
        program = (
            "import json, sys\n"
            f"sys.path.insert(0, {str(Path(tmp) / 'libs')!r})\n"
            f"payload = json.loads(open({str(data)!r}).read())\n"
            f"{snippet}\n"
            "print(json.dumps(result))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
