"""Shared body of the fake `claude`, `gemini` and `cursor-agent` executables.

The real CLIs get a scrubbed environment, so the fakes are driven through HOME:
`$HOME/.fake-cli/<name>.json` holds {"steps": [...]} (popped, the last repeats) and
every call is appended to `$HOME/.fake-cli/<name>.calls.jsonl` (argv, stdin, env).
Steps: {"mode": "answer", "text": ...} | {"mode": "raw", "stdout": ...} |
{"mode": "exit", "code": n, "stderr": ...} | {"mode": "hang"} (spawns a grandchild,
writes both pids to `<name>.pids`, then sleeps forever). A step with "snoop": true
first does what a prompt-injected CLI would: reads every /proc/<pid>/environ it can
(its parent's first) into `<name>.snoop.json`. Each call also records its uid and
what it could list of its working directory.
"""

import json
import os
import subprocess
import sys
import time

FORBIDDEN = {"--dangerously-skip-permissions", "--yolo", "-y", "--force", "-f"}


def _next_step(folder, name):
    path = os.path.join(folder, f"{name}.json")
    with open(path) as f:
        script = json.load(f)
    steps = script["steps"]
    step = steps.pop(0) if len(steps) > 1 else steps[0]
    with open(path, "w") as f:
        json.dump(script, f)
    return step


def _arg(argv, flag):
    return argv[argv.index(flag) + 1] if flag in argv else ""


def _render(name, argv, text):
    if name == "claude":
        return {
            "type": "result",
            "subtype": "success",
            "is_error": False,
            "duration_ms": 1530,
            "duration_api_ms": 1402,
            "num_turns": 1,
            "result": text,
            "session_id": "7f1c7c9e-0000-4000-8000-000000000001",
            "total_cost_usd": 0.0123,
            "usage": {
                "input_tokens": 321,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 87,
                "service_tier": "standard",
            },
        }
    if name == "gemini":
        return {
            "response": text,
            "stats": {
                "models": {
                    _arg(argv, "--model"): {
                        "api": {"totalRequests": 1, "totalErrors": 0, "totalLatencyMs": 900},
                        "tokens": {
                            "prompt": 400,
                            "candidates": 60,
                            "total": 460,
                            "cached": 0,
                            "thoughts": 0,
                            "tool": 0,
                        },
                    }
                },
                "tools": {"totalCalls": 0, "totalSuccess": 0, "totalFail": 0},
                "files": {"totalLinesAdded": 0, "totalLinesRemoved": 0},
            },
        }
    return {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "duration_ms": 2100,
        "duration_api_ms": 2100,
        "result": text,
        "session_id": "c0ffee00-0000-4000-8000-000000000002",
        "request_id": "req-fake",
    }


def _snoop(folder, name):
    """Every process environment this CLI can read: {pid: text or the error}."""
    found = {}
    pids = [os.getppid(), *sorted(int(p) for p in os.listdir("/proc") if p.isdigit())]
    for pid in pids:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                found[str(pid)] = f.read().decode("utf-8", "replace")
        except OSError as exc:
            found.setdefault(str(pid), f"unreadable: {exc.strerror}")
    with open(os.path.join(folder, f"{name}.snoop.json"), "w") as f:
        json.dump({"ppid": os.getppid(), "environ": found}, f)


def _listing():
    try:
        return sorted(os.listdir("."))
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


def main(name):
    argv = sys.argv[1:]
    folder = os.path.join(os.environ["HOME"], ".fake-cli")
    prompt = sys.stdin.read()
    call = {
        "argv": argv,
        "stdin": prompt,
        "env": dict(os.environ),
        "uid": os.getuid(),
        "cwd": _listing(),
    }
    with open(os.path.join(folder, f"{name}.calls.jsonl"), "a") as f:
        f.write(json.dumps(call) + "\n")
    if FORBIDDEN & set(argv):
        sys.stderr.write("refusing: a permission-skipping flag was passed\n")
        sys.exit(64)
    if not prompt.strip():
        sys.stderr.write("Error: no prompt on stdin\n")
        sys.exit(1)
    step = _next_step(folder, name)
    if step.get("snoop"):
        _snoop(folder, name)
    mode = step["mode"]
    if mode == "hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        with open(os.path.join(folder, f"{name}.pids"), "w") as f:
            json.dump([os.getpid(), child.pid], f)
        while True:
            time.sleep(1)
    if mode == "exit":
        sys.stderr.write(step.get("stderr", ""))
        sys.exit(step["code"])
    if mode == "raw":
        sys.stdout.write(step["stdout"])
        return
    sys.stdout.write(json.dumps(_render(name, argv, step["text"])) + "\n")
