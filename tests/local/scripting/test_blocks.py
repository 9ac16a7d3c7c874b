"""Anonymous blocks and EXECUTE IMMEDIATE: a block is told from a transaction BEGIN and its statements run.

Each test cites the Snowflake page whose documented behaviour it checks.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


def rows(session: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.sql(sql).collect()]


def value(session: LocalSession, sql: str) -> object:
    result = session.sql(sql).collect()
    assert len(result) == 1
    assert len(result[0]) == 1
    return result[0][0]


@pytest.fixture
def s() -> LocalSession:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        yield session


# -- a block is not a transaction (these were silent no-ops before) ---------------------------------------


def test_a_bare_block_runs_its_statements_and_leaves_no_transaction_open(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/begin: BEGIN <statement>; … END is a
    block; before, it answered "Statement executed successfully.", inserted nothing and left a transaction open."""
    answer = s.sql("BEGIN INSERT INTO T VALUES (1, 'a'); UPDATE T SET VAL = 'b' WHERE ID = 1; END").collect()
    assert [tuple(r) for r in answer] == [(None,)]
    assert list(answer[0].as_dict()) == ["anonymous block"]
    assert rows(s, "SELECT ID, VAL FROM T") == [(1, "b")]
    s.sql("ROLLBACK").collect()  # nothing to roll back: the block committed its statements
    assert rows(s, "SELECT ID, VAL FROM T") == [(1, "b")]


@pytest.mark.parametrize("begin", ["BEGIN", "BEGIN TRANSACTION", "BEGIN WORK", "BEGIN NAME t1",
                                   "BEGIN TRANSACTION NAME t1",
                                   "begin;", "START TRANSACTION"])  # fmt: skip
def test_begin_alone_is_still_a_transaction(s: LocalSession, begin: str) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/begin: BEGIN [{WORK|TRANSACTION}] [NAME <name>]."""
    assert value(s, begin) == "Statement executed successfully."
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql("ROLLBACK").collect()
    assert rows(s, "SELECT * FROM T") == []


def test_declare_block_returns_its_value_in_a_column_named_anonymous_block(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/blocks (the radius example)."""
    result = s.sql(
        "DECLARE radius_of_circle FLOAT; area_of_circle FLOAT; "
        "BEGIN radius_of_circle := 3; area_of_circle := pi() * radius_of_circle * radius_of_circle; "
        "RETURN area_of_circle; END;"
    ).collect()
    assert list(result[0].as_dict()) == ["anonymous block"]
    assert result[0][0] == pytest.approx(28.274333882308138)
    assert isinstance(result[0][0], float)


