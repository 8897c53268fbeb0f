"""Numbers that name a cause: kept through scrubbing, where every other digit goes.

`expected 200, got 502` and `got 403` are different bugs; so are exit code 143 and
2, signal 9 and 15, TS2307 and TS2339, MySQL 1062 and 1452, sha1 and sha256. The
scrubbers (normalize.py) turn digits into `<n>`; before they run, `protect()` moves
the digits of these spans into a private-use range no scrubber matches, and
`restore()` moves them back afterwards. Each family is a context that makes the
number a code — a status word, an exit/signal phrase, a compiler or database code
shape, a protocol/algorithm/architecture name — never a particular value.
"""

from __future__ import annotations

import re

import re2

_PUA = 0xE030  # private-use code points standing in for 0-9 while scrubbing
_HIDE = str.maketrans({str(d): chr(_PUA + d) for d in range(10)})
_SHOW = str.maketrans({chr(_PUA + d): str(d) for d in range(10)})

_REASON = (
    r"OK|Created|Accepted|No Content|Moved|Found|See Other|Not Modified|Bad Request"
    r"|Unauthori[sz]ed|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable"
    r"|Request Time-?out|Conflict|Gone|Precondition|Payload Too Large|Unsupported Media"
    r"|Unprocessable|Locked|Too Many Requests|Internal Server Error|Not Implemented"
    r"|Bad Gateway|Service Unavailable|Gateway Time-?out|Client Error|Server Error"
)
# Words after a status that still leave it a status ("expected 200 but got 502").
_JOINERS = r"but|got|instead|from|when|for|on|while|and|vs|in|at|with|received|actual|was|is"

# RE2 (linear, one DFA pass over the whole alternation: 6x faster than Python's re
# here, where signing runs for every failure). RE2 has no lookaround, so context
# after a number is consumed instead of peeked at; consumed context holds no digits.
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_KEEP = re2.compile(
    "(?i)"
    + "|".join(
        (
            # HTTP status: with its reason phrase, after a status word, or compared.
            rf"\b[1-5]\d\d[ \t]*[-:(\"']?[ \t]*(?:{_REASON})\b",
            r"(?:\bstatus(?:[ _]?code)?|\bHTTP(?:/\d(?:\.\d)?|[ _]error)?|\bresponse(?:[ _]code)?"
            r"|\bresponded(?: with)?|\breturned|\banswered|\bstatusCode)[\s:=\"'(<\[]*[1-5]\d\d\b",
            rf"(?:\bexpected|\bgot|\bactual|\breceived|\bwant(?:ed)?|\bbut was|\bto (?:be|equal)"
            rf"|\s(?:==|!=)[ \t])[\s:\"'(<\[]*[1-5]\d\d"
            rf"(?:$|[^A-Za-z0-9_ \t]|[ \t]+$|[ \t]+(?:{_JOINERS})\b|[ \t]+[^A-Za-z \t])",
            r"\b[1-5]\d\d[ \t]*(?:===?|!==?|is not)[ \t]*[1-5]\d\d\b",
            # Exit codes, return codes, signals.
            r"\b(?:exit(?:ed)?(?: with)?|exit[ _]?code|exit[ _]?status"
            r"|return(?:ed)?[ _](?:code|status)"
            r"|non-zero exit status|error[ _]?code|errorlevel|status code|with code|\brc"
            r"|(?:killed|terminated) by signal|signal|code)[\s:=(\[]*-?\d{1,5}\b",
            # errno values, Windows and Rust OS errors.
            r"\berrno[\s:=]*-?\d+|\[(?:Errno|WinError) -?\d+\]|\bos error \d+",
            # Compiler, linter, database and API error codes. Case-sensitive: they are
            # printed in capitals, and a random hex id (ca123456) must not pass for one.
            r"(?-i:\b(?:TS|CS|FS|BC|CA|IDE|SA|MSB|NU|NETSDK|LNK|SC|PGRST|AADSTS|ORA-|PLS-|SQL)"
            r"\d{3,6}\b)",
            r"\berror\[E\d{4}\]|(?-i:\b[EWFCR]\d{3,4}[ :])",
            r"\b(?:error|ERROR)[ :]+\d{4}\b(?:[ \t]*\(\w{5}\))?",
            r"\bSQLSTATE[\s:=\[\"']*\w{5}\b|\bsqlcode[\s:=]*-?\d+",
            r"\b(?:HRESULT|exception code|NTSTATUS)[\s:=]*0x[0-9A-Fa-f]{8}\b",
            # Digits that are part of a name: protocols, algorithms, types, arches, versions.
            r"\b(?:u?int|float|complex|sha|md|utf|ucs|http|tls|ssl|ipv|oauth|base"
            r"|crc|blake|ed|curve|rsa|aes|ecdsa|win|latin|iso|py|python|node|java|jdk|es|net"
            r"|cp|arm|aarch|amd|x86|i[36]86)\d{1,5}(?:_64)?\b",
            r"\b[hvpsk]\d{1,2}\b",
            # A function name with digits, as called: parse_int32(, decodeV2(.
            r"\b[A-Za-z_][A-Za-z_]*\d+[A-Za-z_\d]*\(",
        )
    ),
    _OPTIONS,
)


_DIGIT = re.compile(r"\d")


def protect(text: str) -> str:
    """Hide the digits of cause-naming spans from the scrubbers."""
    if not _DIGIT.search(text):
        return text
    hidden: str = _KEEP.sub(lambda m: m.group(0).translate(_HIDE), text)
    return hidden


def restore(text: str) -> str:
    return text.translate(_SHOW)


def kept_spans(text: str) -> list[str]:
    """The cause-naming spans of a text (for signature explanations)."""
    return [m.group(0).strip() for m in _KEEP.finditer(text)]
