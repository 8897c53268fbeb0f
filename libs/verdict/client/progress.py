"""What the client tells the person watching, on stderr (stdout stays for the summary
and `--json`): one line redrawn in place on a terminal (`live`), or plain lines that
read well in a CI log (`plain`): every phase, group counts at most every few seconds."""

from __future__ import annotations

import time
from typing import Any, TextIO

from verdict.client.names import PROGRESS_MODES as MODES

__all__ = ["MODES", "Display"]

PLAIN_GROUPS_EVERY_S = 5.0
_SPINNER = "|/-\\"


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("kB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"


class Display:
    def __init__(self, stream: TextIO, mode: str = "auto") -> None:
        if mode == "auto":
            mode = "live" if stream.isatty() else "plain"
        self.stream, self.mode = stream, mode
        self.phase = ""
        self.groups: tuple[int, int] | None = None
        self._last_groups_line = 0.0
        self._live_shown = False
        self._tick = 0
        self._last_bytes_draw = 0.0

    # Lines that are always kept (plain and live alike).
    def note(self, message: str) -> None:
        if self.mode == "none":
            return
        self._clear_live()
        self.stream.write(f"verdict: {message}\n")
        self.stream.flush()

    def error(self, message: str) -> None:
        """Shown whatever the mode: why the run failed."""
        self._clear_live()
        self.stream.write(f"verdict: error: {message}\n")
        self.stream.flush()

    def uploading(self, sent: int, total_hint: int) -> None:
        if self.mode != "live":
            return
        now = time.monotonic()
        if now - self._last_bytes_draw < 0.1:
            return
        self._last_bytes_draw = now
        self._draw(f"uploading {_size(sent)} (reports: {_size(total_hint)})")

    def event(self, name: str, data: dict[str, Any]) -> None:
        """One progress event of the job (phase, groups, collected, child, done)."""
        if self.mode == "none":
            return
        if name == "phase":
            self.phase = str(data.get("phase", ""))
            self.note(f"phase {self.phase}")
        elif name == "groups":
            done, total = int(data.get("done", 0)), int(data.get("total", 0))
            self.groups = (done, total)
            if self.mode == "live":
                self._draw(f"{self.phase or 'analyzing'}: {done}/{total} groups analysed")
            elif done >= total or time.monotonic() - self._last_groups_line >= PLAIN_GROUPS_EVERY_S:
                self._last_groups_line = time.monotonic()
                self.note(f"{done}/{total} groups analysed")
        elif name == "collected":
            parts = [f"{k} {v}" for k, v in data.items() if k != "job_id"]
            self.note("collected " + ", ".join(parts))
        elif name == "child":
            self.note(f"child {data.get('job_name', '')} #{data.get('build_number', '')}")
        elif name == "done":
            self.note(f"analysis {data.get('status', '')}")
        elif name == "error":
            self.note(f"progress stream: {data.get('detail', 'unavailable')}")

    def waiting(self) -> None:
        """Called while nothing happens (keep-alives, polls): the live line keeps turning."""
        if self.mode == "live":
            self._tick += 1
            groups = f" ({self.groups[0]}/{self.groups[1]} groups)" if self.groups else ""
            self._draw(f"{_SPINNER[self._tick % 4]} {self.phase or 'queued'}{groups}")

    def close(self) -> None:
        self._clear_live()

    def _draw(self, text: str) -> None:
        self.stream.write(f"\r\x1b[2Kverdict: {text}")
        self.stream.flush()
        self._live_shown = True

    def _clear_live(self) -> None:
        if self._live_shown:
            self.stream.write("\r\x1b[2K")
            self._live_shown = False
