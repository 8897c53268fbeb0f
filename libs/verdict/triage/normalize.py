"""Strip run-to-run noise from failure text and pull structure out of stack traces.

Pure functions over strings, shared by signatures (what must sign the same across
builds) and by the structural classifier (where in the code a failure was raised).
Every regex is compiled once at import: signing runs for every failure of a build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from verdict.triage.meaning import protect, restore

# Inputs are capped before normalizing: a 5 MB "message" is a log, and the head of
# it carries the cause; the cap keeps signing linear and cheap.
MAX_TEXT = 4000

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PYTEST_E = re.compile(r"^E {2,}", re.M)

# Order matters: wide shapes (timestamps, UUIDs, paths, IPs) go before the
# generic number rule, or their digits would be eaten piecemeal first.
# A hex id of 8+ characters without a digit (1 random id in ~2,500): still an id.
# No English word is eight letters of a-f alone.
_HEX_WORD = (re.compile(r"\b[a-f]{8,}\b", re.I), "<n>")

# Run noise that has no digit to give it away, scrubbed first in messages and frames.
_SEG = r"[^\s/\\'\"]+"
_RE2 = re2.Options()
_RE2.log_errors = False
_ROOTS: tuple[tuple[Any, str], ...] = (
    # CI workspace roots: they differ per agent and per concurrent build of one job
    # (Jenkins `job@2`, GitLab `/builds/<runner>/<n>/`), never per cause. RE2: the
    # lazy path prefix costs Python's re a retry at every slash of every path.
    (
        re2.compile(
            rf"(?i)(?:[A-Za-z]:)?(?:[/\\]{_SEG})*?[/\\](?:workspace|workspaces)[/\\]{_SEG}[/\\]"
            rf"|/home/runner/_?work/{_SEG}/{_SEG}/|/Users/runner/work/{_SEG}/{_SEG}/"
            rf"|/__w/{_SEG}/{_SEG}/|\b[A-Za-z]:\\a\\{_SEG}\\{_SEG}\\"
            rf"|/builds/(?:[A-Za-z0-9_-]{{8}}/\d+/)?{_SEG}/{_SEG}/"
            rf"|/home/travis/build/{_SEG}/{_SEG}/|/home/circleci/{_SEG}/"
            rf"|/var/lib/buildkite-agent/builds/{_SEG}/{_SEG}/{_SEG}/"
            rf"|/home/vsts/work/\d+/s/|\b[A-Za-z]:\\agent\\_work\\\d+\\s\\"
            rf"|/opt/buildagent/work/{_SEG}/|/drone/src/|/bitrise/src/",
            _RE2,
        ),
        "<ws>/",
    ),
    # Rust legacy symbol hashes (`acme::parse::h1a2b3c4d5e6f7a8b`) change per build.
    (re.compile(r"::h[0-9a-f]{16}\b"), "::h<n>"),
    # Temp names from tempfile/mktemp with or without digits (tmpkqhzwvle, tmp.AbCdEf).
    (re.compile(r"\btmp(?:[a-z0-9_]{8}|\.[A-Za-z0-9]{6,12})\b"), "<tmp>"),
    # Kubernetes generated names: deployment pods (web-7d4b9c8f6-x2k9p) and the
    # 5-character suffix of job/daemonset pods, drawn from a vowel-free alphabet.
    (
        re.compile(
            r"(?<=-)(?:[bcdfghjklmnpqrstvwxz2-9]{6,10}-)?(?=[a-z2-9]*[bcdfghjklmnpqrstvwxz])"
            r"[bcdfghjklmnpqrstvwxz2456789]{5}\b"
        ),
        "<n>",  # as the generated-name rule below does for suffixes with digits
    ),
    # Random seeds: printed by test runners for replay, different every run.
    (
        re.compile(
            r"(?i)\b(?:random[ _-]?)?seed(?:ed)?(?:[ _]?(?:is|value|was))?[\s:=(]*"
            r"(?:0x)?[0-9a-f]*\d[0-9a-f]*\b"
        ),
        "seed <seed>",
    ),
)

_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?)?\b"
        ),
        "<ts>",
    ),
    (
        re.compile(
            r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?\d{1,2}\s+"
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\s+\d{4}"
            r"(?:\s+\d{2}:\d{2}(?::\d{2})?(?:\s*(?:GMT|UTC|[+-]\d{4}))?)?",
            re.I,
        ),
        "<ts>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<ts>"),
    # Temp directories: keep the last component (often the file that matters).
    (
        re.compile(
            r"(?:/private)?/var/folders/(?:[^\s/'\"]+/)*"
            r"|/tmp/(?:[^\s/'\"]+/)*"
            r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\(?:[^\s\\'\"]+\\)*",
            re.I,
        ),
        "<tmp>/",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<ip>"),
    (re.compile(r"\[?\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b\]?(?::\d{1,5})?", re.I), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    # Long hex runs with a digit: container ids, SHAs, build ids, ASan shadow bytes.
    # They sign like plain numbers: a random id is all digits now and then, and the
    # same cause must not split in two when it is.
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b", re.I), "<n>"),
    _HEX_WORD,
    (
        re.compile(
            r"\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b"
            r"|\b\d+m\d+(?:\.\d+)?s\b",
            re.I,
        ),
        "<dur>",
    ),
    (re.compile(r"(?<=[A-Za-z\]>]):\d{2,5}\b"), ":<port>"),
    # Generated names: a hyphen/underscore segment mixing letters and digits
    # (pod-7f9c8-xk2p, test-abc123def, runner-3qnpql) is a random suffix.
    (
        re.compile(r"(?<=[-_])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{4,}\b", re.I),
        "<n>",  # like a number, for the same reason as hex ids above
    ),
    (re.compile(r"\d+"), "<n>"),
    (re.compile(r"(?:<n>[.,])+<n>"), "<n>"),
    (re.compile(r"[ \t]+"), " "),
)

_TYPE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Java / C# / Kotlin fully-qualified exceptions.
    re.compile(r"\b((?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Failure))\b"),
    # Python / JS / plain `TypeError: ...` at the start of a line.
    re.compile(
        r"^(?:E\s+|Uncaught\s+)?((?:[A-Z][\w.]*)?(?:Error|Exception|Warning|Exit|Interrupt|Failure))"
        r"(?=:|\s*$)",
        re.M,
    ),
    re.compile(r"^(panic): ", re.M),
    re.compile(r"^(fatal error): ", re.M),
    re.compile(r"thread '[^']*' (panicked) at"),
    re.compile(r"\b(AddressSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer|LeakSanitizer)\b"),
    re.compile(r"\b(SIGSEGV|SIGABRT|SIGBUS|SIGILL|SIGFPE|Segmentation fault)\b"),
)


_DIGIT = re.compile(r"\d")
_TEMP = next(item for item in _SCRUBBERS if item[1] == "<tmp>/")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Per scrubber, substrings (lowercase) one of which its pattern needs: a cheap `in`
# test skips a regex pass over text that cannot match (signing runs per failure).
_HINTS: tuple[tuple[str, ...], ...] = (
    ("-",),  # uuid
    ("-",),  # ISO timestamp
    _MONTHS,  # RFC date
    (":",),  # clock time
    ("tmp", "folders", "temp"),  # temp directories
    (".",),  # IPv4
    (":",),  # IPv6
    ("0x",),  # 0x hex
    (),  # long hex
    (),  # all-letter hex id
    (),  # durations
    (":",),  # ports
    ("-", "_"),  # generated names
    (),  # numbers
    (),  # number runs
    (),  # whitespace
)
assert len(_HINTS) == len(_SCRUBBERS)


def scrub(text: str) -> str:
    """Replace run-to-run noise (ids, times, numbers, addresses, temp paths) by tokens.

    Numbers that name a cause (status, exit, signal and error codes; digits inside
    protocol, algorithm and type names) are kept: see meaning.py.
    """
    text = _PYTEST_E.sub("", _ANSI.sub("", text[:MAX_TEXT]))
    text = strip_run_names(text)
    text = protect(text)
    # Every scrubber but the temp-path one needs a digit; most frame names have none.
    if _DIGIT.search(text):
        lowered = text.lower()
        for (pattern, token), hints in zip(_SCRUBBERS, _HINTS, strict=True):
            if not hints or any(hint in lowered for hint in hints):
                text = pattern.sub(token, text)
    else:
        for pattern, token in (_TEMP, _HEX_WORD, _SCRUBBERS[-1]):
            text = pattern.sub(token, text)
    text = restore(text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


# In a frame (path + function) a digit next to a letter or underscore is part of a
# name (services/v3, sha256.go, parse_int32, func1); a digit run standing alone is
# a line number, a build number or a generated directory.
_FRAME_NOISE: tuple[tuple[re.Pattern[str], str], ...] = (
    _SCRUBBERS[0],  # UUIDs
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<n>"),
    (re.compile(r"(?<![A-Za-z0-9_])\d+(?![A-Za-z_])"), "<n>"),
)


@lru_cache(maxsize=8192)
def scrub_frame(key: str) -> str:
    """Scrub a frame key (cached: the same code frames recur across failures)."""
    key = _ANSI.sub("", key)
    key = strip_run_names(key)
    key = _TEMP[0].sub(_TEMP[1], key)
    for pattern, token in _FRAME_NOISE:
        key = pattern.sub(token, key)
    return key.strip()


# A substring each _ROOTS pattern needs (lowercase): skip the regex when it is absent.
_ROOT_HINTS = (
    (
        "workspace",
        "/home/runner/",
        "/users/runner/",
        "/__w/",
        ":\\a\\",
        "/builds/",
        "/home/travis/",
        "/home/circleci/",
        "buildkite",
        "/home/vsts/",
        "\\_work\\",
        "/buildagent/",
        "/drone/",
        "/bitrise/",
    ),
    ("::h",),
    ("tmp",),
    ("-",),
    ("seed",),
)


def strip_run_names(text: str) -> str:
    """Workspace roots, digit-free temp names, pod names, seeds, symbol hashes → tokens."""
    lowered = text.lower()
    for (pattern, token), hints in zip(_ROOTS, _ROOT_HINTS, strict=True):
        if any(hint in lowered for hint in hints):
            text = pattern.sub(token, text)
    return text


def strip_roots(path: str) -> str:
    """The path with its CI workspace root (per agent, per concurrent build) as <ws>."""
    stripped: str = _ROOTS[0][0].sub("<ws>/", path)
    return stripped


def strip_ansi(text: str) -> str:
    """Colour codes differ between a terminal log and a JUnit file of the same run."""
    return _ANSI.sub("", text)


def normalize_message(message: str) -> str:
    return scrub(message.strip())


def exception_type(message: str, stack: str = "") -> str:
    """The exception type named by the message or, failing that, the stack ("" if none)."""
    for text in (message[:MAX_TEXT], _tail(stack)):
        for pattern in _TYPE_PATTERNS:
            found = pattern.search(text)
            if found:
                return found.group(1)
    return ""


def strip_type_prefix(message: str, error_type: str) -> str:
    """`ValueError: bad` and (`bad`, type ValueError) are one failure in two formats."""
    body = _PYTEST_E.sub("", message.strip())
    short = error_type.rsplit(".", 1)[-1]
    for prefix in (error_type, short):
        if prefix and body.startswith(prefix + ":"):
            return body[len(prefix) + 1 :].strip()
    return message.strip()


def _tail(stack: str) -> str:
    # Python prints the exception after the frames; others before. Look at both ends.
    return stack[:MAX_TEXT] + "\n" + stack[-MAX_TEXT:] if len(stack) > MAX_TEXT else stack


@dataclass(frozen=True)
class Frame:
    """One stack frame: the file (line numbers dropped) and the function."""

    file: str
    function: str
    line: str = ""  # kept for code_fix; never part of the signature

    @property
    def key(self) -> str:
        """Machine-independent identity: the last path components plus the function.

        The CI workspace root goes first: in a shallow tree the job's directory
        (`shop-ci@2`) would otherwise be one of the last components.
        """
        parts = re.split(r"[/\\]", strip_roots(self.file))
        return f"{'/'.join(parts[-3:])}:{self.function}"


_FRAME_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = (
    # (pattern, frames listed outermost-first, as Python prints them)
    (re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)'), True),
    (re.compile(r"^(?P<file>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<func>\S+)| \w+)?\s*$"), True),
    # A pytest node id used as a location (`tests/test_x.py::helper()`).
    (re.compile(r"^\s*(?P<file>[^\s:]+\.py)::\s*(?P<func>\w+)"), True),
    (re.compile(r"^\s*at (?P<func>[^\s(]+)\([^)]*\) in (?P<file>.+?):line (?P<line>\d+)"), False),
    (
        re.compile(
            r"^\s*at (?P<func>[^\s(]+?)\s*\((?P<file>[^()]+?)(?::(?P<line>\d+))?(?::\d+)?\)\s*$"
        ),
        False,
    ),
    (re.compile(r"^\s*at (?P<file>\S+?):(?P<line>\d+)(?::\d+)?\s*$"), False),
    (
        re.compile(
            r"^\s*#\d+\s+0x[0-9a-f]+\s+in\s+(?P<func>\S+)\s+(?P<file>[^\s:]+)(?::(?P<line>\d+))?"
        ),
        False,
    ),
    (
        re.compile(
            r"^\s*==\d+==\s+(?:at|by) 0x[0-9A-F]+: (?P<func>\S+) \((?:in )?(?P<file>[^):]+)"
            r"(?::(?P<line>\d+))?"
        ),
        False,
    ),
    (re.compile(r"^\s*\d+: (?P<func>[A-Za-z_][^\[]*?) \[(?P<file>[^\]]+)\]\s*$"), False),
    (re.compile(r"^\s*(?P<file>\S+\.go):(?P<line>\d+)(?: \+0x[0-9a-f]+)?\s*$"), False),
    # Ruby (`from lib/x.rb:59:in 'write'`) and PHP (`#0 /src/X.php(12): X->y()`).
    (
        re.compile(r"^\s*(?:from )?(?P<file>[^\s:]+\.rb):(?P<line>\d+):in [`'](?P<func>[^'`]+)'"),
        False,
    ),
    (re.compile(r"^#\d+ (?P<file>[^\s(]+\.php)\((?P<line>\d+)\): (?P<func>[\w\\:>-]+)"), False),
    (re.compile(r"^\s*at (?P<file>\S+\.rs):(?P<line>\d+)(?::\d+)?\s*$"), False),
)
# Go and Rust print the function on the line above its file:line.
_FUNC_ABOVE = re.compile(
    r"^\s*(?:\d+:\s+|created by\s+)?(?P<func>[\w.:/*()<>~$-]+?(?:\([^()]*\))?)\s*$"
)
_ARGS = re.compile(r"\([^()]*\)$")  # the call's argument list, not (*T).Method


def headline(stack: str) -> str:
    """The error line of a stack, for failures whose message is empty.

    Python prints it last (after `Traceback`); the others print it first, before
    the frames. Frame lines are skipped.
    """
    lines = [ln.strip() for ln in _tail(stack).splitlines() if ln.strip()]
    if lines and lines[0].startswith("Traceback"):
        lines = lines[::-1]
    for line in lines[:40]:
        if not any(pattern.match(line) for pattern, _ in _FRAME_PATTERNS):
            return line
    return ""


def parse_frames(stack: str) -> list[Frame]:
    """Every recognisable frame of a stack, innermost first, in any of the usual formats."""
    frames: list[Frame] = []
    outermost_first = 0
    previous = ""
    for line in _tail(stack).splitlines():
        line = _ANSI.sub("", line).rstrip()
        for pattern, py_order in _FRAME_PATTERNS:
            found = pattern.match(line)
            if not found:
                continue
            func = found.groupdict().get("func") or ""
            if not func:
                above = _FUNC_ABOVE.match(previous)
                func = above.group("func") if above else ""
            file = found.group("file").replace("\\", "/")
            line_no = found.groupdict().get("line") or ""
            frames.append(Frame(file, _ARGS.sub("", func.strip()), line_no))
            outermost_first += 1 if py_order else -1
            break
        previous = line
    return frames[::-1] if outermost_first > 0 else frames
