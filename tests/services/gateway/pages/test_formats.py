"""The pages' small pieces: mentions, link targets, badges and charts escape what they show."""

from __future__ import annotations

from services.gateway.pages import charts
from services.gateway.pages.formats import badge, mentions, safe_url


def test_mentions_are_marked_and_escaped():
    out = str(mentions("ping @bob and <b>@eve</b>, not mail@example.com"))
    assert '<span class="mention">@bob</span>' in out
    assert '<span class="mention">@eve</span>' in out
    assert "&lt;b&gt;" in out and "<b>" not in out
    assert "mail@example.com" in out and "@example" not in out.replace("mail@example", "")


def test_only_web_links_are_links():
    assert safe_url("https://jira.example.com/browse/P-1") == "https://jira.example.com/browse/P-1"
    assert safe_url("javascript:alert(1)") == "#"
    assert safe_url(" JaVaScRiPt:alert(1)") == "#"
    assert safe_url("data:text/html,x") == "#"
    assert safe_url(None) == "#"


def test_a_badge_says_its_class_in_words_and_shape():
    out = str(badge("PRODUCT BUG"))
    assert "PRODUCT BUG" in out and "▲" in out and "badge-bug" in out
    assert "UNCLASSIFIED" in str(badge(""))
    assert "<script>" not in str(badge("<script>"))


def test_charts_escape_labels_and_describe_their_numbers():
    svg = str(
        charts.stacked_bars(
            "Failures <per> day",
            ["<d1>", "d2"],
            [charts.Series("CODE ISSUE", "s-code", [1, 2]), charts.Series("x", "s-bug", [0, 3])],
        )
    )
    assert "<d1>" not in svg and "&lt;d1&gt;" in svg
    assert "style=" not in svg  # the CSP allows no inline style
    assert "d2: CODE ISSUE 2, x 3" in svg  # the description carries the numbers
    assert svg.count("<rect class=") == 3  # zero-height bars are not drawn
    line = str(charts.line("calls", ["a", "b"], [1.0, 4.0]))
    assert "<polyline" in line and line.count("<circle") == 2
    assert "<polyline" not in str(charts.line("none", [], []))
