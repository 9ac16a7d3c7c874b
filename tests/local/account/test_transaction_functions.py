"""CURRENT_TRANSACTION() and LAST_TRANSACTION(): the session's transaction ids.

Pages: https://docs.snowflake.com/en/sql-reference/functions/current_transaction ("the transaction id of an open
transaction in the current session"; its example id is 1661899308790000000),
https://docs.snowflake.com/en/sql-reference/functions/last_transaction ("the transaction ID of the last
transaction that was either committed or rolled back in the current session"),
https://docs.snowflake.com/en/sql-reference/transactions (DDL commits the open transaction first).
The docs do not name the return type; the engine answers a VARCHAR of the id (see docs/local_engine.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE T (ID INT)").collect()
        session.sql("INSERT INTO T VALUES (1), (2)").collect()
        yield session


def rows(s: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in s.sql(sql).collect()]


def current(s: LocalSession) -> object:
    return rows(s, "SELECT CURRENT_TRANSACTION()")[0][0]


def test_null_outside_an_explicit_transaction(s: LocalSession) -> None:
    assert rows(s, "SELECT CURRENT_TRANSACTION(), LAST_TRANSACTION()") == [(None, None)]


def test_one_id_for_every_statement_of_a_transaction_and_a_new_one_in_the_next(s: LocalSession) -> None:
    s.sql("BEGIN").collect()
    first = current(s)
    assert type(first) is str
    assert first.isdigit()
    assert len(first) == 19  # epoch milliseconds times a million, as the docs' example id reads
    s.sql("INSERT INTO T VALUES (3)").collect()
    assert current(s) == first
    assert rows(s, "SELECT LAST_TRANSACTION()") == [(None,)]
    s.sql("COMMIT").collect()
    assert rows(s, "SELECT CURRENT_TRANSACTION(), LAST_TRANSACTION()") == [(None, first)]
    s.sql("BEGIN").collect()
    second = current(s)
    assert type(second) is str
    assert int(second) > int(first)
    s.sql("ROLLBACK").collect()
    assert rows(s, "SELECT CURRENT_TRANSACTION(), LAST_TRANSACTION()") == [(None, second)]


def test_begin_inside_a_transaction_keeps_its_id(s: LocalSession) -> None:
    s.sql("BEGIN").collect()
    first = current(s)
    s.sql("BEGIN").collect()  # the engine ignores it inside an open transaction (not settled: UNSETTLED.md)
    assert current(s) == first


def test_ddl_commits_the_transaction_and_ends_its_id(s: LocalSession) -> None:
    s.sql("BEGIN").collect()
    first = current(s)
    s.sql("CREATE TABLE U (ID INT)").collect()
    assert rows(s, "SELECT CURRENT_TRANSACTION(), LAST_TRANSACTION()") == [(None, first)]


def test_a_repeated_statement_is_never_served_a_stale_id(s: LocalSession) -> None:
    """The translation cache by shape (ordinary/plans.py) must not replay one transaction's id in another."""
    query = "SELECT ID, CURRENT_TRANSACTION() AS TX FROM T WHERE ID = 1"
    compare = "SELECT CURRENT_TRANSACTION() = LAST_TRANSACTION() AS SAME FROM T WHERE ID = 2"
    assert rows(s, query) == [(1, None)]
    assert rows(s, query) == [(1, None)]
    seen = []
    for _ in range(2):
        s.sql("BEGIN").collect()
        tx = current(s)
        assert rows(s, query) == [(1, tx)]
        assert rows(s, query) == [(1, tx)]
        assert rows(s, compare) == [(False if seen else None,)]
        s.sql("COMMIT").collect()
        assert rows(s, compare) == [(None,)]
        seen.append(tx)
    assert seen[0] != seen[1]
    assert rows(s, query) == [(1, None)]
    assert rows(s, "SELECT LAST_TRANSACTION() AS L FROM T WHERE ID = 1") == [(seen[1],)]


def test_column_names_are_the_calls(s: LocalSession) -> None:
    result = s.sql("SELECT CURRENT_TRANSACTION(), LAST_TRANSACTION()").collect()
    assert list(result[0].as_dict()) == ["CURRENT_TRANSACTION()", "LAST_TRANSACTION()"]
