"""Keep this process's secrets out of reach of other processes of the same user.

Verdict's processes hold every credential it has (database URL, admin and encryption
keys, tracker tokens) in their environment and memory. Any process of the same Unix
user may normally read /proc/<pid>/environ, /proc/<pid>/mem and attach with ptrace:
an AI CLI the analyzer started, told by a prompt-injected log to look, would find them
there. On Linux, `prctl(PR_SET_DUMPABLE, 0)` makes all of that root-only for this
process (and it writes no core dump). Every `verdict <service>` calls this first.

What it does not do: protect from root (hence AI CLIs never run as root; see
triage/providers/subprocess_run.py), hide files the user can read, or work outside
Linux (macOS and others have no /proc; there the minimal CLI environment is the
protection).
"""

from __future__ import annotations

import ctypes
import sys

_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3


def protect_process_secrets() -> bool:
    """Make this process non-dumpable; True when it now is (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            return False
        return bool(libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
