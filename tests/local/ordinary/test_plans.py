"""Statements cached by shape (ordinary/plans.py): a repeated shape skips sqlglot, and never answers stale.

What a cached statement returns must be exactly what the uncached path returns: the same rows, the same Python
types, the same change-log events for a stream, the same errors. Types from
https://docs.snowflake.com/en/sql-reference/data-types-numeric (NUMBER(p, s) comes back as Decimal with scale s).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from fakesnow.cursor import FakeSnowflakeCursor
from snowflake.snowpark import Row

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.ordinary import plans


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="D", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT, NAME VARCHAR, AMOUNT NUMBER(10,2), DAY DATE)").collect()
        yield s


@pytest.fixture
def translations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many statements fakesnow translated (its cursor's _transform)."""
    calls = [0]
    original = FakeSnowflakeCursor._transform

    def counted(self: FakeSnowflakeCursor, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(FakeSnowflakeCursor, "_transform", counted)
    return calls


def test_a_repeated_shape_is_not_translated_again(session: LocalSession, translations: list[int]) -> None:
    session.sql("INSERT INTO T VALUES (1, 'a', -1.50, '2026-01-01')").collect()
    session.sql("SELECT NAME, AMOUNT, DAY FROM T WHERE ID = 1").collect()
    before = translations[0]
    for i in range(2, 6):
        assert session.sql(f"INSERT INTO T VALUES ({i}, 'n''{i}', -{i}.25, '2026-01-0{i}')").collect() == [
            Row(**{"number of rows inserted": 1})
        ]
    rows = session.sql("SELECT NAME, AMOUNT, DAY FROM T WHERE ID = 3").collect()
    assert translations[0] == before
    assert rows == [Row(NAME="n'3", AMOUNT=Decimal("-3.25"), DAY=date(2026, 1, 3))]
    assert isinstance(rows[0][1], Decimal)
    assert session.sql("SELECT COUNT(*) FROM T").collect() == [Row(**{"COUNT(*)": 5})]


def test_a_stream_created_between_two_statements_of_one_shape_sees_the_second(session: LocalSession) -> None:
    """CREATE STREAM changes what an INSERT into its table translates to (change capture): the cached plain
    INSERT must not be reused."""
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("INSERT INTO T VALUES (2, 'b', 2.50, '2026-01-02')").collect()
    assert session.sql('SELECT ID, "METADATA$ACTION" FROM S').collect() == [Row(ID=2, **{"METADATA$ACTION": "INSERT"})]


def test_a_table_recreated_with_other_types_answers_with_them(session: LocalSession) -> None:
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    assert session.sql("SELECT AMOUNT FROM T WHERE ID = 1").collect() == [Row(AMOUNT=Decimal("1.50"))]
    session.sql("CREATE OR REPLACE TABLE T (ID INT, NAME VARCHAR, AMOUNT NUMBER(10,3), DAY VARCHAR)").collect()
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    assert session.sql("SELECT AMOUNT FROM T WHERE ID = 1").collect() == [Row(AMOUNT=Decimal("1.500"))]
    assert session.sql("SELECT DAY FROM T WHERE ID = 1").collect() == [Row(DAY="2026-01-01")]


def test_a_column_added_between_two_statements_of_one_shape_is_seen(session: LocalSession) -> None:
    session.sql("INSERT INTO T (ID, NAME) VALUES (1, 'a')").collect()
    session.sql("SELECT * FROM T WHERE ID = 1").collect()
    session.sql("ALTER TABLE T ADD COLUMN EXTRA INT").collect()
    session.sql("INSERT INTO T (ID, NAME) VALUES (2, 'b')").collect()
    assert session.sql("SELECT * FROM T WHERE ID = 2").collect() == [
        Row(ID=2, NAME="b", AMOUNT=None, DAY=None, EXTRA=None)
    ]


def test_the_same_shape_in_another_schema_reads_that_schema(session: LocalSession) -> None:
    session.sql("INSERT INTO T VALUES (1, 'public', 1.50, '2026-01-01')").collect()
    session.sql("SELECT NAME FROM T WHERE ID = 1").collect()
    session.sql("CREATE SCHEMA OTHER").collect()  # and makes it current
    session.sql("CREATE TABLE T (ID INT, NAME VARCHAR)").collect()
    session.sql("INSERT INTO T VALUES (1, 'other')").collect()
    assert session.sql("SELECT NAME FROM T WHERE ID = 1").collect() == [Row(NAME="other")]
    session.sql("USE SCHEMA PUBLIC").collect()
    assert session.sql("SELECT NAME FROM T WHERE ID = 1").collect() == [Row(NAME="public")]


def test_a_number_of_another_scale_is_another_shape(session: LocalSession) -> None:
    """Snowflake types 1.5 as NUMBER(2,1) and 1.25 as NUMBER(3,2): a literal's precision and scale are part of
    its shape, so the arithmetic of each keeps its own scale."""
    assert session.sql("SELECT AMOUNT + 1.5 AS X FROM T WHERE ID = 1").collect() == []
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    assert session.sql("SELECT ID FROM T WHERE AMOUNT = 1.5").collect() == [Row(ID=1)]
    assert session.sql("SELECT ID FROM T WHERE AMOUNT = 1.50").collect() == [Row(ID=1)]
    assert session.sql("SELECT ID FROM T WHERE AMOUNT = 1.51").collect() == []


def test_literals_that_shape_the_result_stay_in_the_key(session: LocalSession) -> None:
    for i in range(3):
        session.sql(f"INSERT INTO T VALUES ({i}, 'n{i}', 1.00, '2026-01-01')").collect()
    assert len(session.sql("SELECT ID FROM T ORDER BY ID LIMIT 1").collect()) == 1
    assert len(session.sql("SELECT ID FROM T ORDER BY ID LIMIT 2").collect()) == 2
    assert session.sql("SELECT 'x' FROM T WHERE ID = 0").collect() == [Row(**{"'X'": "x"})]
    assert session.sql("SELECT 'y' FROM T WHERE ID = 0").collect() == [Row(**{"'Y'": "y"})]


def test_values_of_the_moment_are_never_cached(session: LocalSession) -> None:
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    first = session.sql("SELECT CURRENT_TIMESTAMP() AS NOW FROM T WHERE ID = 1").collect()[0][0]
    second = session.sql("SELECT CURRENT_TIMESTAMP() AS NOW FROM T WHERE ID = 1").collect()[0][0]
    assert second > first
    session.sql("CREATE STREAM S ON TABLE T").collect()
    assert session.sql("SELECT ID FROM S WHERE ID = 2").collect() == []
    session.sql("INSERT INTO T VALUES (2, 'b', 2.50, '2026-01-02')").collect()
    assert session.sql("SELECT ID FROM S WHERE ID = 2").collect() == [Row(ID=2)]


def test_a_cached_insert_rolls_back_with_its_transaction(session: LocalSession) -> None:
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    session.sql("BEGIN").collect()
    session.sql("INSERT INTO T VALUES (2, 'b', 2.50, '2026-01-02')").collect()
    session.sql("ROLLBACK").collect()
    assert session.sql("SELECT ID FROM T").collect() == [Row(ID=1)]
    assert session.sql("SELECT ID FROM S").collect() == [Row(ID=1)]


def test_a_cached_statement_fails_as_the_uncached_one(session: LocalSession) -> None:
    session.sql("INSERT INTO T VALUES (1, 'a', 1.50, '2026-01-01')").collect()
    with pytest.raises(LocalEngineError, match=r"Statement: INSERT INTO T VALUES \(2, 'b', 2.50, '2026-02-31'\)"):
        session.sql("INSERT INTO T VALUES (2, 'b', 2.50, '2026-02-31')").collect()
    with pytest.raises(LocalEngineError, match="does not exist"):
        session.sql("SELECT NAME FROM MISSING WHERE ID = 1").collect()
    assert session.sql("SELECT ID FROM T").collect() == [Row(ID=1)]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1 -- a comment",
        "SELECT /* a comment */ 1",
        "SELECT $$x$$",
        "SELECT 'a\\'b'",
        "SELECT $1 FROM T",
        "SELECT ? FROM T",
        "SELECT :1 FROM T",
        "SELECT 'unterminated",
    ],
)
def test_texts_the_lexer_does_not_read_are_not_lifted(text: str) -> None:
    assert plans.lift(text) is None


def test_the_lexer_lifts_strings_and_numbers_with_their_kinds() -> None:
    lifted = plans.lift("""SELECT "A'1" FROM T2 WHERE X = 'it''s' AND Y = -12.50 AND Z IN (1e5, .5) AND V:k = 3""")
    assert lifted is not None
    assert lifted.literals == ("'it''s'", "12.50", "1e5", ".5", "3")
    assert lifted.kinds == ("s", "99.99", "9e9", ".9", "9")
