"""Run identity from each CI system's own environment variables (as each documents them)."""

from __future__ import annotations

import json

import pytest

from verdict.client.ci import RunIdentity, detect, repository_path

GITHUB_PUSH = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_WORKFLOW": "CI",
    "GITHUB_JOB": "e2e",
    "GITHUB_RUN_NUMBER": "42",
    "GITHUB_RUN_ID": "9876543210",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REF": "refs/heads/main",
    "GITHUB_REF_NAME": "main",
    "GITHUB_HEAD_REF": "",
    "GITHUB_SHA": "a" * 40,
}


def test_github_actions_push():
    assert detect(GITHUB_PUSH).fields() == {
        "job_name": "acme/shop/CI/e2e",
        "build_number": 42,
        "run_id": "9876543210",
        "branch": "main",
        "commit": "a" * 40,
        "run_url": "https://github.com/acme/shop/actions/runs/9876543210",
        "ci": "github-actions",
        "labels": {"repository": "acme/shop"},
    }


def test_github_actions_pull_request_reads_the_event_payload(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 17, "head": {"sha": "b" * 40}}}))
    env = {
        **GITHUB_PUSH,
        "GITHUB_REF": "refs/pull/17/merge",
        "GITHUB_REF_NAME": "17/merge",
        "GITHUB_HEAD_REF": "feature/login",
        "GITHUB_SHA": "c" * 40,  # GitHub's merge commit, not the change
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_EVENT_PATH": str(event),
    }
    identity = detect(env)
    assert (identity.pull_request, identity.branch, identity.commit) == (
        17,
        "feature/login",
        "b" * 40,
    )
    assert identity.run_url == "https://github.com/acme/shop/actions/runs/9876543210/attempts/2"


def test_github_pull_request_number_from_the_ref_without_a_payload():
    env = {**GITHUB_PUSH, "GITHUB_REF": "refs/pull/5/merge", "GITHUB_EVENT_PATH": "/nonexistent"}
    assert detect(env).pull_request == 5


def test_gitlab_merge_request_pipeline():
    env = {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": "acme/shop",
        "CI_JOB_NAME": "e2e",
        "CI_PIPELINE_IID": "311",
        "CI_PIPELINE_ID": "1200345",
        "CI_COMMIT_REF_NAME": "feature/login",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/login",
        "CI_COMMIT_SHA": "d" * 40,
        "CI_MERGE_REQUEST_IID": "23",
        "CI_JOB_URL": "https://gitlab.example.com/acme/shop/-/jobs/555",
        "CI_PIPELINE_URL": "https://gitlab.example.com/acme/shop/-/pipelines/1200345",
    }
    assert detect(env).fields() == {
        "job_name": "acme/shop/e2e",
        "build_number": 311,
        "run_id": "1200345",
        "branch": "feature/login",
        "commit": "d" * 40,
        "pull_request": 23,
        "run_url": "https://gitlab.example.com/acme/shop/-/jobs/555",
        "ci": "gitlab",
        "labels": {"repository": "acme/shop"},
    }


def test_gitlab_branch_pipeline_has_no_merge_request():
    env = {"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"}
    identity = detect(env)
    assert (identity.branch, identity.pull_request) == ("main", None)


def test_jenkins_multibranch_pull_request():
    env = {
        "JENKINS_URL": "https://jenkins.example.com/",
        "JOB_NAME": "shop/PR-9",
        "BUILD_NUMBER": "7",
        "BUILD_TAG": "jenkins-shop-PR-9-7",
        "BUILD_URL": "https://jenkins.example.com/job/shop/job/PR-9/7/",
        "BRANCH_NAME": "PR-9",
        "CHANGE_ID": "9",
        "CHANGE_BRANCH": "feature/login",
        "GIT_COMMIT": "e" * 40,
        "GIT_URL": "https://github.com/acme/shop.git",
    }
    assert detect(env).fields() == {
        "job_name": "shop/PR-9",
        "build_number": 7,
        "run_id": "jenkins-shop-PR-9-7",
        "branch": "feature/login",
        "commit": "e" * 40,
        "pull_request": 9,
        "run_url": "https://jenkins.example.com/job/shop/job/PR-9/7/",
        "ci": "jenkins",
        "labels": {"repository": "acme/shop"},
    }


def test_jenkins_freestyle_git_branch_loses_its_remote():
    env = {"JENKINS_URL": "http://j/", "BUILD_NUMBER": "3", "GIT_BRANCH": "origin/release-1"}
    assert detect(env).branch == "release-1"


