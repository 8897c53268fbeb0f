from verdict.integrations.jira.adf import from_text, split_blocks, to_text
from verdict.integrations.jira.wiki import to_wiki

TRACE = "java.lang.NullPointerException\n\tat com.acme.Login.run(Login.java:42)"
RICH_DOC = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "heading",
            "attrs": {"level": 2},
            "content": [{"type": "text", "text": "Login fails"}],
        },
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Seen by "},
                {"type": "mention", "attrs": {"id": "5b10", "text": "@Alice"}},
                {"type": "text", "text": " on "},
                {
                    "type": "text",
                    "text": "staging",
                    "marks": [{"type": "strong"}, {"type": "code"}],
                },
                {"type": "hardBreak"},
                {"type": "text", "text": "see ", "marks": [{"type": "em"}]},
                {"type": "inlineCard", "attrs": {"url": "https://ci.example.com/job/1"}},
            ],
        },
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "step one"}]}
                    ],
                },
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "step two"}]},
                        {
                            "type": "orderedList",
                            "attrs": {"order": 3},
                            "content": [
                                {
                                    "type": "listItem",
                                    "content": [
                                        {
                                            "type": "paragraph",
                                            "content": [{"type": "text", "text": "nested"}],
                                        }
                                    ],
                                }
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "type": "codeBlock",
            "attrs": {"language": "java"},
            "content": [
                {
                    "type": "text",
                    "text": TRACE,
                }
            ],
        },
        {"type": "rule"},
        {
            "type": "panel",
            "attrs": {"panelType": "info"},
            "content": [
                {
                    "type": "paragraph",
                    "content": [
                        {"type": "text", "text": "in a panel"},
                        {"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}},
                    ],
                }
            ],
        },
        {
            "type": "someFutureNode",
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "still read"}]}],
        },
    ],
}


def test_to_text_flattens_every_node_kind():
    assert to_text(RICH_DOC) == (
        "Login fails\n\n"
        "Seen by @Alice on staging\nsee https://ci.example.com/job/1\n\n"
        "- step one\n- step two\n  3. nested\n\n"
        "java.lang.NullPointerException\n\tat com.acme.Login.run(Login.java:42)\n\n"
        "in a panel😄\n\n"
        "still read"
    )


def test_to_text_accepts_v2_strings_and_garbage():
    assert to_text("plain v2 text") == "plain v2 text"
    assert to_text(None) == ""
    assert to_text(42) == ""
    assert to_text({"type": "doc", "content": [{"type": "paragraph"}, "junk"]}) == ""


def test_from_text_paragraphs_and_stack_trace_code_block():
    text = (
        "The login API returns 500.\nSecond line.\n\n"
        "Traceback (most recent call last):\n"
        '  File "app/login.py", line 42, in handle\n'
        "    user.id\n"
        "AttributeError: 'NoneType' object has no attribute 'id'\n\n"
        "Happens every time."
    )
    doc = from_text(text)
    assert doc["type"] == "doc" and doc["version"] == 1
    kinds = [node["type"] for node in doc["content"]]
    assert kinds == ["paragraph", "codeBlock", "paragraph"]
    first = doc["content"][0]["content"]
    assert first == [
        {"type": "text", "text": "The login API returns 500."},
        {"type": "hardBreak"},
        {"type": "text", "text": "Second line."},
    ]
    assert doc["content"][1]["content"][0]["text"].startswith("Traceback")
    # The round trip keeps every word.
    assert to_text(doc) == text


def test_from_text_never_emits_empty_text_nodes():
    doc = from_text("")
    assert doc["content"] == []
    for node in from_text("a\n\n\n\nb")["content"]:
        assert all(child.get("text", "x") for child in node["content"])


def test_split_blocks_fenced_and_java_traces():
    trace = "java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)"
    text = f"Intro\n```\nraw {{ code }}\n```\n{trace}"
    assert split_blocks(text) == [
        ("paragraph", "Intro"),
        ("code", "raw { code }"),
        (
            "code",
            "java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)",
        ),
    ]


def test_to_wiki_wraps_traces_in_noformat():
    wiki = to_wiki(
        'Fails.\n\nTraceback (most recent call last):\n  File "x.py", line 1, in f\n{noformat}'
    )
    assert wiki == (
        'Fails.\n\n{noformat}\nTraceback (most recent call last):\n  File "x.py", line 1, in f\n'
        "{ noformat}\n{noformat}"
    )
