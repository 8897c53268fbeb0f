import copy

from tests.libs.integrations.jenkins.conftest import corpus
from verdict.integrations.jenkins.children import (
    children_from_build,
    children_from_console,
    failed_children,
)
from verdict.integrations.jenkins.models import ChildRef

NODE = "https://ci.nodejs.org/"


def test_matrix_runs_failed_cell() -> None:
    build = corpus("jk_matrixbuild-runs.json")
    assert failed_children(build) == [
        ChildRef(
            "node-test-commit-linux/nodes=debian9-64",
            19446,
            "https://ci.nodejs.org/job/node-test-commit-linux/nodes=debian9-64/19446/",
            "FAILURE",
        )
    ]


def test_matrix_stale_cells_are_not_children_of_this_build() -> None:
    build = corpus("jk_matrixbuild-runs.json")
    assert len(children_from_build(build)) == 20  # no parent number in this tree: keep all
    build["number"] = 19446
    numbers = {c.build_number for c in children_from_build(build)}
    assert numbers == {19446}


def test_matrix_runs_without_result_in_tree() -> None:
    build = corpus("jk_matrixbuild-citgm.json")  # runs[] carry number+url only
    refs = children_from_build(build)
    assert len(refs) == 11
    assert refs[0].job_name == "citgm-smoker/nodes=aix71-ppc64"
    assert failed_children(build) == []


def test_multijob_direct_children_only() -> None:
    build = corpus("jk_multijob-building.json")
    refs = children_from_build(build, base_url=NODE)
    assert refs == [ChildRef("node-test-commit", 40219, f"{NODE}job/node-test-commit/40219/", None)]
    assert failed_children(build, base_url=NODE) == []  # still running


def test_multijob_nested_phase_from_the_child_json() -> None:
    # What the client sees after fetching node-test-commit #40219 itself.
    child = copy.deepcopy(corpus("jk_multijob-building.json")["subBuilds"][0]["build"])
    child["subBuilds"][1]["result"] = "FAILURE"
    child["subBuilds"][4]["result"] = "UNSTABLE"
    child["subBuilds"][5]["result"] = "SUCCESS"
    refs = failed_children(child, base_url="https://ci.nodejs.org")
    assert [(r.job_name, r.build_number, r.result) for r in refs] == [
        ("node-test-commit-osx", 35763, "FAILURE"),
        ("node-test-linter", 36264, "UNSTABLE"),
    ]
    assert refs[0].url == "https://ci.nodejs.org/job/node-test-commit-osx/35763/"


def test_folder_child_name_comes_from_url_not_jobname() -> None:
    build = {
        "subBuilds": [
            {"jobName": "e2e", "buildNumber": 5, "url": "job/qa/job/e2e/5/", "result": "FAILURE"}
        ]
    }
    assert failed_children(build)[0].job_name == "qa/e2e"


def test_triggered_builds_and_dedup() -> None:
    trig = {"number": 12, "url": "https://j/job/folder/job/x/12/", "result": None}
    done = dict(trig, result="FAILURE")
    build = {
        "actions": [
            {},
            {
                "_class": "hudson.plugins.parameterizedtrigger.BuildInfoExporterAction",
                "triggeredBuilds": [
                    trig,
                    done,
                    {"number": 3, "url": "https://j/job/y/3/", "result": "SUCCESS"},
                ],
            },
        ]
    }
    refs = children_from_build(build)
    assert [(r.job_name, r.build_number, r.result) for r in refs] == [
        ("folder/x", 12, "FAILURE"),
        ("y", 3, "SUCCESS"),
    ]
    assert [r.job_name for r in failed_children(build)] == ["folder/x"]


CONSOLE = """\
[Pipeline] build (Building folder » component-tests)
Scheduling project: folder » component-tests
Starting building: folder » component-tests #12
[2024-05-01T10:00:00.000Z] Starting building: unit #7
Build folder » component-tests #12 completed: FAILURE
unit #7 completed. Result was UNSTABLE
\x1b[31mFinished Build : #40 of Job : lint with status : FAILURE\x1b[0m
Finished Build : #41 of Job : docs with status : SUCCESS
Starting building: pending-job #3
Finished: FAILURE
"""


def test_console_fallback_formats() -> None:
    refs = children_from_console(CONSOLE.splitlines(), base_url="https://j/")
    assert [(r.job_name, r.build_number, r.result) for r in refs] == [
        ("folder/component-tests", 12, "FAILURE"),
        ("unit", 7, "UNSTABLE"),
        ("lint", 40, "FAILURE"),
        ("docs", 41, "SUCCESS"),
        ("pending-job", 3, None),
    ]
    assert refs[0].url == "https://j/job/folder/job/component-tests/12/"


def test_console_is_only_a_fallback() -> None:
    lines = CONSOLE.splitlines()
    pipeline = corpus("jk_workflowrun-changesets.json")  # no child fields at all
    assert [r.job_name for r in failed_children(pipeline, lines)] == [
        "folder/component-tests",
        "unit",
        "lint",
    ]
    matrix = corpus("jk_matrixbuild-runs.json")
    assert [r.build_number for r in failed_children(matrix, lines)] == [19446]
