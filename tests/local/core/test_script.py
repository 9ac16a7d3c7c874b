"""One statement per ``sql()`` call, as Snowflake; several only through ``LocalSession.execute_script``.

Snowflake refuses a request of several statements unless the caller sets MULTI_STATEMENT_COUNT: error 000008,
"Actual statement count 2 did not match the desired statement count 1.", and nothing runs (the Python
connector's own tests pin the message, snowflake-connector-python test/integ/test_multi_statement.py; the
connector's multi-statement section: https://docs.snowflake.com/en/developer-guide/python-connector/python-connector-example).
A trailing ``;``, comments, and ``;`` inside strings, quoted names and ``$$`` bodies do not count.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from snowflake.snowpark import Row

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.core.script import split

TWO = "000008 (0A000): Actual statement count 2 did not match the desired statement count 1."


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES") as s:
        s.sql("CREATE TABLE SIDE (A INT)").collect()
        yield s


def test_several_statements_are_refused_and_none_runs(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError) as info:
        session.sql("SELECT 1; DROP TABLE SIDE").collect()
    assert str(info.value) == TWO
    with pytest.raises(LocalEngineError, match=r"^000008 \(0A000\): Actual statement count 3 did not match"):
        session.sql("INSERT INTO SIDE VALUES (1); INSERT INTO SIDE VALUES (2);\nDROP TABLE SIDE;").collect()
    assert session.sql("SELECT COUNT(*) AS N FROM SIDE").collect() == [Row(N=0)]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("SELECT 1 AS N;", [Row(N=1)]),
        ("SELECT 1 AS N;;  ", [Row(N=1)]),
        ("-- a comment; with a semicolon\nSELECT 1 AS N; -- and after;", [Row(N=1)]),
        ("SELECT 1 /* ; */ AS N", [Row(N=1)]),
        ("SELECT 1 AS N // Snowflake's line comment;", [Row(N=1)]),
        ("SELECT 'a;b' AS S", [Row(S="a;b")]),
        ('SELECT 1 AS "x;y"', [Row(**{"x;y": 1})]),
        ("SELECT $$one; two$$ AS S", [Row(S="one; two")]),
    ],
)
def test_what_does_not_count(session: LocalSession, text: str, rows: list[Row]) -> None:
    assert session.sql(text).collect() == rows


def test_a_scripting_block_is_one_statement_and_runs_whole(session: LocalSession) -> None:
    """Before, ``BEGIN`` was taken as BEGIN TRANSACTION and the rest of the block was dropped. A block's inner
    semicolons do not make it several statements (https://docs.snowflake.com/en/developer-guide/snowflake-scripting/blocks)."""
    session.sql("BEGIN INSERT INTO SIDE VALUES (1); INSERT INTO SIDE VALUES (2); END;").collect()
    assert session.sql("SELECT COUNT(*) AS N FROM SIDE").collect() == [Row(N=2)]
    assert session.sql("DECLARE X INT DEFAULT 3; BEGIN RETURN X; END").collect()[0][0] == 3


def test_execute_script_runs_each_statement_in_order(session: LocalSession) -> None:
    results = session.execute_script(
        """
        INSERT INTO SIDE VALUES (1);  -- one; two
        INSERT INTO SIDE VALUES (2);
        SELECT A, 'x;y' AS S FROM SIDE ORDER BY A;
        BEGIN;
        DELETE FROM SIDE WHERE A = 1;
        ROLLBACK;
        """
    )
    assert results == [
        [Row(**{"number of rows inserted": 1})],
        [Row(**{"number of rows inserted": 1})],
        [Row(A=1, S="x;y"), Row(A=2, S="x;y")],
        [Row(status="Statement executed successfully.")],
        [Row(**{"number of rows deleted": 1})],
        [Row(status="Statement executed successfully.")],
    ]
    assert session.sql("SELECT COUNT(*) AS N FROM SIDE").collect() == [Row(N=2)]


def test_execute_script_stops_at_the_first_failure(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="Statement: SELECT \\* FROM NOPE"):
        session.execute_script("INSERT INTO SIDE VALUES (1); SELECT * FROM NOPE; INSERT INTO SIDE VALUES (2)")
    assert session.sql("SELECT A FROM SIDE").collect() == [Row(A=1)]
    results = session.execute_script("INSERT INTO SIDE VALUES (3); BEGIN INSERT INTO SIDE VALUES (4); END; SELECT 5")
    assert len(results) == 3  # the block is one statement of the script
    assert session.sql("SELECT A FROM SIDE ORDER BY A").collect() == [Row(A=1), Row(A=3), Row(A=4)]


def test_split() -> None:
    assert split("") == []
    assert split(" ;; ") == []
    assert split("SELECT 1") == ["SELECT 1"]
    assert split("CREATE FUNCTION F() RETURNS INT AS $$ SELECT 1; $$; SELECT F()") == [
        "CREATE FUNCTION F() RETURNS INT AS $$ SELECT 1; $$",
        "SELECT F()",
    ]
    assert split("BEGIN; SELECT 1; COMMIT") == ["BEGIN", "SELECT 1", "COMMIT"]
    block = "DECLARE N INT; BEGIN IF (N > 1) THEN N := 1; END IF; RETURN CASE N WHEN 1 THEN 'a' END; END"
    assert split(f"{block}; SELECT 2") == [block, "SELECT 2"]
    assert split("BEGIN BEGIN SELECT 1; END; SELECT 2; END; BEGIN TRANSACTION; COMMIT") == [
        "BEGIN BEGIN SELECT 1; END; SELECT 2; END",
        "BEGIN TRANSACTION",
        "COMMIT",
    ]


def test_the_printed_plan_runs_as_a_script(capsys: pytest.CaptureFixture[str]) -> None:
    """``moviecdc plan`` prints the deploy as one script (statements ending in ``;``, ``--`` comments): the text a
    user pastes into a worksheet runs through ``execute_script`` and leaves the pipeline deployed."""
    from moviecdc.cli import main

    assert main(["plan"]) == 0
    text = capsys.readouterr().out
    with LocalSession() as session:
        results = session.execute_script(text)
        assert results[0] == [Row(status="Database MOVIES successfully created.")]
        assert len(results) == len(split(text)) > 10
        tasks = session.sql("SHOW TASKS IN ACCOUNT").collect()
        assert [(t["name"], t["state"]) for t in tasks] == [("INGEST_MOVIES_BOOKING_CDC_EVENTS", "started")]
