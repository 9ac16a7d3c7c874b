"""MERGE, UPDATE, DELETE and INSERT in their documented forms, on tables with and without a stream.

Each form runs on a plain table and on one with a stream ("tracked": its DML goes through change capture), and
answers with Snowflake's result row. Pages:
- MERGE: https://docs.snowflake.com/en/sql-reference/sql/merge
- UPDATE: https://docs.snowflake.com/en/sql-reference/sql/update
- DELETE: https://docs.snowflake.com/en/sql-reference/sql/delete
- INSERT: https://docs.snowflake.com/en/sql-reference/sql/insert
- INSERT (multi-table): https://docs.snowflake.com/en/sql-reference/sql/insert-multi-table
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from snowflake.snowpark import Row

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

START = "2026-01-05 10:00:00"


@pytest.fixture(params=["plain", "tracked"])
def session(request: pytest.FixtureRequest) -> Iterator[LocalSession]:
    """MOVIES.PUBLIC with SCREENINGS (ID, TITLE, SEATS) holding three rows and a source table UPDATES_SRC;
    ``tracked``: SCREENINGS and SCREENINGS_ARCHIVE have streams."""
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        run(
            s,
            "CREATE TABLE SCREENINGS (ID INT, TITLE VARCHAR, SEATS INT)",
            "CREATE TABLE SCREENINGS_ARCHIVE (ID INT, TITLE VARCHAR, SEATS INT)",
            "CREATE TABLE UPDATES_SRC (ID INT, TITLE VARCHAR, SEATS INT, OP VARCHAR)",
        )
        if request.param == "tracked":
            run(s, "CREATE STREAM SCREENINGS_S ON TABLE SCREENINGS")
            run(s, "CREATE STREAM ARCHIVE_S ON TABLE SCREENINGS_ARCHIVE")
        run(s, "INSERT INTO SCREENINGS VALUES (1, 'Alien', 100), (2, 'Brazil', 80), (3, 'Casablanca', 60)")
        yield s


def run(session: LocalSession, *statements: str) -> list[Row]:
    rows: list[Row] = []
    for statement in statements:
        rows = session.sql(statement).collect()
    return rows


def table(session: LocalSession, name: str = "SCREENINGS") -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.sql(f"SELECT ID, TITLE, SEATS FROM {name} ORDER BY ID, SEATS").collect()]


# -- MERGE -----------------------------------------------------------------------------------------------


def test_plain_merge_inserts_and_updates(session: LocalSession) -> None:
    """The MERGE that failed on a table without a stream ("Attempting to write to database _fs_global")."""
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 90, 'U'), (4, 'Dune', 120, 'I')")
    result = run(
        session,
        "MERGE INTO SCREENINGS USING UPDATES_SRC ON SCREENINGS.ID = UPDATES_SRC.ID "
        "WHEN MATCHED THEN UPDATE SET SEATS = UPDATES_SRC.SEATS "
        "WHEN NOT MATCHED THEN INSERT (ID, TITLE, SEATS) VALUES (UPDATES_SRC.ID, UPDATES_SRC.TITLE, UPDATES_SRC.SEATS)",
    )
    assert result == [Row(**{"number of rows inserted": 1, "number of rows updated": 1})]
    assert table(session) == [(1, "Alien", 90), (2, "Brazil", 80), (3, "Casablanca", 60), (4, "Dune", 120)]


def test_merge_inside_an_explicit_transaction(session: LocalSession) -> None:
    run(session, "INSERT INTO UPDATES_SRC VALUES (2, 'Brazil', 1, 'U')")
    run(session, "BEGIN")
    result = run(
        session,
        "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET t.SEATS = s.SEATS",
    )
    assert result == [Row(**{"number of rows updated": 1})]
    run(session, "ROLLBACK")
    assert table(session)[1] == (2, "Brazil", 80)
    run(session, "BEGIN")
    run(
        session,
        "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET t.SEATS = s.SEATS",
    )
    run(session, "COMMIT")
    assert table(session)[1] == (2, "Brazil", 1)


def test_merge_in_a_task_body() -> None:
    """A task whose body is a MERGE into a table without a stream (it showed only as FAILED)."""
    with LocalSession(database="MOVIES", schema="PUBLIC", start=_start()) as s:
        run(
            s,
            "CREATE TABLE SCREENINGS (ID INT, SEATS INT)",
            "CREATE TABLE UPDATES_SRC (ID INT, SEATS INT)",
            "INSERT INTO SCREENINGS VALUES (1, 100)",
            "INSERT INTO UPDATES_SRC VALUES (1, 50), (2, 70)",
            "CREATE TASK UPSERT_SEATS SCHEDULE = '1 MINUTE' AS MERGE INTO SCREENINGS t USING UPDATES_SRC s "
            "ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET t.SEATS = s.SEATS "
            "WHEN NOT MATCHED THEN INSERT (ID, SEATS) VALUES (s.ID, s.SEATS)",
            "ALTER TASK UPSERT_SEATS RESUME",
        )
        s.advance(seconds=60)
        past = "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()"  # not the next run, listed as SCHEDULED
        states = run(s, f"SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY({past}))")
        assert [r["STATE"] for r in states] == ["SUCCEEDED"]
        assert [tuple(r) for r in run(s, "SELECT ID, SEATS FROM SCREENINGS ORDER BY ID")] == [(1, 50), (2, 70)]


def _start():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(2026, 1, 5, 10, 0, 0) + timedelta(seconds=0)


def test_merge_with_several_when_clauses_and_conditions(session: LocalSession) -> None:
    """Each joined row takes the first WHEN clause whose AND condition holds; WHEN MATCHED THEN DELETE."""
    run(
        session,
        "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 0, 'D'), (2, 'Brazil', 85, 'U'), (3, 'Casablanca', 61, 'X'), "
        "(4, 'Dune', 120, 'I'), (5, 'Eraserhead', 40, 'X')",
    )
    result = run(
        session,
        "MERGE INTO SCREENINGS AS t USING UPDATES_SRC AS s ON t.ID = s.ID "
        "WHEN MATCHED AND s.OP = 'D' THEN DELETE "
        "WHEN MATCHED AND s.OP = 'U' THEN UPDATE SET t.SEATS = s.SEATS, TITLE = UPPER(s.TITLE) "
        "WHEN NOT MATCHED AND s.OP = 'I' THEN INSERT (ID, TITLE, SEATS) VALUES (s.ID, s.TITLE, s.SEATS) "
        "WHEN NOT MATCHED THEN INSERT (ID, TITLE) VALUES (s.ID, 'TBD')",
    )
    assert result == [Row(**{"number of rows inserted": 2, "number of rows updated": 1, "number of rows deleted": 1})]
    assert table(session) == [(2, "BRAZIL", 85), (3, "Casablanca", 60), (4, "Dune", 120), (5, "TBD", None)]


def test_a_when_matched_clause_after_an_unconditional_one_is_refused(session: LocalSession) -> None:
    """ "Any matching or not-matching clause that omits the AND subclause must be the last of its clause type …
    Doing so results in an unreachable case, which returns an error" (MERGE, usage notes)."""
    with pytest.raises(LocalEngineError, match="unreachable WHEN MATCHED clause"):
        run(
            session,
            "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID "
            "WHEN MATCHED THEN UPDATE SET SEATS = 0 WHEN MATCHED AND s.OP = 'D' THEN DELETE",
        )
    with pytest.raises(LocalEngineError, match="unreachable WHEN NOT MATCHED clause"):
        run(
            session,
            "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID "
            "WHEN NOT MATCHED THEN INSERT (ID) VALUES (s.ID) "
            "WHEN NOT MATCHED AND s.OP = 'I' THEN INSERT (ID) VALUES (0)",
        )


