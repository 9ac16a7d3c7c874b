"""Tasks whose body is Snowflake Scripting: the block's statements run, each committing on its own unless the
block opens a transaction, and a failure fails the run with its error in TASK_HISTORY.

https://docs.snowflake.com/en/sql-reference/sql/create-task (a body may be "a Snowflake Scripting block" or a
CALL), https://docs.snowflake.com/en/sql-reference/transactions (statements autocommit; a block's BEGIN
TRANSACTION … COMMIT is one transaction), https://docs.snowflake.com/en/user-guide/streams-intro (repeatable
read: statements of one transaction see the same stream rows).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()
        session.sql("CREATE TABLE A (ID INT)").collect()
        session.sql("CREATE TABLE B (ID INT)").collect()
        yield session


def ids(session: LocalSession, table: str) -> list[int]:
    return [r[0] for r in session.sql(f"SELECT ID FROM {table} ORDER BY ID").collect()]


def last_run(session: LocalSession, task: str) -> tuple[str, str | None]:
    row = session.sql(
        f"SELECT STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        f"SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), TASK_NAME => '{task}'))"
    ).collect()[0]
    return row[0], row[1]


def test_a_block_body_runs_its_statements(s: LocalSession) -> None:
    """Before: the task was created, EXECUTE TASK recorded SUCCEEDED, and none of its statements ran."""
    s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b')").collect()
    s.sql(
        "CREATE TASK K SCHEDULE = '1 MINUTE' AS "
        "BEGIN INSERT INTO A SELECT ID FROM S; UPDATE A SET ID = ID * 10 WHERE ID = 2; END"
    ).collect()
    s.sql("EXECUTE TASK K").collect()
    assert last_run(s, "K") == ("SUCCEEDED", None)
    assert ids(s, "A") == [1, 20]
    assert s.sql("SELECT SYSTEM$STREAM_HAS_DATA('S')").collect()[0][0] is False


def test_each_statement_of_a_block_consumes_the_stream_on_its_own(s: LocalSession) -> None:
    """Autocommit: the first INSERT consumes S when it commits, so the second sees no rows."""
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql("CREATE TASK K AS BEGIN INSERT INTO A SELECT ID FROM S; INSERT INTO B SELECT ID FROM S; END").collect()
    s.sql("EXECUTE TASK K").collect()
    assert (ids(s, "A"), ids(s, "B")) == ([1], [])


def test_a_transaction_in_the_block_makes_both_statements_see_the_same_rows(s: LocalSession) -> None:
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql(
        "CREATE TASK K AS BEGIN BEGIN TRANSACTION; INSERT INTO A SELECT ID FROM S; INSERT INTO B SELECT ID FROM S; "
        "COMMIT; END"
    ).collect()
    s.sql("EXECUTE TASK K").collect()
    assert (ids(s, "A"), ids(s, "B")) == ([1], [1])
    assert s.sql("SELECT SYSTEM$STREAM_HAS_DATA('S')").collect()[0][0] is False


def test_a_failing_statement_fails_the_run_with_its_error_and_keeps_what_committed(s: LocalSession) -> None:
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql("CREATE TASK K AS BEGIN INSERT INTO A SELECT ID FROM S; INSERT INTO NO_SUCH_TABLE VALUES (1); END").collect()
    s.sql("EXECUTE TASK K").collect()
    state, message = last_run(s, "K")
    assert state == "FAILED"
    assert message is not None
    assert message.startswith("Uncaught exception of type 'STATEMENT_ERROR' on line 1")
    assert ids(s, "A") == [1]  # the first statement committed (with its consume) before the failure
    assert s.sql("SELECT SYSTEM$STREAM_HAS_DATA('S')").collect()[0][0] is False


def test_a_failure_inside_the_blocks_transaction_undoes_the_whole_transaction(s: LocalSession) -> None:
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql(
        "CREATE TASK K AS BEGIN BEGIN TRANSACTION; INSERT INTO A SELECT ID FROM S; "
        "INSERT INTO NO_SUCH_TABLE VALUES (1); COMMIT; END"
    ).collect()
    s.sql("EXECUTE TASK K").collect()
    assert last_run(s, "K")[0] == "FAILED"
    assert ids(s, "A") == []
    assert s.sql("SELECT SYSTEM$STREAM_HAS_DATA('S')").collect()[0][0] is True


def test_a_scheduled_block_task_and_a_call_body(s: LocalSession) -> None:
    s.sql(
        "CREATE PROCEDURE MOVE() RETURNS VARCHAR LANGUAGE SQL AS $$ BEGIN INSERT INTO B SELECT ID FROM S; "
        "RETURN 'moved ' || SQLROWCOUNT; END $$"
    ).collect()
    s.sql("CREATE TASK K SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('S') AS CALL MOVE()").collect()
    s.sql("ALTER TASK K RESUME").collect()
    s.sql("INSERT INTO T VALUES (5, 'e')").collect()
    s.advance(minutes=1)
    assert last_run(s, "K") == ("SUCCEEDED", None)
    assert ids(s, "B") == [5]
