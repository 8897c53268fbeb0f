"""Where the server and key come from; --fail-on; the SSE parser; the summary's groups."""

from __future__ import annotations

import pytest

from verdict.client import config, outcome, sse, summary
from verdict.client.transport import backoff, retry_after

PROFILE = """
[default]
server = "prod"

[defaults]
fail_on = "product-bug"

[servers.prod]
url = "https://verdict.example.com/"
api_key = "vdk_prod"

[servers.staging]
url = "https://staging.example.com"
fail_on = ["infrastructure", "code-issue"]
labels = { team = "shop" }
"""


@pytest.fixture
def env(tmp_path):
    (tmp_path / "verdict").mkdir()
    (tmp_path / "verdict" / "config.toml").write_text(PROFILE)
    return {"XDG_CONFIG_HOME": str(tmp_path)}


def test_the_default_profile(env):
    chosen = config.resolve(None, None, env)
    assert (chosen.url, chosen.api_key, chosen.name) == (
        "https://verdict.example.com",
        "vdk_prod",
        "prod",
    )
    assert chosen.options == {"fail_on": "product-bug"}


def test_a_named_profile_over_defaults(env):
    chosen = config.resolve("staging", None, env)
    assert chosen.options == {
        "fail_on": ["infrastructure", "code-issue"],
        "labels": {"team": "shop"},
    }
    assert chosen.api_key == ""
    assert config.resolve(None, None, {**env, "VERDICT_PROFILE": "staging"}).name == "staging"


def test_flags_then_environment_then_profile(env):
    assert (
        config.resolve("http://flag:1", None, {**env, "VERDICT_URL": "http://env:2"}).url
        == "http://flag:1"
    )
    from_env = config.resolve(
        None, None, {**env, "VERDICT_URL": "http://env:2", "VERDICT_API_KEY": "k"}
    )
    assert (from_env.url, from_env.api_key, from_env.options) == ("http://env:2", "k", {})
    # A key flag wins over the environment and the profile; a URL uses no profile.
    assert config.resolve(None, "flagkey", {**env, "VERDICT_API_KEY": "k"}).api_key == "flagkey"
    assert config.resolve("https://other", None, env).api_key == ""


def test_config_errors(env, tmp_path):
    with pytest.raises(config.ConfigError, match=r"no profile 'nope'.*profiles: prod, staging"):
        config.resolve("nope", None, env)
    with pytest.raises(config.ConfigError, match="no server"):
        config.resolve(None, None, {"XDG_CONFIG_HOME": str(tmp_path / "empty")})
    bad = tmp_path / "bad.toml"
    bad.write_text('[servers.x]\nurl = "http://x"\nretries = "many"\n')
    with pytest.raises(config.ConfigError, match=r"servers\.x\.retries must be int"):
        config.resolve("x", None, {"VERDICT_CONFIG": str(bad)})
    bad.write_text('[servers.x]\nurl = "http://x"\nurll = "typo"\n')
    with pytest.raises(config.ConfigError, match=r"unknown key servers\.x\.urll"):
        config.resolve("x", None, {"VERDICT_CONFIG": str(bad)})
    bad.write_text("[servers.x\n")
    with pytest.raises(config.ConfigError, match="cannot read"):
        config.resolve("x", None, {"VERDICT_CONFIG": str(bad)})


def test_fail_on():
    assert outcome.parse_fail_on(None) == frozenset()
    assert outcome.parse_fail_on(["product-bug,infrastructure", "code-issue"]) == {
        "product-bug",
        "infrastructure",
        "code-issue",
    }
    assert outcome.parse_fail_on("none") == frozenset()
    with pytest.raises(outcome.PolicyError, match="unknown flaky"):
        outcome.parse_fail_on("flaky")
    found = ["CODE ISSUE", "PRODUCT BUG", "PRODUCT BUG", ""]
    assert outcome.matched(frozenset({"product-bug"}), found) == ["PRODUCT BUG"]
    assert outcome.matched(frozenset({"infrastructure"}), found) == []
    assert outcome.matched(frozenset({"any"}), found) == ["CODE ISSUE", "PRODUCT BUG", ""]


def test_sse_parser_follows_the_event_stream_rules():
    parser = sse.Parser()
    lines = [
        ": keep-alive",
        "",
        "id: 1712-0",
        "event: phase",
        'data: {"phase": "analyzing"}',
        "",
        "id: 1712-1\r\n",
        "data:line one",
        "data: line two",
        "",
    ]
    events = [e for line in lines if (e := parser.feed(line)) is not None]
    assert events == [
        sse.Event("phase", '{"phase": "analyzing"}', "1712-0"),
        sse.Event("message", "line one\nline two", "1712-1"),
    ]
    assert events[0].json() == {"phase": "analyzing"}
    assert parser.last_id == "1712-1"


def test_retry_after_and_backoff():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None
    assert all(0.5 <= backoff(1) <= 1.0 for _ in range(20))
    assert all(backoff(10) <= 30.0 for _ in range(20))


def failure(test, classification, signature, error="boom", **analysis):
    return {
        "test_name": test,
        "error": error,
        "error_signature": signature,
        "analysis": {"classification": classification, "details": f"why {signature}", **analysis},
    }


RESULT = {
    "summary": "4 failures in 3 groups",
    "failures": [
        failure("t.c1", "CODE ISSUE", "s3", code_fix={"file": "t.py", "line": "9"}),
        failure(
            "t.i1", "INFRASTRUCTURE", "s2", error="Connection refused\nmore", evidence="DNS down"
        ),
        failure(
            "t.p1",
            "PRODUCT BUG",
            "s1",
            product_bug_report={"title": "Login 500", "jira_matches": [{"key": "SHOP-1"}]},
        ),
        failure("t.p2", "PRODUCT BUG", "s1"),
    ],
}


def test_groups_fold_by_signature_and_order_by_class_then_size():
    found = summary.groups(RESULT)
    assert [(g.classification, g.tests) for g in found] == [
        ("PRODUCT BUG", ["t.p1", "t.p2"]),
        ("INFRASTRUCTURE", ["t.i1"]),
        ("CODE ISSUE", ["t.c1"]),
    ]
    assert summary.counts(found)["PRODUCT BUG"] == {"groups": 1, "tests": 2}


def test_text_summary():
    text = summary.text(RESULT, "http://v/results/1")
    assert text.splitlines()[0] == (
        "Verdict: 4 failures in 3 groups: 2 PRODUCT BUG, 1 INFRASTRUCTURE, 1 CODE ISSUE"
    )
    assert "\n     2x t.p1 (+1 more): boom\n" in text
    assert "        bug: Login 500" in text and "        Jira: SHOP-1" in text
    assert "        evidence: DNS down" in text and "        fix at: t.py:9" in text
    assert text.rstrip().endswith("Report: http://v/results/1")
    assert summary.text({"failures": []}, "u").startswith("Verdict: no failures\n")


def test_markdown_escapes_what_markdown_would_render():
    result = {"failures": [failure("t.a|b", "PRODUCT BUG", "s", error="<script> *x* | `y`")]}
    md = summary.markdown(result, "http://v/results/1")
    assert "| PRODUCT BUG | 1 | 1 |" in md
    assert "**t.a\\|b**: &lt;script&gt; \\*x\\* \\| 'y'" in md
    assert md.rstrip().endswith("[Full report](http://v/results/1)")