def test_merge_reports_only_the_operations_its_clauses_name(session: LocalSession) -> None:
    run(session, "INSERT INTO UPDATES_SRC VALUES (3, 'Casablanca', 0, 'D')")
    result = run(session, "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID WHEN MATCHED THEN DELETE")
    assert result == [Row(**{"number of rows deleted": 1})]
    assert [r[0] for r in table(session)] == [1, 2]


def test_merge_updating_a_row_from_two_source_rows_is_refused(session: LocalSession) -> None:
    """ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE): error 100090; the target is unchanged."""
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 1, 'U'), (1, 'Alien', 2, 'U')")
    with pytest.raises(LocalEngineError, match=r"100090 \(42P18\): Duplicate row detected during DML action"):
        run(
            session, "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET SEATS = 0"
        )
    assert table(session)[0] == (1, "Alien", 100)


def test_merge_deleting_a_row_matched_twice_is_deterministic(session: LocalSession) -> None:
    """ "One or more source rows satisfy the WHEN MATCHED … THEN DELETE clauses": no error, deleted once."""
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 0, 'D'), (1, 'Alien', 0, 'D')")
    result = run(session, "MERGE INTO SCREENINGS t USING UPDATES_SRC s ON t.ID = s.ID WHEN MATCHED THEN DELETE")
    assert result == [Row(**{"number of rows deleted": 1})]
    assert [r[0] for r in table(session)] == [2, 3]


