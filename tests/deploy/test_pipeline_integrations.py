"""The GitHub Action and the GitLab job: valid YAML, and the commands they build.

The action's steps run here as GitHub runs them: each step's `env` with its
`${{ inputs.* }}` expressions filled from the inputs (defaults applied), then its
`run` under bash with GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY set. A stub `verdict` records the command line; one test runs the
real client against the real gateway and analyzer instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.cli import build_parser
from tests.conftest import ROOT
from tests.services.client.support import REPORT, analyzer, gateway

__all__ = ["analyzer", "gateway"]

ACTION_DIR = ROOT / "deploy" / "github-action"
ACTION = yaml.safe_load((ACTION_DIR / "action.yml").read_text("utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s["name"] == name)


def expand(value: str, inputs: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        kind, _, name = match.group(1).partition(".")
        assert kind == "inputs", match.group(0)
        given = inputs.get(name, ACTION["inputs"][name].get("default", ""))
        return str(given)

    return EXPRESSION.sub(one, value)


def run_step(
    name: str, inputs: dict[str, str], tmp: Path, **env: str
) -> subprocess.CompletedProcess:
    s = step(name)
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "GITHUB_ACTION_PATH": str(ACTION_DIR),
        "RUNNER_TEMP": str(tmp / "runner"),
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "step-summary.md"),
        "GITHUB_PATH": str(tmp / "path"),
        "GITHUB_ENV": str(tmp / "env"),
        **{k: expand(str(v), inputs) for k, v in s.get("env", {}).items()},
        **env,
    }
    (tmp / "runner").mkdir(exist_ok=True)
    assert s["shell"] == "bash"
    return subprocess.run(
        ["bash", "-c", s["run"]],
        env=environment,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )


def stub(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


RECORDING_VERDICT = """
import json, os, sys
args = sys.argv[1:]
env = os.environ
seen = {"argv": args, "url": env.get("VERDICT_URL"), "key": env.get("VERDICT_API_KEY")}
json.dump(seen, open(os.environ["RECORD"], "w"))
out = dict(zip(args, args[1:]))
open(out["--markdown"], "w").write("## Verdict: 1 failure\\n")
json.dump({"job_id": "j-1", "report_url": "https://v/results/j-1"}, open(out["--json-out"], "w"))
sys.exit(1)
"""


def test_the_action_is_composite_and_never_splices_inputs_into_scripts():
    assert ACTION["runs"]["using"] == "composite"
    assert {"path", "server", "api-key", "fail-on", "version"} <= set(ACTION["inputs"])
    for s in ACTION["runs"]["steps"]:
        assert s["shell"] == "bash"
        assert "${{" not in s["run"]  # inputs go through env: no script injection
        for value in s.get("env", {}).values():
            for expression in EXPRESSION.findall(str(value)):
                kind, _, name = expression.partition(".")
                assert kind == "inputs" and name in ACTION["inputs"], expression
    for output in ACTION["outputs"].values():
        assert EXPRESSION.fullmatch(output["value"]).group(1).startswith("steps.analyze.outputs.")


def test_the_command_the_action_builds(tmp_path):
    record = tmp_path / "record.json"
    fake = stub(tmp_path / "verdict", RECORDING_VERDICT)
    inputs = {
        "path": "reports/**/*.xml\nmore/TEST-*.xml",
        "server": "https://verdict.example.com",
        "api-key": "vdk_secret",
        "fail-on": "product-bug,infrastructure",
        "labels": "suite=smoke\n  team=shop\n",
        "junit-out": "enriched.xml",
        "args": "--timeout 600 --no-gzip",
    }
    done = run_step(
        "Analyze the reports", inputs, tmp_path, VERDICT_COMMAND=str(fake), RECORD=str(record)
    )
    assert done.returncode == 1, done.stderr  # the step fails as verdict did
    seen = json.loads(record.read_text())
    runner = tmp_path / "runner"
    assert seen["argv"] == [
        "analyze",
        "reports/**/*.xml",
        "more/TEST-*.xml",  # globs reach verdict unexpanded
        "--fail-on",
        "product-bug,infrastructure",
        "--label",
        "suite=smoke",
        "--label",
        "team=shop",
        "--junit-out",
        "enriched.xml",
        "--markdown",
        f"{runner}/verdict-summary.md",
        "--json-out",
        f"{runner}/verdict-result.json",
        "--timeout",
        "600",
        "--no-gzip",
    ]
    assert (seen["url"], seen["key"]) == ("https://verdict.example.com", "vdk_secret")
    assert "vdk_secret" not in seen["argv"]
    # Every argument it builds is one verdict's own parser accepts.
    build_parser().parse_args(seen["argv"])
    outputs = (tmp_path / "output").read_text().splitlines()
    assert outputs == ["exit-code=1", "job-id=j-1", "report-url=https://v/results/j-1"]
    assert (tmp_path / "step-summary.md").read_text() == "## Verdict: 1 failure\n"


def test_the_install_step_installs_the_requested_client(tmp_path):
    calls = tmp_path / "calls"
    python = stub(
        tmp_path / "python",
        f"""
