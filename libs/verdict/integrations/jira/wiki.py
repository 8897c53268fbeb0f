"""Plain text → Jira wiki markup, the description format of REST v2 (Server/DC).

Only code-like blocks are marked up ({noformat} keeps a stack trace's indentation
and stops `*` or `_` in it from turning bold); prose goes through as written.
"""

from __future__ import annotations

from verdict.integrations.jira.adf import split_blocks

__all__ = ["to_wiki"]


def to_wiki(text: str) -> str:
    parts = []
    for kind, chunk in split_blocks(text):
        if kind == "code":
            # A literal {noformat} inside would close the block early.
            body = chunk.replace("{noformat}", "{ noformat}")
            parts.append(f"{{noformat}}\n{body}\n{{noformat}}")
        else:
            parts.append(chunk)
    return "\n\n".join(parts)
