"""A streaming console reader: feed it chunks, it keeps only a bounded excerpt.

Consoles reach gigabytes; the reader never holds more than the tail, the error
lines with a little context, and the lines naming child builds, each capped.
Chunks are scanned whole with byte regexes (C speed); only the lines worth
keeping are ever split out and decoded.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from verdict.integrations.jenkins.children import CHILD_LINE_RE

# What tends to sit next to the real cause, across build tools and languages.
# No pattern may cross a newline: matches are mapped back to single lines.
ERROR_RE = re.compile(
    rb"\bERROR\b|\bFAIL(?:ED|URE)?\b|\w*Exception\b|\w+Error\b|\berror:|"
    rb"Traceback \(most recent call last\)|^[ \t]*fatal:|\bpanic:|\bOOM\b|[Oo]ut of memory|"
    rb"\bKilled\b|Segmentation fault|core dumped|timed out|non-zero exit|"
    rb"Build [^\n]+ completed: FAILURE",
    re.MULTILINE,
)
# Python's re has no fast path for that alternation (6 s for 50 MB); plain
# literals it scans ~15x faster. Each ERROR_RE branch contains one of these, so
# the prefilter finds every candidate line and ERROR_RE then judges that line.
_PREFILTER = re.compile(
    rb"ERROR|FAIL|Exception|Error|error:|Traceback|fatal:|panic:|OOM|ut of memory|Killed|"
    rb"Segmentation fault|core dumped|timed out|non-zero exit"
)
_CHILD_RE = re.compile(CHILD_LINE_RE.pattern.encode())
_ANSI_RE = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")
_CUT = " …[line truncated]"


@dataclass(frozen=True, slots=True)
class ConsoleSummary:
    excerpt: str
    child_lines: tuple[str, ...]
    total_bytes: int
    total_lines: int
    omitted_matches: int
    notes: tuple[str, ...] = ()


class ConsoleReader:
    """Feed bytes with `feed`, call `close` at the end, read `summary()`."""

    def __init__(
        self,
        *,
        tail_lines: int = 200,
        tail_chars: int = 64 * 1024,
        context: int = 3,
        max_match_chars: int = 128 * 1024,
        max_line_chars: int = 4096,
        max_child_lines: int = 500,
    ) -> None:
        self.tail_lines, self.tail_chars = tail_lines, tail_chars
        self.context, self.max_match_chars = context, max_match_chars
        self.max_line_chars, self.max_child_lines = max_line_chars, max_child_lines
        self.total_bytes = 0
        self.total_lines = 0
        self.omitted_matches = 0
        self.notes: list[str] = []
        self._partial = bytearray()
        self._partial_cut = False
        self._tail: deque[str] = deque()
        self._tail_size = 0
        self._before: deque[tuple[int, bytes]] = deque(maxlen=context)
        self._after = 0  # context lines still owed to the last match
        self._last_kept = 0  # line number of the last kept line
        self._matches: list[tuple[int, str]] = []
        self._match_size = 0
        self._child_lines: list[str] = []

    def feed(self, chunk: bytes) -> None:
        self.total_bytes += len(chunk)
        cut = chunk.rfind(b"\n")
        if cut == -1:
            self._add_partial(chunk)
            return
        first = chunk.find(b"\n")
        self._add_partial(chunk[:first])
        block = bytes(self._partial) + b"\n" + chunk[first + 1 : cut + 1]
        self._partial.clear()
        self._partial_cut = False
        self._add_partial(chunk[cut + 1 :])
        self._block(block)

    def close(self) -> None:
        """Flush a last line that has no trailing newline."""
        if self._partial:
            block = bytes(self._partial) + b"\n"
            self._partial.clear()
            self._block(block)

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def retained_size(self) -> int:
        """Characters/bytes held right now (what the reader keeps, bounded)."""
        return (
            self._tail_size
            + self._match_size
            + sum(len(t) for _, t in self._before)
            + sum(len(t) for t in self._child_lines)
            + len(self._partial)
        )

    def summary(self) -> ConsoleSummary:
        parts: list[str] = []
        if self._matches:
            parts.append("--- error lines (with context) ---")
            last = 0
            for no, text in self._matches:
                if last and no != last + 1:
                    parts.append("...")
                parts.append(f"{no:>7}: {text}")
                last = no
            if self.omitted_matches:
                parts.append(f"... {self.omitted_matches} more matching lines omitted")
        parts.append(f"--- last {len(self._tail)} of {self.total_lines} lines ---")
        parts.extend(self._tail)
        return ConsoleSummary(
            excerpt="\n".join(parts),
            child_lines=tuple(self._child_lines),
            total_bytes=self.total_bytes,
            total_lines=self.total_lines,
            omitted_matches=self.omitted_matches,
            notes=tuple(self.notes),
        )

    # -- internals ------------------------------------------------------------------

    def _add_partial(self, piece: bytes) -> None:
        # A line without newline for megabytes (minified output, progress bars)
        # must not grow without bound: keep its head, drop the rest.
        if self._partial_cut:
            return
        room = self.max_line_chars - len(self._partial)
        if len(piece) > room:
            self._partial += piece[: max(room, 0)] + _CUT.encode()
            self._partial_cut = True
        else:
            self._partial += piece

    def _block(self, block: bytes) -> None:
        """Scan complete lines (`block` ends with a newline)."""
        if b"\x1b" in block:
            block = _ANSI_RE.sub(b"", block)
        base = self.total_lines  # number of the line before the block
        pos = self._context_after(block, 0, base)  # context owed from the last block
        counted_pos, counted = 0, 0
        while m := _PREFILTER.search(block, pos):
            start = block.rfind(b"\n", 0, m.start()) + 1
            if not ERROR_RE.search(block, start, block.index(b"\n", m.start())):
                pos = block.index(b"\n", m.start()) + 1
                continue
            counted += block.count(b"\n", counted_pos, start)
            counted_pos = start
            self._match(block, start, base + 1 + counted)
            self._after = self.context
            pos = self._context_after(block, block.index(b"\n", start) + 1, base + 1 + counted)
        self._scan_children(block)
        self.total_lines = base + block.count(b"\n")
        self._remember_end(block)

    def _match(self, block: bytes, start: int, no: int) -> None:
        lines: list[tuple[int, bytes]] = []
        s = start
        while len(lines) < self.context and s > 0:  # context inside the block
            prev = block.rfind(b"\n", 0, s - 1) + 1
            lines.insert(0, (no - len(lines) - 1, block[prev : s - 1]))
            s = prev
        if len(lines) < self.context:  # the rest from the previous block
            need = self.context - len(lines)
            lines[:0] = list(self._before)[-need:] if need else []
        for n, text in lines:
            self._keep(n, text)
        end = block.index(b"\n", start)
        if not self._keep(no, block[start:end]):
            self.omitted_matches += 1

    def _context_after(self, block: bytes, pos: int, no: int) -> int:
        """Keep the context lines still owed after line `no`; return where to search next."""
        while self._after and pos < len(block):
            end = block.index(b"\n", pos)
            # A match inside the context is left to the caller's search, which
            # then owes its own context.
            if ERROR_RE.search(block, pos, end):
                return pos
            no += 1
            self._keep(no, block[pos:end])
            self._after -= 1
            pos = end + 1
        return pos

    def _keep(self, no: int, raw: bytes) -> bool:
        # The first errors are usually the cause; later ones are echoes, and the
        # tail still shows how the build ended.
        if no <= self._last_kept:
            return True
        self._last_kept = no
        text = self._text(raw)
        if self._match_size + len(text) > self.max_match_chars:
            return False
        self._matches.append((no, text))
        self._match_size += len(text)
        return True

    def _scan_children(self, block: bytes) -> None:
        last_start = -1
        for m in _CHILD_RE.finditer(block):
            start = block.rfind(b"\n", 0, m.start()) + 1
            if start == last_start or len(self._child_lines) >= self.max_child_lines:
                continue
            last_start = start
            self._child_lines.append(self._text(block[start : block.index(b"\n", start)]))

    def _remember_end(self, block: bytes) -> None:
        want = max(self.tail_lines, self.context)
        pieces = block.rsplit(b"\n", want + 1)[:-1]
        if len(pieces) > want:
            pieces = pieces[1:]  # the first piece is the unsplit rest of the block
        last_no = self.total_lines
        for i, raw in enumerate(pieces[-self.context :] if self.context else []):
            self._before.append((last_no - min(len(pieces), self.context) + 1 + i, raw))
        for raw in pieces[-self.tail_lines :]:
            text = self._text(raw)
            self._tail.append(text)
            self._tail_size += len(text)
        while len(self._tail) > self.tail_lines or self._tail_size > self.tail_chars:
            self._tail_size -= len(self._tail.popleft())

    def _text(self, raw: bytes) -> str:
        if len(raw) > self.max_line_chars:
            raw = raw[: self.max_line_chars] + _CUT.encode()
        return raw.decode("utf-8", "replace").rstrip("\r")
