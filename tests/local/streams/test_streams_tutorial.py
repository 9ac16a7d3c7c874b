"""Snowflake's streams tutorial ("Stream examples", Basic example), end to end, in our own data.

https://docs.snowflake.com/en/user-guide/streams-examples : a table of gym members with a stream on it; a
MERGE whose SET target is qualified (``SET m.fee = 90``) charges the members who signed up more than 30 days
before a date; the stream, not yet consumed, shows the changed rows as plain inserts with their new values; an
INSERT … SELECT from the stream consumes it; an UPDATE inside BEGIN … COMMIT is not visible in the stream
until the COMMIT, and then shows as DELETE/INSERT pairs with METADATA$ISUPDATE TRUE. Here: the members of a
cinema club (our names, ids, dates and fees; the same statements and the same documented outcomes).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from snowflake.snowpark import Row

from moviecdc.local import LocalSession


@pytest.fixture
def club() -> Iterator[LocalSession]:
    with LocalSession(database="CINEMA", schema="PUBLIC") as s:
        for statement in (
            "CREATE OR REPLACE TABLE club_members (id NUMBER(8) NOT NULL, name VARCHAR(255) DEFAULT NULL, "
            "fee NUMBER(3) NULL)",
            "CREATE OR REPLACE STREAM club_check ON TABLE club_members",
            "CREATE OR REPLACE TABLE club_signup (id NUMBER(8), dt DATE)",
            "INSERT INTO club_members (id, name, fee) VALUES "
            "(101, 'Ada', 0), (102, 'Bo', 0), (103, 'Cy', 0), (104, 'Di', 0), (105, 'Ed', 0)",
            "INSERT INTO club_signup VALUES (101, '2026-01-02'), (102, '2026-01-20'), (103, '2026-01-25'), "
            "(104, '2026-02-10'), (105, '2026-02-27')",
        ):
            s.sql(statement).collect()
        yield s


def stream(session: LocalSession) -> list[tuple[object, ...]]:
    rows = session.sql(
        'SELECT ID, NAME, FEE, "METADATA$ACTION", "METADATA$ISUPDATE" FROM club_check '
        'ORDER BY "METADATA$ACTION" DESC, ID'
    ).collect()
    return [tuple(r) for r in rows]


def members(session: LocalSession) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.sql("SELECT ID, NAME, FEE FROM club_members ORDER BY ID").collect()]


def test_the_streams_tutorial_end_to_end(club: LocalSession) -> None:
    # The stream records the inserted rows.
    assert stream(club) == [
        (101, "Ada", 0, "INSERT", False),
        (102, "Bo", 0, "INSERT", False),
        (103, "Cy", 0, "INSERT", False),
        (104, "Di", 0, "INSERT", False),
        (105, "Ed", 0, "INSERT", False),
    ]

    # The tutorial's MERGE: a qualified SET target on a table with a stream (it failed with DuckDB's
    # "Qualified column names in UPDATE .. SET not supported").
    merged = club.sql(
        "MERGE INTO club_members m USING ("
        "  SELECT id, dt FROM club_signup s WHERE DATEDIFF(day, '2026-03-01'::date, s.dt::DATE) < -30) s "
        "ON m.id = s.id "
        "WHEN MATCHED THEN UPDATE SET m.fee = 90"
    ).collect()
    assert merged == [Row(**{"number of rows updated": 3})]
    assert members(club) == [(101, "Ada", 90), (102, "Bo", 90), (103, "Cy", 90), (104, "Di", 0), (105, "Ed", 0)]

    # Not consumed yet: the updated rows show as inserts with their new values, not as DELETE/INSERT pairs.
    assert stream(club) == [
        (101, "Ada", 90, "INSERT", False),
        (102, "Bo", 90, "INSERT", False),
        (103, "Cy", 90, "INSERT", False),
        (104, "Di", 0, "INSERT", False),
        (105, "Ed", 0, "INSERT", False),
    ]

    # Consuming the stream in a DML statement advances it.
    club.sql(
        "CREATE OR REPLACE TABLE club_members_prod (id NUMBER(8) NOT NULL, name VARCHAR(255), fee NUMBER(3))"
    ).collect()
    inserted = club.sql(
        "INSERT INTO club_members_prod (id, name, fee) SELECT id, name, fee FROM club_check "
        "WHERE METADATA$ACTION = 'INSERT'"
    ).collect()
    assert inserted == [Row(**{"number of rows inserted": 5})]
    assert stream(club) == []

    # Inside a transaction the stream does not show the transaction's own change ...
    club.sql("BEGIN").collect()
    updated = club.sql("UPDATE club_members SET fee = fee + 15 WHERE fee > 0").collect()
    assert updated == [Row(**{"number of rows updated": 3, "number of multi-joined rows updated": 0})]
    assert stream(club) == []
    club.sql("COMMIT").collect()

    # ... and after COMMIT shows each updated row as a DELETE/INSERT pair.
    assert stream(club) == [
        (101, "Ada", 105, "INSERT", True),
        (102, "Bo", 105, "INSERT", True),
        (103, "Cy", 105, "INSERT", True),
        (101, "Ada", 90, "DELETE", True),
        (102, "Bo", 90, "DELETE", True),
        (103, "Cy", 90, "DELETE", True),
    ]
    assert [type(v) for v in members(club)[0]] == [int, str, int]
