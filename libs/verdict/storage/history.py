"""The failure history: pages of failures (filtered, searched) and one signature's record.

Every query is bounded by an index and a limit; aggregates are computed by Postgres.
One test's record and a job's statistics are in statistics.py, labels in labels.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from verdict.contracts.identity import RunFilter
from verdict.history.cursor import PageRequest
from verdict.storage.pool import Conn
from verdict.storage.run_identity import conditions

# One row of /history/failures as the contract writes it (ids as text, timestamps as
# "YYYY-MM-DD HH:MM:SS" UTC), built by Postgres so a page is never decoded in Python.
_failure_json = """json_build_object(
    'id', id, 'job_id', job_id::text, 'job_name', job_name, 'build_number', build_number,
    'test_name', test_name, 'error_message', error_message,
    'error_signature', error_signature, 'classification', classification,
    'child_job_name', child_job_name, 'child_build_number', child_build_number,
    'analyzed_at', to_char(analyzed_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'))"""

# Filters of /history/failures other than ?search= (see _search_page).
_filters = {
    "job_name": "job_name = {p}",
    "classification": "classification = {p}",
}
_newest = "analyzed_at desc, id desc"
_oldest = "analyzed_at, id"
_key_older = "(analyzed_at, id) < ({at}, {id})"
_key_newer = "(analyzed_at, id) > ({at}, {id})"

# One round trip: the total, and one page fetched in travel order (`fetched` rows, at
# most the page size + 1), of which the first page-size rows go out as a JSON array in
# list order (newest first) with the cursor keys of its first and last row.
_page_tail = """
shown as (select * from page where pos <= {size})
select (select count(*) from {counted}) as total,
       (select count(*) from page)::int as fetched,
       (select coalesce(json_agg({row} order by pos {listing}), '[]') from shown)::text
           as rows,
       (select (analyzed_at, id) from shown order by pos {listing} limit 1) as first_key,
       (select (analyzed_at, id) from shown order by pos {back} limit 1) as last_key
"""
# Filters on b-tree columns (or none): the page walks an index in order.
_failures_page = """
with page as (
    select *, row_number() over (order by {travel}) as pos
      from (select * from failures {page_where} order by {travel}
             limit {limit} offset {offset}) s
),""" + _page_tail.replace("{counted}", "failures {count_where}")
# ?search= looks the term up in the distinct test names, job names and messages
# (migrations 0009 and 0010: small trigram indexes; the names and messages in failures
# repeat the same trigrams a million times) and reads failures through b-trees by name
# and by message hash, never by matching failures themselves:
#  - the total counts the rows of the matched test names, then those of the matched job
#    names without one of those tests, then those of the matched messages with neither:
#    each row once, each part from an index alone (a word in a fifth of all messages is
#    200,000 index entries, not 200,000 heap rows);
#  - the page takes at most offset + size rows from each matched name and message, in
#    travel order through its index: the page of the union is among them.
# {extra} holds the other filters (and-ed, each starting with "and").
_search_page = """
with t as materialized (
    select distinct test_name from history_test_names where test_name ilike {p}
),
j as materialized (
    select distinct job_name from history_job_names where job_name ilike {p}
),
m as materialized (
    select distinct message_hash from history_messages where error_message ilike {p}
),
counted as (
    select (select coalesce(sum(x.n), 0) from t cross join lateral (
                select count(*) as n from failures
                 where test_name = t.test_name {extra}) x)
         + (select coalesce(sum(x.n), 0) from j cross join lateral (
                select count(*) as n from failures
                 where job_name = j.job_name
                   and test_name not in (select test_name from t) {extra}) x)
         + (select coalesce(sum(x.n), 0) from m cross join lateral (
                select count(*) as n from failures
                 where error_hash = m.message_hash
                   and test_name not in (select test_name from t)
                   and job_name not in (select job_name from j) {extra}) x) as n
),
candidates as (
    select distinct id, analyzed_at from (
        select x.* from t cross join lateral (
            select id, analyzed_at from failures
             where test_name = t.test_name {extra} {key}
             order by {travel} limit {reach}) x
        union all
        select x.* from j cross join lateral (
            select id, analyzed_at from failures
             where job_name = j.job_name {extra} {key}
             order by {travel} limit {reach}) x
        union all
        select x.* from m cross join lateral (
            select id, analyzed_at from failures
             where error_hash = m.message_hash {extra} {key}
             order by {travel} limit {reach}) x
    ) u
),
page as (
    select f.*, row_number() over (order by {travel}) as pos
      from failures f
     where f.id in (select id from candidates order by {travel}
                     limit {limit} offset {offset})
),""" + _page_tail.replace("{counted}", "counted").replace(
    "(select count(*) from counted)", "(select n from counted)::bigint"
)


@dataclass(frozen=True)
class FailureFilter:
    search: str = ""
    job_name: str = ""
    classification: str = ""
    # The run identity of the failure's job (branch, commit, pull request, ci, labels...).
    run: RunFilter = field(default_factory=RunFilter)

    def where(self, first: int = 1) -> tuple[list[str], list[object]]:
        """The filters other than `search`, with their arguments from `$first`."""
        clauses: list[str] = []
        args: list[object] = []
        for name, value in (
            ("job_name", self.job_name),
            ("classification", self.classification),
        ):
            if value:
                args.append(value)
                clauses.append(_filters[name].format(p=f"${first + len(args) - 1}"))
        if self.run:

            def arg(value: object) -> str:
                args.append(value)
                return f"${first + len(args) - 1}"

            on_job = " and ".join(conditions(self.run, "j", arg))
            clauses.append(f"job_id in (select j.id from jobs j where {on_job})")
        return clauses, args


def like_pattern(text: str) -> str:
    """`text` anywhere, with ILIKE's wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(clauses: list[str]) -> str:
    return "where " + " and ".join(clauses) if clauses else ""


@dataclass(frozen=True)
class FailurePage:
    """A page of /history/failures: `rows` is the JSON array, ready to send."""

    total: int
    fetched: int
    rows: str
    first: tuple[datetime, int] | None
    last: tuple[datetime, int] | None


def _key(value: tuple[datetime, int] | None) -> tuple[datetime, int] | None:
    return None if value is None else (value[0], int(value[1]))


async def failures_page(
    conn: Conn,
    flt: FailureFilter,
    *,
    size: int,
    offset: int = 0,
    request: PageRequest | None = None,
) -> FailurePage:
    """The total and one page: `size + 1` rows from `offset`, or after/before the cursor
    of `request` (whose limit is then the page size)."""
    clauses, args = flt.where()
    key_clauses: list[str] = []
    travel, backwards = _newest, False
    if request is not None and request.key is not None:
        backwards = request.backwards
        n = len(args)
        template = _key_newer if backwards else _key_older
        key_clauses.append(template.format(at=f"${n + 1}", id=f"${n + 2}"))
        args += [request.key.at, int(request.key.id)]
        travel = _oldest if backwards else _newest
    n = len(args)
    common = {
        "travel": travel,
        "limit": f"${n + 1}",
        "offset": f"${n + 2}",
        "size": f"${n + 3}",
        "row": _failure_json,
        "listing": "desc" if backwards else "",
        "back": "" if backwards else "desc",
    }
    if flt.search:
        extra = "".join(" and " + c for c in clauses)
        sql = _search_page.format(
            **common,
            p=f"${n + 4}",
            reach=f"(${n + 1}::bigint + ${n + 2}::bigint)",
            extra=extra,
            key="".join(" and " + c for c in key_clauses),
        )
    else:
        sql = _failures_page.format(
            **common,
            page_where=_where(clauses + key_clauses),
            count_where=_where(clauses),
        )
    tail: list[object] = [size + 1, offset, size]
    if flt.search:
        tail.append(like_pattern(flt.search))
        # The search's plan is the same whatever the term (the matched names and messages
        # drive it, at run time); planning it afresh for each term (Postgres keeps doing
        # so, the term changing its estimates) cost more than running it.
        async with conn.transaction():
            await conn.execute("set local plan_cache_mode = force_generic_plan")
            row = await conn.fetchrow(sql, *args, *tail)
    else:
        row = await conn.fetchrow(sql, *args, *tail)
    assert row is not None
    return FailurePage(
        row["total"], row["fetched"], row["rows"], _key(row["first_key"]), _key(row["last_key"])
    )


# --- one signature --------------------------------------------------------------------

_sig_scope = " where error_signature = $1 and ($2::uuid is null or job_id <> $2)"
select_signature_summary = (
    "select count(*) as total, count(distinct test_name) as unique_tests from failures" + _sig_scope
)
select_signature_tests = (
    "select test_name, count(*) as occurrences from failures"
    + _sig_scope
    + " group by test_name order by occurrences desc, test_name limit $3"
)
select_signature_last = (
    "select classification from failures"
    + _sig_scope
    + " order by analyzed_at desc, id desc limit 1"
)
select_signature_comments = (
    "select comment, username, created_at from comments"
    + _sig_scope
    + " order by created_at desc, id desc limit $3"
)


async def signature_summary(
    conn: Conn, signature: str, exclude: uuid.UUID | None
) -> tuple[int, int, str]:
    row = await conn.fetchrow(select_signature_summary, signature, exclude)
    assert row is not None
    if not row["total"]:
        return 0, 0, ""
    last = await conn.fetchval(select_signature_last, signature, exclude)
    return row["total"], row["unique_tests"], last or ""


async def signature_tests(
    conn: Conn, signature: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_signature_tests, signature, exclude, limit)
    return rows


async def signature_comments(
    conn: Conn, signature: str, exclude: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        select_signature_comments, signature, exclude, limit
    )
    return rows
