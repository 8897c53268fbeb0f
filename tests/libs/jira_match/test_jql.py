"""JQL escaping: a table, then the fake Jira's parser as the judge."""

import pytest

from tests.fakes.jira import fake_issue
from verdict.jira_match.jql import (
    MAX_TERMS,
    build_jql,
    jql_string,
    lucene_phrase,
    normalize_keywords,
    text_literal,
)


@pytest.mark.parametrize(
    ("term", "literal"),
    [
        ("timeout", r'"\"timeout\""'),
        ("connection refused", r'"\"connection refused\""'),
        ('say "hi"', r'"\"say \\\"hi\\\"\""'),
        ("C:\\temp", r'"\"C\\:\\\\temp\""'),
        ("a+b", r'"\"a\\+b\""'),
        ("a-b", r'"\"a\\-b\""'),
        ("a&&b", r'"\"a\\&\\&b\""'),
        ("a||b", r'"\"a\\|\\|b\""'),
        ("!x", r'"\"\\!x\""'),
        ("f(x)", r'"\"f\\(x\\)\""'),
        ("{a}", r'"\"\\{a\\}\""'),
        ("[a]", r'"\"\\[a\\]\""'),
        ("a^2", r'"\"a\\^2\""'),
        ("~a", r'"\"\\~a\""'),
        ("a*", r'"\"a\\*\""'),
        ("a?", r'"\"a\\?\""'),
        ("key:value", r'"\"key\\:value\""'),
        ("a/b", r'"\"a\\/b\""'),
        ("NOT", r'"\"NOT\""'),  # a phrase: Lucene reads the word, not the operator
        ("AND", r'"\"AND\""'),
        ("empty", r'"\"empty\""'),  # JQL reserved word, safe inside quotes
    ],
)
def test_text_literal_table(term, literal):
    assert text_literal(term) == literal


def test_layers_separately():
    assert jql_string('a"b\\c') == r'"a\"b\\c"'
    assert lucene_phrase("a:b") == r'"a\:b"'


def test_normalize_keywords_cleans_dedupes_and_caps():
    raw = [
        "  Timeout\n",
        "timeout",
        "",
        "!!!",
        "Connection\tRefused",
        *[f"k{i}" for i in range(20)],
    ]
    terms = normalize_keywords(raw)
    assert terms[:2] == ("timeout", "connection refused")
    assert len(terms) == MAX_TERMS
    assert len(normalize_keywords(["word " * 50])[0]) <= 100


def test_build_jql_shape():
    jql = build_jql(["Timeout", "NOT"], "PROJ", ["Bug", "Defect"])
    assert jql == (
        'project = "PROJ" AND issuetype in ("Bug", "Defect") AND ('
        r'summary ~ "\"timeout\"" OR description ~ "\"timeout\"" OR '
        r'summary ~ "\"not\"" OR description ~ "\"not\""'
        ") ORDER BY updated DESC"
    )


def test_build_jql_without_project_or_types():
    assert build_jql(["x"], None, []).startswith('(summary ~ "\\"x\\""')


@pytest.mark.parametrize("keywords", [[], ["", "  "], ["!!", "()"]])
def test_build_jql_refuses_no_terms(keywords):
    with pytest.raises(ValueError):
        build_jql(keywords, "PROJ")


@pytest.mark.parametrize("key", ['PROJ" OR project = "X', "1ABC", "A B", ""])
def test_build_jql_refuses_bad_project_keys(key):
    if not key:
        assert build_jql(["x"], key).startswith("issuetype")
        return
    with pytest.raises(ValueError):
        build_jql(["x"], key)


NASTY = [
    'quote "inside"',
    "back\\slash",
    "+plus -minus &amp |pipe !bang",
    "(paren) {brace} [bracket]",
    "^caret ~tilde *star ?query :colon /slash",
    "NOT",
    "AND OR",
]


@pytest.mark.parametrize("flavor", ["cloud", "server"])
@pytest.mark.parametrize("term", NASTY)
async def test_fake_jira_accepts_and_finds_every_nasty_term(jira_match_client, flavor, term):
    """The fake Jira rejects unescaped operators; escaped ones must round-trip."""
    issues = [fake_issue("PROJ-1", f"Crash on {term} input"), fake_issue("PROJ-2", "Unrelated")]
    async with jira_match_client(flavor, issues=issues) as (client, state):
        found = await client.search_issues(build_jql([term], "PROJ"))
        assert [i.key for i in found] == ["PROJ-1"]
        assert state.jql_seen


async def test_fake_jira_rejects_unescaped_operators(jira_match_client):
    from verdict.integrations.jira import JiraBadRequest

    async with jira_match_client("cloud") as (client, _):
        with pytest.raises(JiraBadRequest):
            await client.search_issues('summary ~ "a:b"')
        with pytest.raises(JiraBadRequest):
            await client.search_issues('summary ~ "unbalanced')
