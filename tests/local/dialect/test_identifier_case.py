"""Quoted identifiers keep their case: ``FROM lower_t`` names ``LOWER_T``, never ``"lower_t"``.

https://docs.snowflake.com/en/sql-reference/identifiers-syntax: an unquoted identifier is stored and resolved in
upper case, a double-quoted one exactly as written. DuckDB matches table names case-insensitively, so without
the engine's check ``FROM lower_t`` would silently read the table ``"lower_t"``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        s.sql('CREATE TABLE "lower_t" (A INT)').collect()
        s.sql('INSERT INTO "lower_t" VALUES (1)').collect()
        yield s


def test_the_quoted_name_finds_the_table(session: LocalSession) -> None:
    assert session.sql('SELECT A FROM "lower_t"').collect()[0][0] == 1
    assert session.sql('SELECT A FROM MOVIES.PUBLIC."lower_t"').collect()[0][0] == 1


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM lower_t",
        "SELECT * FROM LOWER_T",
        'SELECT * FROM "LOWER_T"',
        "INSERT INTO lower_t VALUES (2)",
        "DELETE FROM lower_t",
        "SELECT * FROM (SELECT A FROM lower_t) AS X",
    ],
)
def test_an_unquoted_name_does_not_find_a_lower_case_table(session: LocalSession, statement: str) -> None:
    with pytest.raises(LocalEngineError, match=r"Object 'MOVIES.PUBLIC.LOWER_T' does not exist or not authorized"):
        session.sql(statement).collect()
    assert session.sql('SELECT COUNT(*) FROM "lower_t"').collect()[0][0] == 1  # nothing written, nothing deleted


def test_a_cte_of_that_name_is_not_a_table(session: LocalSession) -> None:
    assert session.sql("WITH lower_t AS (SELECT 2 AS A) SELECT A FROM lower_t").collect()[0][0] == 2


def test_creating_the_upper_case_twin_is_refused_clearly(session: LocalSession) -> None:
    with pytest.raises(UnsupportedSqlError, match="differ only in case"):
        session.sql("CREATE TABLE lower_t (B INT)").collect()


def test_a_repeated_statement_sees_the_catalog_change(session: LocalSession) -> None:
    """The same text before and after the table it names changed case: no stale cached answer."""
    session.sql('DROP TABLE "lower_t"').collect()
    session.sql("CREATE TABLE LOWER_T (A INT)").collect()
    session.sql("INSERT INTO LOWER_T VALUES (7)").collect()
    assert session.sql("SELECT A FROM lower_t WHERE A = 7").collect()[0][0] == 7
    session.sql("DROP TABLE LOWER_T").collect()
    session.sql('CREATE TABLE "lower_t" (A INT)').collect()
    session.sql('INSERT INTO "lower_t" VALUES (7)').collect()
    with pytest.raises(LocalEngineError, match="does not exist"):
        session.sql("SELECT A FROM lower_t WHERE A = 7").collect()