def test_merge_all_by_name(session: LocalSession) -> None:
    """``UPDATE ALL BY NAME`` / ``INSERT ALL BY NAME``: every target column from the source column of the same
    name, whatever the source's column order (sqlglot could not parse them)."""
    run(session, "CREATE TABLE BY_NAME_SRC (SEATS INT, ID INT, TITLE VARCHAR)")
    run(session, "INSERT INTO BY_NAME_SRC VALUES (55, 2, 'Brazil!'), (70, 9, 'Vertigo')")
    result = run(
        session,
        "MERGE INTO SCREENINGS t USING BY_NAME_SRC s ON t.ID = s.ID "
        "WHEN MATCHED THEN UPDATE ALL BY NAME WHEN NOT MATCHED THEN INSERT ALL BY NAME",
    )
    assert result == [Row(**{"number of rows inserted": 1, "number of rows updated": 1})]
    assert table(session) == [(1, "Alien", 100), (2, "Brazil!", 55), (3, "Casablanca", 60), (9, "Vertigo", 70)]


# -- UPDATE and DELETE -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE SCREENINGS SET SCREENINGS.SEATS = 10 WHERE ID = 2",
        "UPDATE SCREENINGS AS x SET x.SEATS = 10 WHERE x.ID = 2",
        "UPDATE MOVIES.PUBLIC.SCREENINGS SET PUBLIC.SCREENINGS.SEATS = 10 WHERE ID = 2",
    ],
)
def test_update_with_a_qualified_set_target(session: LocalSession, statement: str) -> None:
    """``SET t.col = …`` (the UPDATE page calls it invalid, yet its own example and the streams tutorial use it)."""
    assert run(session, statement) == [Row(**{"number of rows updated": 1, "number of multi-joined rows updated": 0})]
    assert table(session)[1] == (2, "Brazil", 10)


def test_set_qualified_by_another_table_is_an_invalid_identifier(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match=r"invalid identifier 'UPDATES_SRC\.SEATS'"):
        run(
            session, "UPDATE SCREENINGS SET UPDATES_SRC.SEATS = 1 FROM UPDATES_SRC WHERE SCREENINGS.ID = UPDATES_SRC.ID"
        )
    assert table(session)[0] == (1, "Alien", 100)


