"""The deployment files stay consistent with the code: every service the CLI runs is
deployed, and every worker is scaled on a queue that exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.gateway.routes.metrics import QUEUES

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"gateway", "analyzer", "jira-enricher", "tracker", "migrate"}


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def test_compose_runs_every_service() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    commands = {s["command"][0] for s in compose["services"].values() if "command" in s}
    assert commands >= SERVICES


def test_k8s_runs_every_service_and_scales_workers_on_their_queues() -> None:
    k8s = ROOT / "deploy" / "k8s"
    docs = [d for f in sorted(k8s.glob("*.yaml")) for d in _docs(f)]
    args = {
        c["args"][0]
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert args >= SERVICES
    queries = [t["metadata"]["query"] for d in docs if d["kind"] == "ScaledObject"
               for t in d["spec"]["triggers"]]  # fmt: skip
    assert sorted(q.split('"')[1] for q in queries) == sorted(QUEUES)
    listed = yaml.safe_load((k8s / "kustomization.yaml").read_text("utf-8"))["resources"]
    assert sorted(listed) == sorted(
        f.name for f in k8s.glob("*.yaml") if f.name != "kustomization.yaml"
    )
