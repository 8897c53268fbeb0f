from datetime import UTC, datetime, timedelta

from verdict.integrations.jira.models import Issue
from verdict.jira_match.scoring import Match, score_candidates, tokenize

NOW = datetime(2025, 6, 1, tzinfo=UTC)
JIRA = "https://jira.example.com"
TITLE = "Login API returns 500 when the user record is missing"
FAILURE = (
    "AttributeError: 'NoneType' object has no attribute 'id'\n"
    'File "auth/login.py", line 42, in handle_login\n'
    "POST /api/login -> 500 Internal Server Error"
)


def issue(
    key: str, summary: str, description: str = "", *, done: bool = False, age_days: int = 10
) -> Issue:
    return Issue(
        key=key,
        summary=summary,
        description=description,
        status="Closed" if done else "Open",
        status_category="done" if done else "new",
        priority="High",
        updated=NOW - timedelta(days=age_days),
    )


CANDIDATES = [
    issue("PROJ-1", "Dark mode toggle does not persist", "UI preference lost after reload"),
    issue(
        "PROJ-2",
        "Login API returns 500 when user record is missing",
        "handle_login raises AttributeError NoneType id",
    ),
    issue("PROJ-3", "Login page slow on first load", "The login page takes 5 seconds"),
    issue("PROJ-4", "Export CSV has wrong encoding", "Umlauts broken in exported file"),
    issue(
        "PROJ-5",
        "Crash in checkout",
        "AttributeError: 'NoneType' object has no attribute 'id' in auth/login.py handle_login",
    ),
]


def test_tokenize_normalizes():
    assert tokenize("NullPointerException in getUserId() at line 42, Failing tests") == [
        "null",
        "pointer",
        "exception",
        "get",
        "user",
        "id",
        "line",
        "fail",
        "test",
    ]


def test_near_identical_summary_first_and_unrelated_dropped():
    matches = score_candidates(FAILURE, TITLE, CANDIDATES, jira_url=JIRA, now=NOW)
    keys = [m.key for m in matches]
    assert keys[0] == "PROJ-2"
    assert "PROJ-5" in keys  # same trace, different summary
    assert "PROJ-1" not in keys and "PROJ-4" not in keys
    top = matches[0]
    assert top == Match(
        "PROJ-2", CANDIDATES[1].summary, "Open", "High", f"{JIRA}/browse/PROJ-2", top.score
    )
    assert 0.8 <= top.score <= 1.0
    assert all(m.score == round(m.score, 3) for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert set(top.to_dict()) == {"key", "summary", "status", "priority", "url", "score"}


def test_open_ranks_above_done_and_fresh_above_stale():
    same = "Login API returns 500 when user record is missing"
    cands = [
        issue("PROJ-10", same, done=True, age_days=5),
        issue("PROJ-11", same, age_days=900),
        issue("PROJ-12", same, age_days=1),
    ]
    keys = [m.key for m in score_candidates(FAILURE, TITLE, cands, jira_url=JIRA, now=NOW)]
    assert keys == ["PROJ-12", "PROJ-11", "PROJ-10"]


def test_unrelated_but_open_and_fresh_scores_near_zero():
    cands = [issue("PROJ-1", "Dark mode toggle does not persist", age_days=0)]
    assert (
        score_candidates(FAILURE, TITLE, cands, jira_url=JIRA, threshold=0.0, now=NOW)[0].score
        < 0.1
    )


def test_max_results_threshold_and_empty():
    assert (
        len(score_candidates(FAILURE, TITLE, CANDIDATES, jira_url=JIRA, max_results=1, now=NOW))
        == 1
    )
    assert (
        score_candidates(FAILURE, TITLE, CANDIDATES, jira_url=JIRA, threshold=1.01, now=NOW) == []
    )
    assert score_candidates(FAILURE, TITLE, [], jira_url=JIRA) == []
    assert score_candidates("", "", CANDIDATES, jira_url=JIRA, now=NOW) == []


def test_naive_datetimes_and_missing_dates_are_tolerated():
    cands = [
        Issue(key="P-1", summary=TITLE, updated=None),
        Issue(key="P-2", summary=TITLE, updated=datetime(2025, 5, 1)),
    ]
    assert {m.key for m in score_candidates(FAILURE, TITLE, cands, jira_url=JIRA, now=NOW)} == {
        "P-1",
        "P-2",
    }