def test_update_from(session: LocalSession) -> None:
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 5, 'U'), (3, 'Casablanca', 7, 'U')")
    result = run(
        session,
        "UPDATE SCREENINGS t SET t.SEATS = t.SEATS + s.SEATS FROM UPDATES_SRC s WHERE t.ID = s.ID AND s.SEATS > 6",
    )
    assert result == [Row(**{"number of rows updated": 1, "number of multi-joined rows updated": 0})]
    assert table(session) == [(1, "Alien", 100), (2, "Brazil", 80), (3, "Casablanca", 67)]


def test_update_from_counts_a_multi_joined_row_once(session: LocalSession) -> None:
    """A target row that joins several FROM rows is a multi-joined row: under the default
    ERROR_ON_NONDETERMINISTIC_UPDATE = FALSE it is updated once, from one of them (UPDATE, usage notes and the
    example "Update with join that produces nondeterministic results"). DuckDB counted each joined pair."""
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'x', 11, 'U'), (1, 'x', 12, 'U'), (1, 'x', 13, 'U')")
    run(session, "INSERT INTO UPDATES_SRC VALUES (2, 'x', 21, 'U')")
    result = run(session, "UPDATE SCREENINGS SET SEATS = s.SEATS FROM UPDATES_SRC s WHERE SCREENINGS.ID = s.ID")
    assert result == [Row(**{"number of rows updated": 2, "number of multi-joined rows updated": 1})]
    seats = {r[0]: r[2] for r in table(session)}
    assert seats[1] in (11, 12, 13)
    assert (seats[2], seats[3]) == (21, 60)


def test_delete_using(session: LocalSession) -> None:
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 0, 'D'), (2, 'Brazil', 0, 'K')")
    result = run(session, "DELETE FROM SCREENINGS t USING UPDATES_SRC s WHERE t.ID = s.ID AND s.OP = 'D'")
    assert result == [Row(**{"number of rows deleted": 1})]
    assert [r[0] for r in table(session)] == [2, 3]


# -- INSERT ----------------------------------------------------------------------------------------------


def test_insert_overwrite_replaces_the_rows(session: LocalSession) -> None:
    result = run(session, "INSERT OVERWRITE INTO SCREENINGS SELECT ID + 10, TITLE, SEATS FROM SCREENINGS WHERE ID < 3")
    assert result == [Row(**{"number of rows inserted": 2})]
    assert table(session) == [(11, "Alien", 100), (12, "Brazil", 80)]


def test_unconditional_insert_all(session: LocalSession) -> None:
    """Every source row runs every INTO clause; VALUES names source columns; columns listed or positional."""
    result = run(
        session,
        "INSERT ALL INTO SCREENINGS_ARCHIVE INTO SCREENINGS_ARCHIVE (ID, SEATS) VALUES (ID, SEATS * 2) "
        "SELECT ID, TITLE, SEATS FROM SCREENINGS WHERE ID <= 2",
    )
    assert result == [Row(**{"number of rows inserted into MOVIES.PUBLIC.SCREENINGS_ARCHIVE": 4})]
    assert table(session, "SCREENINGS_ARCHIVE") == [
        (1, "Alien", 100),
        (1, None, 200),
        (2, "Brazil", 80),
        (2, None, 160),
    ]


def test_conditional_insert_all_and_else(session: LocalSession) -> None:
    """INSERT ALL runs every WHEN whose condition is TRUE; ELSE only when none is."""
    result = run(
        session,
        "INSERT ALL "
        "WHEN SEATS >= 80 THEN INTO SCREENINGS_ARCHIVE "
        "WHEN SEATS >= 100 THEN INTO SCREENINGS_ARCHIVE (ID, TITLE) VALUES (ID, 'big') "
        "ELSE INTO UPDATES_SRC (ID, OP) VALUES (ID, 'small') "
        "SELECT ID, TITLE, SEATS FROM SCREENINGS",
    )
    assert result == [
        Row(
            **{
                "number of rows inserted into MOVIES.PUBLIC.SCREENINGS_ARCHIVE": 3,
                "number of rows inserted into MOVIES.PUBLIC.UPDATES_SRC": 1,
            }
        )
    ]
    assert table(session, "SCREENINGS_ARCHIVE") == [(1, "Alien", 100), (1, "big", None), (2, "Brazil", 80)]
    assert [tuple(r) for r in run(session, "SELECT ID, OP FROM UPDATES_SRC")] == [(3, "small")]


