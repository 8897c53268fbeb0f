"""`verdict health [gateway|analyzer|jira-enricher|tracker]`: an exec probe, exit 0 or 1.

- a worker: is this host's worker of that queue beating? Its heartbeat file (see
  verdict.heartbeat) must be younger than VERDICT_HEARTBEAT_STALE_S. Redis is not
  asked, so a Redis outage does not get healthy workers restarted.
- `gateway` (the default): the local gateway's readiness, `GET /api/health` on
  127.0.0.1:VERDICT_PORT, must answer 200 (healthy or degraded).

Standard library only past the settings, so a probe every few seconds stays cheap.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from verdict.heartbeat import heartbeat_file, local_heartbeat_age
from verdict.queue import Worker as Queue
from verdict.settings import Settings

WORKER_QUEUES: dict[str, Queue] = {
    "analyzer": "analyze",
    "jira-enricher": "jira",
    "tracker": "tracker",
}
TARGETS = ("gateway", *WORKER_QUEUES)


def check_worker(settings: Settings, name: str) -> tuple[bool, str]:
    queue = WORKER_QUEUES[name]
    age = local_heartbeat_age(settings, queue)
    if age is None:
        return False, f"{name}: no heartbeat at {heartbeat_file(settings, queue)}"
    fresh = age <= settings.heartbeat_stale_s
    state = "alive" if fresh else "stale"
    limit = settings.heartbeat_stale_s
    return fresh, f"{name}: {state}, last heartbeat {age:.1f}s ago (stale after {limit:g}s)"


def check_gateway(settings: Settings, timeout_s: float = 5.0) -> tuple[bool, str]:
    url = f"http://127.0.0.1:{settings.port}/api/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            body = json.loads(answer.read() or b"{}")
            return True, f"gateway: {body.get('status', 'ready')}"
    except urllib.error.HTTPError as exc:
        return False, f"gateway: not ready (HTTP {exc.code})"
    except (OSError, ValueError) as exc:
        return False, f"gateway: no answer from {url} ({exc})"


def probe(settings: Settings, target: str) -> int:
    ok, message = check_gateway(settings) if target == "gateway" else check_worker(settings, target)
    print(message)
    return 0 if ok else 1
