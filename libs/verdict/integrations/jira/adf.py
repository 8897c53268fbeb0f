"""Atlassian Document Format (Jira Cloud, REST v3) to plain text and back.

Reading: issue descriptions arrive as ADF trees on Cloud; matching and previews
want plain text, so the tree is flattened (marks dropped, mentions and cards kept
as their visible text). Unknown node types are walked, never rejected: Atlassian
adds node types over time and a description must still yield its words.

Writing: our bug descriptions are plain text holding stack traces; paragraphs stay
paragraphs (lines joined by hardBreak) and trace-like blocks become code blocks so
they keep their indentation in Jira.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["from_text", "split_blocks", "to_text"]

Node = Mapping[str, Any]

_LIST_TYPES = {"bulletList", "orderedList", "taskList", "decisionList"}


def to_text(doc: Any) -> str:
    """Flatten an ADF document (or a v2 plain string, or None) to plain text."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, Mapping):
        return ""
    return _blocks(doc.get("content") or [], sep="\n\n").strip()


def _blocks(nodes: Iterable[Any], sep: str = "\n") -> str:
    parts = (_block(n) for n in nodes if isinstance(n, Mapping))
    return sep.join(p for p in parts if p)


def _block(node: Node, depth: int = 0) -> str:
    kind = node.get("type")
    content = node.get("content") or []
    if kind in _LIST_TYPES:
        return _list(node, depth)
    if kind == "codeBlock":
        return _inline(content)
    if kind in {"paragraph", "heading"}:
        return _inline(content)
    if kind == "rule":
        return ""
    if kind == "table":
        return "\n".join(_row(r) for r in content if isinstance(r, Mapping))
    if kind in {"text", "hardBreak", "mention", "emoji", "inlineCard", "status", "date"}:
        return _inline([node])
    # blockquote, panel, expand, layoutSection, mediaSingle, anything new: walk it.
    return _blocks(content)


def _list(node: Node, depth: int) -> str:
    ordered = node.get("type") == "orderedList"
    start = int((node.get("attrs") or {}).get("order") or 1)
    indent = "  " * depth
    lines = []
    for i, item in enumerate(c for c in node.get("content") or [] if isinstance(c, Mapping)):
        bullet = f"{start + i}. " if ordered else "- "
        parts = []
        for child in item.get("content") or []:
            if not isinstance(child, Mapping):
                continue
            if child.get("type") in _LIST_TYPES:
                parts.append(_list(child, depth + 1))
            elif child.get("type") == "text":  # taskItem/decisionItem hold inline nodes
                parts.append(_inline([child]))
            else:
                parts.append(_block(child, depth + 1))
        first, *rest = [p for p in parts if p] or [""]
        lines.append(f"{indent}{bullet}{first}")
        lines.extend(rest)
    return "\n".join(lines)


def _row(row: Node) -> str:
    cells = (_blocks(c.get("content") or [], sep=" ") for c in row.get("content") or [])
    return " | ".join(cells)


def _inline(nodes: Iterable[Any]) -> str:
    out: list[str] = []
    for node in nodes:
        if not isinstance(node, Mapping):
            continue
        kind = node.get("type")
        attrs = node.get("attrs") or {}
        if kind == "text":
            out.append(str(node.get("text", "")))  # marks (bold, code, link) carry no words
        elif kind == "hardBreak":
            out.append("\n")
        elif kind == "mention":
            text = str(attrs.get("text") or "")
            out.append(text if text.startswith("@") or not text else f"@{text}")
        elif kind == "emoji":
            out.append(str(attrs.get("text") or attrs.get("shortName") or ""))
        elif kind in {"inlineCard", "blockCard"}:
            out.append(str(attrs.get("url") or ""))
        elif kind == "status":
            out.append(str(attrs.get("text") or ""))
        elif kind == "date":
            out.append(_date(attrs.get("timestamp")))
        else:
            out.append(_blocks(node.get("content") or []))
    return "".join(out)


def _date(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError):
        return ""


# --- plain text -> ADF -------------------------------------------------------------

BlockKind = Literal["paragraph", "code"]

_FRAME = re.compile(
    r"""^\s*(
        Traceback\ \(most\ recent\ call\ last\)
      | at\ [\w$.<>/]+\(.*\)            # Java / JS frame
      | File\ ".*",\ line\ \d+          # Python frame
      | \.\.\.\ \d+\ more               # Java elided frames
      | Caused\ by:
      | goroutine\ \d+
    )""",
    re.VERBOSE,
)
_FENCE = re.compile(r"^```")


def split_blocks(text: str) -> list[tuple[BlockKind, str]]:
    """Split text into paragraphs and code blocks (fenced, indented or stack-trace-like)."""
    blocks: list[tuple[BlockKind, str]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    para: list[str] = []

    def flush() -> None:
        if para:
            chunk = "\n".join(para).strip("\n")
            if chunk.strip():
                blocks.append(("code" if _looks_like_code(para) else "paragraph", chunk))
            para.clear()

    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            flush()
            end = next((j for j in range(i + 1, len(lines)) if _FENCE.match(lines[j])), len(lines))
            code = "\n".join(lines[i + 1 : end])
            if code.strip():
                blocks.append(("code", code))
            i = end + 1
            continue
        if not line.strip():
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def _looks_like_code(lines: list[str]) -> bool:
    frames = sum(1 for line in lines if _FRAME.match(line))
    indented = sum(1 for line in lines if line.startswith(("    ", "\t")))
    # One frame line is enough in a short block; in long ones most lines must be code.
    return (frames >= 1 and (frames + indented) * 2 >= len(lines)) or indented == len(lines)


def from_text(text: str) -> dict[str, Any]:
    """Plain text → an ADF document: paragraphs (hardBreak per line) and code blocks."""
    content: list[dict[str, Any]] = []
    for kind, chunk in split_blocks(text):
        if kind == "code":
            content.append({"type": "codeBlock", "content": [{"type": "text", "text": chunk}]})
            continue
        inline: list[dict[str, Any]] = []
        for n, line in enumerate(chunk.split("\n")):
            if n:
                inline.append({"type": "hardBreak"})
            if line:  # ADF rejects empty text nodes
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}