def test_insert_first_takes_the_first_true_when(session: LocalSession) -> None:
    run(session, "INSERT INTO SCREENINGS VALUES (4, 'Dune', NULL)")
    result = run(
        session,
        "INSERT FIRST "
        "WHEN SEATS >= 80 THEN INTO SCREENINGS_ARCHIVE "
        "WHEN SEATS >= 60 THEN INTO SCREENINGS_ARCHIVE (ID, TITLE, SEATS) VALUES (ID, 'mid', SEATS) "
        "ELSE INTO SCREENINGS_ARCHIVE (ID, TITLE) VALUES (ID, 'other') "
        "SELECT ID, TITLE, SEATS FROM SCREENINGS",
    )
    assert result == [Row(**{"number of rows inserted into MOVIES.PUBLIC.SCREENINGS_ARCHIVE": 4})]
    # a NULL condition is not TRUE: Dune goes to ELSE
    assert table(session, "SCREENINGS_ARCHIVE") == [
        (1, "Alien", 100),
        (2, "Brazil", 80),
        (3, "mid", 60),
        (4, "other", None),
    ]


def test_insert_overwrite_all_truncates_each_target_first(session: LocalSession) -> None:
    run(session, "INSERT INTO SCREENINGS_ARCHIVE VALUES (9, 'Old', 1)")
    run(session, "INSERT OVERWRITE ALL INTO SCREENINGS_ARCHIVE SELECT ID, TITLE, SEATS FROM SCREENINGS WHERE ID = 1")
    assert table(session, "SCREENINGS_ARCHIVE") == [(1, "Alien", 100)]


def test_insert_all_reads_its_source_once(session: LocalSession) -> None:
    """The source is evaluated before any INTO runs: the second INTO does not see the first one's rows."""
    result = run(
        session, "INSERT ALL INTO SCREENINGS INTO SCREENINGS_ARCHIVE SELECT ID + 10, TITLE, SEATS FROM SCREENINGS"
    )
    assert result == [
        Row(
            **{
                "number of rows inserted into MOVIES.PUBLIC.SCREENINGS": 3,
                "number of rows inserted into MOVIES.PUBLIC.SCREENINGS_ARCHIVE": 3,
            }
        )
    ]
    assert [r[0] for r in table(session, "SCREENINGS_ARCHIVE")] == [11, 12, 13]


def test_insert_first_without_when_is_a_syntax_error(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="INSERT FIRST needs WHEN clauses"):
        run(session, "INSERT FIRST INTO SCREENINGS_ARCHIVE SELECT ID, TITLE, SEATS FROM SCREENINGS")


@pytest.mark.parametrize("alias", ["R", "P", "N"])
def test_update_from_with_a_target_alias_that_its_counting_also_uses(session: LocalSession, alias: str) -> None:
    """The row counts of UPDATE … FROM are computed by a grouped query of the engine's own; a target aliased
    like that query's names (the simulator's writer aliases the raw table R) once broke it with a binder error."""
    run(session, "INSERT INTO UPDATES_SRC VALUES (1, 'Alien', 90, 'U'), (2, 'Brazil', 70, 'U')")
    result = run(
        session,
        f"UPDATE SCREENINGS {alias} SET SEATS = S.SEATS FROM UPDATES_SRC S WHERE {alias}.ID = S.ID",
    )
    assert result == [Row(**{"number of rows updated": 2, "number of multi-joined rows updated": 0})]
    assert table(session) == [(1, "Alien", 90), (2, "Brazil", 70), (3, "Casablanca", 60)]