def test_execute_immediate_runs_a_dollar_block_and_a_string_statement(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/execute-immediate: a string literal or $$ string holding a
    statement or a block; before, a parser error."""
    assert (
        value(s, "EXECUTE IMMEDIATE $$ BEGIN INSERT INTO T VALUES (7, 'x'); RETURN 'Completed'; END; $$") == "Completed"
    )
    assert rows(s, "EXECUTE IMMEDIATE 'SELECT ID, VAL FROM T'") == [(7, "x")]
    assert rows(s, "EXECUTE IMMEDIATE 'SELECT ''it''''s'' AS Q'") == [("it's",)]


# -- variables and binding --------------------------------------------------------------------------------


def test_variables_bind_as_typed_literals_never_as_pasted_text(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/variables: :var in SQL, bare names in
    expressions; a declared type casts each assignment."""
    hostile = "x'); DROP TABLE T; --"
    block = f"""DECLARE
        total NUMBER(10, 2) DEFAULT 0;
        label VARCHAR DEFAULT $${hostile}$$;
      BEGIN
        LET n INTEGER := 3;
        total := total + n / 2;
        INSERT INTO T VALUES (:n, :label);
        RETURN total;
      END"""
    assert value(s, block) == Decimal("1.50")
    assert rows(s, "SELECT ID, VAL FROM T") == [(3, hostile)]


def test_select_into_and_sqlrowcount(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/variables (SELECT … INTO) and
    .../dml-status: SQLROWCOUNT/SQLFOUND/SQLNOTFOUND after DML, NULL after a non-DML statement (2025_01)."""
    block = """BEGIN
        LET cnt INT := 0; LET found BOOLEAN := NULL; LET missing BOOLEAN := NULL; LET after_select INT := -1;
        INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c');
        cnt := SQLROWCOUNT;
        UPDATE T SET VAL = 'z' WHERE ID > 5;
        found := SQLFOUND; missing := SQLNOTFOUND;
        SELECT COUNT(*) INTO :after_select FROM T;
        RETURN cnt || ' ' || found || ' ' || missing || ' ' || after_select || ' ' || COALESCE(SQLROWCOUNT, -1);
      END"""
    assert value(s, block) == "3 false true 3 -1"


# -- control flow -----------------------------------------------------------------------------------------


def test_if_elseif_else(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/if"""
    block = """BEGIN LET x := {v}; IF (x < 0) THEN RETURN 'neg'; ELSEIF (x = 0) THEN RETURN 'zero';
               ELSE RETURN 'pos'; END IF; END"""
    assert [value(s, block.format(v=v)) for v in (-1, 0, 5)] == ["neg", "zero", "pos"]


def test_case_simple_and_searched(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/case"""
    simple = "BEGIN LET e := 'b'; CASE (e) WHEN 'a' THEN RETURN 1; WHEN 'b' THEN RETURN 2; ELSE RETURN 3; END CASE; END"
    searched = "BEGIN LET e := 9; CASE WHEN e < 5 THEN RETURN 'small'; ELSE RETURN 'big'; END; END"
    assert value(s, simple) == 2
    assert value(s, searched) == "big"


def test_for_range_with_continue_and_reverse(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/for (counter-based, REVERSE) and
    .../continue"""
    block = """BEGIN LET acc VARCHAR := '';
        FOR i IN REVERSE 1 TO 5 DO IF (i = 3) THEN CONTINUE; END IF; acc := acc || i; END FOR;
        RETURN acc; END"""
    assert value(s, block) == "5421"


def test_for_over_a_cursor_reads_record_fields(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/for (cursor-based) and
    https://docs.snowflake.com/en/developer-guide/snowflake-scripting/cursors"""
    s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')").collect()
    block = """DECLARE c1 CURSOR FOR SELECT ID, VAL FROM T ORDER BY ID; total INT DEFAULT 0; seen VARCHAR DEFAULT '';
      BEGIN FOR rec IN c1 DO total := total + rec.id; seen := seen || rec.val; END FOR;
      RETURN seen || total; END"""
    assert value(s, block) == "abc6"


def test_open_fetch_close(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/fetch ("If you try to FETCH a row after
    the last row, you get NULL values") and .../open (USING binds ?)."""
    s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')").collect()
    block = """DECLARE c CURSOR FOR SELECT VAL FROM T WHERE ID > ? ORDER BY ID; v VARCHAR; w VARCHAR; x VARCHAR;
      BEGIN OPEN c USING (1); FETCH c INTO v; FETCH c INTO w; x := 'set'; FETCH c INTO x; CLOSE c;
      RETURN v || w || COALESCE(x, ' then NULL'); END"""
    assert value(s, block) == "bc then NULL"


def test_while_repeat_loop_and_break(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/while, .../repeat, .../loop, .../break"""
    block = """BEGIN LET x := 0;
        WHILE (x < 5) DO x := x + 1; END WHILE;
        REPEAT x := x + 10; UNTIL (x > 30) END REPEAT;
        LOOP x := x + 1; IF (x > 40) THEN BREAK; END IF; END LOOP;
        RETURN x; END"""
    assert value(s, block) == 41


def test_resultset_and_return_table(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/resultsets: RETURN TABLE(rs)."""
    s.sql("INSERT INTO T VALUES (2, 'b'), (1, 'a')").collect()
    result = s.sql("BEGIN LET res RESULTSET := (SELECT ID, VAL FROM T ORDER BY ID); RETURN TABLE(res); END").collect()
    assert [tuple(r) for r in result] == [(1, "a"), (2, "b")]
    assert list(result[0].as_dict()) == ["ID", "VAL"]


# -- exceptions -------------------------------------------------------------------------------------------


def test_declared_exception_raised_and_handled_with_sqlcode_sqlerrm_sqlstate(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions (MY_EXCEPTION, -20002;
    SQLSTATE of a user exception: P0001)."""
    block = """DECLARE my_exception EXCEPTION (-20002, 'Raised MY_EXCEPTION.');
      BEGIN RAISE my_exception;
      EXCEPTION WHEN my_exception THEN RETURN SQLCODE || ' ' || SQLERRM || ' ' || SQLSTATE; END"""
    assert value(s, block) == "-20002 Raised MY_EXCEPTION. P0001"


def test_failing_statement_is_a_statement_error_a_handler_catches(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions: STATEMENT_ERROR, OTHER."""
    block = """BEGIN INSERT INTO T VALUES (1, 'kept'); SELECT * FROM NO_SUCH_TABLE; INSERT INTO T VALUES (2, 'never');
      EXCEPTION WHEN STATEMENT_ERROR THEN RETURN 'caught ' || SQLCODE; END"""
    assert value(s, block) == "caught 2003"
    assert rows(s, "SELECT ID, VAL FROM T") == [(1, "kept")]  # autocommitted before the failure


def test_an_uncaught_exception_fails_the_block_and_keeps_committed_statements(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions: no handler → the client
    gets a Snowflake error; statements before it were autocommitted (docs: transactions)."""
    with pytest.raises(LocalEngineError, match=r"Uncaught exception of type 'STATEMENT_ERROR' on line 1"):
        s.sql("BEGIN INSERT INTO T VALUES (1, 'a'); SELECT * FROM NO_SUCH_TABLE; END").collect()
    assert rows(s, "SELECT ID FROM T") == [(1,)]


def test_raise_in_a_handler_rethrows_and_other_catches_everything(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/raise: RAISE; re-raises in a handler."""
    block = """DECLARE e1 EXCEPTION (-20001, 'first');
      BEGIN
        BEGIN RAISE e1; EXCEPTION WHEN OTHER THEN RAISE; END;
      EXCEPTION WHEN e1 THEN RETURN 'outer got ' || SQLERRM; END"""
    assert value(s, block) == "outer got first"
    with pytest.raises(LocalEngineError, match=r"Uncaught exception of type 'E1' .* : first"):
        s.sql("DECLARE e1 EXCEPTION (-20001, 'first'); BEGIN RAISE e1; END").collect()


# -- transactions inside a block --------------------------------------------------------------------------


def test_begin_transaction_commit_inside_a_block(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/snowflake-scripting/begin (the BEGIN TRANSACTION … COMMIT
    example) and https://docs.snowflake.com/en/sql-reference/transactions."""
    s.sql(
        "BEGIN BEGIN TRANSACTION; INSERT INTO T VALUES (1, 'a'); INSERT INTO T VALUES (2, 'b'); COMMIT; END"
    ).collect()
    assert rows(s, "SELECT ID FROM T ORDER BY ID") == [(1,), (2,)]
    s.sql("BEGIN BEGIN TRANSACTION; INSERT INTO T VALUES (3, 'c'); ROLLBACK; END").collect()
    assert rows(s, "SELECT ID FROM T ORDER BY ID") == [(1,), (2,)]


def test_a_failure_inside_the_blocks_transaction_undoes_all_of_it(s: LocalSession) -> None:
    """The common pattern: BEGIN TRANSACTION … COMMIT; EXCEPTION WHEN OTHER THEN ROLLBACK; RAISE."""
    block = """BEGIN
        BEGIN TRANSACTION; INSERT INTO T VALUES (1, 'a'); SELECT * FROM NO_SUCH_TABLE; COMMIT;
      EXCEPTION WHEN OTHER THEN ROLLBACK; RAISE; END"""
    with pytest.raises(LocalEngineError, match="STATEMENT_ERROR"):
        s.sql(block).collect()
    assert rows(s, "SELECT * FROM T") == []
    s.sql("INSERT INTO T VALUES (9, 'z')").collect()  # no transaction is left open
    s.sql("ROLLBACK").collect()
    assert rows(s, "SELECT ID FROM T") == [(9,)]


def test_a_transaction_left_open_by_the_block_is_rolled_back_with_an_error(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/transactions#stored-procedures-and-transactions: a
    transaction begun inside must end inside (the docs settle this for procedures; applied to blocks too)."""
    with pytest.raises(LocalEngineError, match="still active when the block ended"):
        s.sql("BEGIN BEGIN TRANSACTION; INSERT INTO T VALUES (1, 'a'); END").collect()
    assert rows(s, "SELECT * FROM T") == []


# -- what is refused, never skipped -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "match"),
    [
        ("BEGIN LET rs RESULTSET := (SELECT 1); RETURN TABLE(RESULTSET_FROM_CURSOR(c)); END", "RETURN TABLE"),
        ("EXECUTE IMMEDIATE 'SELECT ?' USING (x)", "USING"),
        (
            "BEGIN BEGIN TRANSACTION; INSERT INTO T VALUES (1, 'a'); SELECT * FROM NOPE; "
            "EXCEPTION WHEN OTHER THEN INSERT INTO T VALUES (2, 'b'); COMMIT; END",
            "handled failure inside the block's explicit transaction",
        ),
    ],
)
def test_what_the_interpreter_cannot_run_is_refused(s: LocalSession, block: str, match: str) -> None:
    with pytest.raises(UnsupportedSqlError, match=match):
        s.sql(block).collect()


def test_a_block_inside_an_open_transaction_cannot_begin_its_own(s: LocalSession) -> None:
    """Snowflake's scoped transactions are not emulated: refused, and the caller's transaction is kept."""
    s.sql("BEGIN TRANSACTION").collect()
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    with pytest.raises(UnsupportedSqlError, match="scoped transaction"):
        s.sql("BEGIN BEGIN TRANSACTION; INSERT INTO T VALUES (2, 'b'); COMMIT; END").collect()
    s.sql("COMMIT").collect()
    assert rows(s, "SELECT ID FROM T") == [(1,)]


def test_syntax_errors_in_a_block_are_compilation_errors_not_internal_ones(s: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="SQL compilation error: syntax error line 1"):
        s.sql("BEGIN IF (1 = 1) THEN RETURN 1; END").collect()


def test_call_into_a_variable_inside_a_block(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/call: CALL … INTO :var in Snowflake Scripting."""
    s.sql("CREATE PROCEDURE two() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 2; END $$").collect()
    assert value(s, "BEGIN LET x INT := 0; CALL two() INTO :x; RETURN x + 1; END") == 3


@pytest.mark.parametrize(
    "block",
    [
        "BEGIN LET r RESULTSET := ASYNC (SELECT 1); RETURN 1; END",
        "BEGIN AWAIT ALL; EXCEPTION WHEN OTHER THEN RETURN 'swallowed'; END",
    ],
)
def test_unsupported_constructs_are_refused_even_under_a_when_other_handler(s: LocalSession, block: str) -> None:
    """A handler must not turn a construct the engine cannot run into a normal-looking answer."""
    with pytest.raises(UnsupportedSqlError, match=r"ASYNC|AWAIT"):
        s.sql(block).collect()


def test_begin_followed_by_a_comment_is_still_a_transaction(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/begin: the words after BEGIN were only a comment."""
    assert value(s, "BEGIN -- open one\n") == "Statement executed successfully."
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    s.sql("ROLLBACK").collect()
    assert rows(s, "SELECT * FROM T") == []


def test_execute_immediate_using_inside_a_block_binds_placeholders(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/execute-immediate: USING binds ? in order."""
    block = """BEGIN LET q VARCHAR := 'INSERT INTO T VALUES (?, ?)'; LET i INT := 4; LET v VARCHAR := 'o''k';
      EXECUTE IMMEDIATE :q USING (i, v); RETURN SQLROWCOUNT; END"""
    assert value(s, block) == 1
    assert rows(s, "SELECT ID, VAL FROM T") == [(4, "o'k")]


def test_for_over_a_resultset_and_a_cursor_over_a_resultset(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/resultsets (a cursor FOR a RESULTSET)."""
    s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b')").collect()
    block = """BEGIN LET res RESULTSET := (SELECT ID FROM T ORDER BY ID); LET c1 CURSOR FOR res; LET n INT := 0;
      FOR r IN c1 DO n := n + r.id; END FOR; FOR r IN res DO n := n + 10 * r.id; END FOR; RETURN n; END"""
    assert value(s, block) == 33


def test_exit_handlers_run_and_continue_handlers_are_refused(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions (EXIT and CONTINUE handlers)."""
    assert value(s, "BEGIN SELECT * FROM NOPE; RETURN 'on'; EXCEPTION WHEN OTHER EXIT THEN RETURN 'out'; END") == "out"
    with pytest.raises(UnsupportedSqlError, match="CONTINUE"):
        s.sql("BEGIN SELECT * FROM NOPE; RETURN 'on'; EXCEPTION WHEN OTHER CONTINUE THEN RETURN 'x'; END").collect()


def test_a_failure_in_a_block_inside_the_callers_transaction_is_not_swallowed(s: LocalSession) -> None:
    """The engine rolls back the caller's whole transaction on a failing statement (Snowflake only the
    statement): a handler must not hide that, so the block is refused with the statement's error."""
    s.sql("BEGIN TRANSACTION").collect()
    s.sql("INSERT INTO T VALUES (1, 'a')").collect()
    with pytest.raises(UnsupportedSqlError, match="caller's open transaction"):
        s.sql("BEGIN SELECT * FROM NOPE; EXCEPTION WHEN OTHER THEN RETURN 'handled'; END").collect()


def test_select_into_must_return_a_single_row(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/constructs/into: "The SELECT statement must return a single row"."""
    s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b')").collect()
    for where in ("", "WHERE ID > 5"):
        block = f"BEGIN LET v VARCHAR := 'x'; SELECT VAL INTO :v FROM T {where}; RETURN v; END"
        with pytest.raises(LocalEngineError, match=r"STATEMENT_ERROR.*must return a single row"):
            s.sql(block).collect()
    assert value(s, "BEGIN LET v VARCHAR := 'x'; SELECT VAL INTO :v FROM T WHERE ID = 2; RETURN v; END") == "b"