import os, sys
open({str(calls)!r}, "a").write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["-m", "venv"]:
    os.makedirs(sys.argv[3] + "/bin", exist_ok=True)
    os.symlink(sys.argv[0], sys.argv[3] + "/bin/python")
""",
    )
    venv = tmp_path / "runner" / "verdict-venv"
    for version, spec in [
        ("", str(ROOT)),
        ("0.2.0", "verdict==0.2.0"),
        ("verdict @ git+https://git.example.com/verdict.git", None),
    ]:
        calls.unlink(missing_ok=True)
        done = run_step("Install verdict", {"version": version, "python": str(python)}, tmp_path)
        assert done.returncode == 0, done.stderr
        assert calls.read_text().splitlines() == [
            f"-m venv {venv}",
            f"-m pip install --quiet --disable-pip-version-check {spec or version}",
        ]
        subprocess.run(["rm", "-rf", str(venv)], check=True)
    assert (tmp_path / "path").read_text().splitlines()[-1] == f"{venv}/bin"
    assert f"VERDICT_COMMAND={venv}/bin/verdict" in (tmp_path / "env").read_text()


async def test_the_action_runs_the_real_client_against_the_stack(gateway, analyzer, tmp_path, pg):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "TEST-shop.xml").write_text(REPORT)
    inputs = {"path": "reports/*.xml", "server": gateway, "fail-on": "product-bug"}
    # The real client: the virtualenv's `verdict` first on PATH, as install.sh leaves it.
    done = await asyncio.to_thread(
        run_step,
        "Analyze the reports",
        inputs,
        tmp_path,
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    assert done.returncode == 1, done.stderr  # the report's 500s are PRODUCT BUGs
    outputs = dict(line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines())
    assert outputs["exit-code"] == "1"
    assert outputs["job-id"] == str(await pg.fetchval("select id from jobs"))
    assert outputs["report-url"] == f"{gateway}/results/{outputs['job-id']}"
    assert "| PRODUCT BUG |" in (tmp_path / "step-summary.md").read_text()


def test_the_gitlab_job():
    jobs = yaml.safe_load((ROOT / "deploy" / "gitlab" / "verdict.gitlab-ci.yml").read_text("utf-8"))
    job = jobs["verdict"]
    assert job["when"] == "always" and job["artifacts"]["when"] == "always"
    [command] = [line for line in job["script"] if line.startswith("verdict analyze")]
    argv = shlex.split(command)[1:]
    args = build_parser().parse_args(argv)
    assert args.reports == ["reports/**/*.xml"] and args.fail_on == ["$VERDICT_FAIL_ON"]
    assert job["artifacts"]["reports"]["junit"] == args.junit_out
    assert args.markdown in job["artifacts"]["paths"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion(shell, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "completion", shell],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    script = done.stdout
    assert "analyze" in script and "--fail-on" in script and "--junit-out" in script
    if shell == "bash":
        (tmp_path / "c.bash").write_text(script)
        subprocess.run(["bash", "-n", str(tmp_path / "c.bash")], check=True)
