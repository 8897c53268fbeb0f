"""The deployment files stay consistent with the code and with their schemas: every
service the CLI runs is deployed, every worker is scaled on a queue that exists, the
manifests validate offline against the Kubernetes and Compose schemas, and each
Deployment has its probes, resources, disruption budget and a locked-down pod."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from services.gateway.routes.metrics import QUEUES
from services.health_probe import TARGETS

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
SERVICES = {"gateway", "analyzer", "jira-enricher", "tracker", "migrate"}
WORKERS = {"analyzer", "jira-enricher", "tracker"}
# Schemas of this Kubernetes version ship inside kubernetes-validate: no network needed.
K8S_VERSION = "1.30.0"
CRDS = {"ScaledObject"}  # KEDA's, not in the core schemas; checked by shape below


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def _applied() -> list[dict[str, Any]]:
    """What `kubectl apply -k deploy/k8s` applies: the kustomization's resources."""
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))["resources"]
    return [d for name in listed for d in _docs(K8S / name)]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


def test_compose_runs_every_service() -> None:
    commands = {s["command"][0] for s in _compose()["services"].values() if "command" in s}
    assert commands >= SERVICES


def test_compose_matches_the_compose_spec() -> None:
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            "docker-compose.yml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_has_healthchecks_secrets_from_env_and_a_local_only_gateway() -> None:
    compose = _compose()
    services = compose["services"]
    for name, service in services.items():
        if service.get("restart") == "no":  # the one-shot migration
            continue
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name
    for name in ("gateway", "analyzer", "jira_enricher", "tracker"):
        service = services[name]
        assert service["env_file"] == ".env"
        env = service["environment"]
        for key in ("VERDICT_ADMIN_KEY", "VERDICT_ENCRYPTION_KEY"):
            assert env[key].startswith("${" + key + ":?"), (name, key)  # required, from .env
        assert service["read_only"] is True
        test = service["healthcheck"]["test"]
        assert test[:3] == ["CMD", "verdict", "health"]
        assert test[3] in TARGETS
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert "POSTGRES_PASSWORD=" not in (ROOT / "docker-compose.yml").read_text("utf-8")
    (port,) = services["gateway"]["ports"]
    assert port.startswith("${VERDICT_BIND:-127.0.0.1}:")
    example = (ROOT / "deploy" / "compose.env.example").read_text("utf-8")
    for key in ("POSTGRES_PASSWORD", "VERDICT_ADMIN_KEY", "VERDICT_ENCRYPTION_KEY"):
        assert f"\n{key}=" in example


@pytest.mark.parametrize(
    "doc",
    [d for d in _applied() if d["kind"] not in CRDS],
    ids=lambda d: f"{d['kind']}/{d['metadata']['name']}",
)
def test_k8s_manifest_validates_against_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_k8s_runs_every_service_and_scales_workers_on_their_queues() -> None:
    docs = _applied()
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
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))["resources"]
    assert sorted(listed) == sorted(
        f.name
        for f in K8S.glob("*.yaml")
        if f.name not in ("kustomization.yaml", "secret.example.yaml")
    )


def test_the_secret_is_an_example_outside_the_kustomization() -> None:
    assert not any(d["kind"] == "Secret" for d in _applied())
    (example,) = _docs(K8S / "secret.example.yaml")
    kubernetes_validate.validate(example, K8S_VERSION, strict=True)
    assert all("REPLACE-ME" in v for k, v in example["stringData"].items() if "KEY" in k)


def _pods() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (d, d["spec"]["template"]["spec"]) for d in _applied() if d["kind"] in ("Deployment", "Job")
    ]


def test_every_pod_runs_non_root_on_a_read_only_root_filesystem() -> None:
    for doc, pod in _pods():
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        assert pod["securityContext"]["runAsUser"] != 0
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys()
            assert {"cpu", "memory"} <= resources["limits"].keys()


def test_every_deployment_has_probes_and_a_disruption_budget() -> None:
    docs = _applied()
    budgets = [
        d["spec"]["selector"]["matchLabels"] for d in docs if d["kind"] == "PodDisruptionBudget"
    ]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert {d["spec"]["template"]["spec"]["containers"][0]["args"][0] for d in deployments} == (
        WORKERS | {"gateway"}
    )
    for deployment in deployments:
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] in budgets
        assert any(budget.items() <= labels.items() for budget in budgets)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        name = container["args"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert probe in container, (name, probe)
        if name == "gateway":
            assert container["readinessProbe"]["httpGet"]["path"] == "/api/health"
            assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        else:
            command = ["verdict", "health", name]
            assert container["livenessProbe"]["exec"]["command"] == command
            assert container["readinessProbe"]["exec"]["command"] == command
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            env = {e["name"]: e["value"] for e in container["env"]}
            assert env["VERDICT_HEARTBEAT_DIR"] in mounts  # writable on a read-only root


def test_network_policies_admit_only_the_gateway_port_and_worker_metrics() -> None:
    policies = {
        d["metadata"]["name"]: d["spec"] for d in _applied() if d["kind"] == "NetworkPolicy"
    }
    deny = policies["verdict-default-deny-ingress"]
    assert "ingress" not in deny and deny["podSelector"]["matchLabels"] == {"app": "verdict"}
    gateway = policies["verdict-gateway-http"]
    assert gateway["podSelector"]["matchLabels"]["service"] == "gateway"
    assert gateway["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8000}]}]
    workers = policies["verdict-worker-metrics"]
    assert workers["ingress"] == [{"ports": [{"protocol": "TCP", "port": "metrics"}]}]
    (selected,) = [e for e in workers["podSelector"]["matchExpressions"] if e["key"] == "service"]
    assert set(selected["values"]) == WORKERS
    assert len(policies) == 3


def test_worker_metrics_ports_follow_the_offsets_the_workers_use() -> None:
    from services.health_probe import WORKER_QUEUES
    from verdict.metrics import WORKER_PORT_OFFSET

    for deployment in (d for d in _applied() if d["kind"] == "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        name = container["args"][0]
        if name == "gateway":
            continue
        env = {e["name"]: e["value"] for e in container["env"]}
        port = int(env["VERDICT_WORKER_METRICS_PORT"]) + WORKER_PORT_OFFSET[WORKER_QUEUES[name]]
        assert container["ports"] == [{"name": "metrics", "containerPort": port}]
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(port)