def test_buildkite():
    env = {
        "BUILDKITE": "true",
        "BUILDKITE_ORGANIZATION_SLUG": "acme",
        "BUILDKITE_PIPELINE_SLUG": "shop",
        "BUILDKITE_BUILD_NUMBER": "1514",
        "BUILDKITE_BUILD_ID": "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983",
        "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/shop/builds/1514",
        "BUILDKITE_JOB_ID": "e44f9784-e20e-4b93-a21d-f41fd5869db9",
        "BUILDKITE_BRANCH": "main",
        "BUILDKITE_COMMIT": "f" * 40,
        "BUILDKITE_PULL_REQUEST": "false",
        "BUILDKITE_REPO": "git@github.com:acme/shop.git",
    }
    assert detect(env).fields() == {
        "job_name": "acme/shop",
        "build_number": 1514,
        "run_id": "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983",
        "branch": "main",
        "commit": "f" * 40,
        "run_url": "https://buildkite.com/acme/shop/builds/1514#e44f9784-e20e-4b93-a21d-f41fd5869db9",
        "ci": "buildkite",
        "labels": {"repository": "acme/shop"},
    }
    assert detect({**env, "BUILDKITE_PULL_REQUEST": "88"}).pull_request == 88


def test_circleci():
    env = {
        "CIRCLECI": "true",
        "CIRCLE_PROJECT_USERNAME": "acme",
        "CIRCLE_PROJECT_REPONAME": "shop",
        "CIRCLE_JOB": "e2e",
        "CIRCLE_BUILD_NUM": "880",
        "CIRCLE_WORKFLOW_ID": "6d2f5a1e-0b7c-4a77-9b1a-2c7d3c5e9f10",
        "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/shop/880",
        "CIRCLE_BRANCH": "feature/login",
        "CIRCLE_SHA1": "1" * 40,
        "CIRCLE_PULL_REQUEST": "https://github.com/acme/shop/pull/31",
    }
    assert detect(env).fields() == {
        "job_name": "acme/shop/e2e",
        "build_number": 880,
        "run_id": "6d2f5a1e-0b7c-4a77-9b1a-2c7d3c5e9f10",
        "branch": "feature/login",
        "commit": "1" * 40,
        "pull_request": 31,
        "run_url": "https://circleci.com/gh/acme/shop/880",
        "ci": "circleci",
        "labels": {"repository": "acme/shop"},
    }


def test_azure_pipelines_pull_request():
    env = {
        "TF_BUILD": "True",
        "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
        "SYSTEM_TEAMPROJECT": "Shop Team",
        "BUILD_DEFINITIONNAME": "shop-ci",
        "BUILD_BUILDID": "4411",
        "BUILD_BUILDNUMBER": "20240501.3",
        "BUILD_SOURCEBRANCH": "refs/pull/12/merge",
        "SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/feature/login",
        "SYSTEM_PULLREQUEST_SOURCECOMMITID": "2" * 40,
        "BUILD_SOURCEVERSION": "3" * 40,
        "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "12",
        "BUILD_REPOSITORY_NAME": "shop",
    }
    assert detect(env).fields() == {
        "job_name": "Shop Team/shop-ci",
        "build_number": 4411,
        "run_id": "20240501.3",
        "branch": "feature/login",
        "commit": "2" * 40,
        "pull_request": 12,
        "run_url": "https://dev.azure.com/acme/Shop%20Team/_build/results?buildId=4411",
        "ci": "azure",
        "labels": {"repository": "shop"},
    }


def test_azure_branch_build():
    env = {"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/heads/release/2.0"}
    assert detect(env).branch == "release/2.0"


def test_no_ci_and_other():
    assert detect({"PATH": "/usr/bin"}).fields() == {}
    assert detect({"GITHUB_ACTIONS": "true"}, ci="other").fields() == {"ci": "other"}


def test_named_ci_reads_that_systems_variables_only():
    env = {**GITHUB_PUSH, "GITLAB_CI": "true", "CI_PIPELINE_IID": "5"}
    assert detect(env).ci == "github-actions"
    assert detect(env, ci="gitlab").build_number == 5


def test_flags_win_over_the_environment_and_labels_merge():
    found = detect(GITHUB_PUSH)
    given = RunIdentity(job_name="shop-e2e", build_number=3, labels={"suite": "smoke"})
    merged = given.over(found)
    assert (merged.job_name, merged.build_number, merged.branch) == ("shop-e2e", 3, "main")
    assert merged.labels == {"repository": "acme/shop", "suite": "smoke"}


def test_non_numeric_build_numbers_are_not_sent():
    assert detect({"JENKINS_URL": "x", "BUILD_NUMBER": "7a"}).build_number is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://github.com/acme/shop.git", "acme/shop"),
        ("git@github.com:acme/shop.git", "acme/shop"),
        ("ssh://git@gitlab.example.com/group/sub/proj.git", "group/sub/proj"),
        ("acme/shop", "acme/shop"),
    ],
)
def test_repository_path(url, path):
    assert repository_path(url) == path
