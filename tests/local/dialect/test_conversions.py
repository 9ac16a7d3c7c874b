"""VARIANT ↔ text, and TO_TIMESTAMP / TO_TIMESTAMP_NTZ / _TZ / _LTZ, as Snowflake converts them.

Before the dialect's conversions module, a VARIANT string stored into a VARCHAR column kept its JSON quotes,
``TO_TIMESTAMP_NTZ(<decimal seconds>)`` dropped the fraction, and TO_TIMESTAMP_TZ / _LTZ of a column failed with
a raw DuckDB error (issue 10).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local import LocalSession

# "Querying semi-structured data": a VARIANT value shows its JSON quotes until it is cast; ::VARCHAR / ::STRING
# gives the string itself.
QUERYING = "https://docs.snowflake.com/en/user-guide/querying-semistructured"
TO_VARCHAR = "https://docs.snowflake.com/en/sql-reference/functions/to_char"
TO_TIMESTAMP = "https://docs.snowflake.com/en/sql-reference/functions/to_timestamp"


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC") as session:
        session.sql("CREATE TABLE RAW (V VARIANT)").collect()
        session.sql(
            """INSERT INTO RAW SELECT PARSE_JSON('{"color": "green", "size": 1.5, "tags": {"x": 1}}')"""
        ).collect()
        yield session


def test_variant_string_stored_into_varchar_column_loses_its_quotes(s: LocalSession) -> None:
    """QUERYING: a VARIANT string converted to VARCHAR (here by INSERT's assignment) is the string itself; an
    object becomes its JSON text and a number its digits."""
    s.sql("CREATE TABLE FLAT (COLOR VARCHAR, SIZE VARCHAR, TAGS VARCHAR)").collect()
    s.sql("INSERT INTO FLAT SELECT V:color, V:size, V:tags FROM RAW").collect()
    s.sql("""INSERT INTO FLAT (COLOR) VALUES (PARSE_JSON('"blue"'))""").collect()
    assert [tuple(r) for r in s.sql("SELECT * FROM FLAT ORDER BY COLOR").collect()] == [
        ("blue", None, None),
        ("green", "1.5", '{"x":1}'),
    ]


def test_variant_assigned_by_update_loses_its_quotes(s: LocalSession) -> None:
    """QUERYING: the same conversion when UPDATE assigns a VARIANT value to a VARCHAR column."""
    s.sql("CREATE TABLE FLAT (COLOR VARCHAR)").collect()
    s.sql("INSERT INTO FLAT VALUES ('none')").collect()
    s.sql("UPDATE FLAT SET COLOR = (SELECT V:color FROM RAW)").collect()
    assert s.sql("SELECT COLOR FROM FLAT").collect()[0].COLOR == "green"


def test_variant_string_stored_into_a_table_with_a_stream(s: LocalSession) -> None:
    """QUERYING: the conversion holds on a tracked table (one with a stream) too, and the stream sees it."""
    s.sql("CREATE TABLE FLAT (COLOR VARCHAR)").collect()
    s.sql("CREATE STREAM FLAT_S ON TABLE FLAT").collect()
    s.sql("INSERT INTO FLAT SELECT V:color FROM RAW").collect()
    assert s.sql("SELECT COLOR FROM FLAT_S").collect()[0].COLOR == "green"


def test_casts_of_a_variant_to_text(s: LocalSession) -> None:
    """QUERYING / TO_VARCHAR: CAST, ::STRING and TO_VARCHAR of a VARIANT string give the string; a VARIANT
    compared with a text literal compares as VARIANT."""
    row = s.sql(
        "SELECT CAST(PARSE_JSON('\"green\"') AS VARCHAR) AS A, PARSE_JSON('\"green\"')::STRING AS B, "
        "TO_VARCHAR(V:color) AS C, 'plain'::VARIANT::VARCHAR AS D, V:color = 'green' AS E FROM RAW"
    ).collect()[0]
    assert (row.A, row.B, row.C, row.D, row.E) == ("green", "green", "green", "plain", True)


def test_to_timestamp_ntz_of_decimal_seconds_keeps_the_fraction(s: LocalSession) -> None:
    """TO_TIMESTAMP: a non-integer number of seconds keeps its fraction ("the scale of the result is
    inherited"); with a scale argument the number is milliseconds (3), microseconds (6) …"""
    row = s.sql(
        "SELECT TO_TIMESTAMP_NTZ(1700000000.123) AS A, TO_TIMESTAMP_NTZ(1700000000123, 3) AS B, "
        "TO_TIMESTAMP(1700000000) AS C, TO_TIMESTAMP_NTZ(X) AS D "
        "FROM (SELECT 1700000000.5::NUMBER(12,1) AS X)"
    ).collect()[0]
    assert (
        datetime(2023, 11, 14, 22, 13, 20, 123000),
        datetime(2023, 11, 14, 22, 13, 20, 123000),
        datetime(2023, 11, 14, 22, 13, 20),
        datetime(2023, 11, 14, 22, 13, 20, 500000),
    ) == (row.A, row.B, row.C, row.D)


def test_to_timestamp_of_an_integer_string_goes_by_its_magnitude(s: LocalSession) -> None:
    """TO_TIMESTAMP usage notes: a string holding an integer is seconds below 31536000000, milliseconds below
    31536000000000, microseconds below 31536000000000000, else nanoseconds."""
    row = s.sql(
        "SELECT TO_TIMESTAMP('1700000000') AS A, TO_TIMESTAMP('1700000000123') AS B, "
        "TO_TIMESTAMP_NTZ(S) AS C FROM (SELECT '1700000000123456' AS S)"
    ).collect()[0]
    assert (
        datetime(2023, 11, 14, 22, 13, 20),
        datetime(2023, 11, 14, 22, 13, 20, 123000),
        datetime(2023, 11, 14, 22, 13, 20, 123456),
    ) == (row.A, row.B, row.C)


def test_to_timestamp_tz_and_ltz_of_every_input_kind(s: LocalSession) -> None:
    """TO_TIMESTAMP: _TZ and _LTZ take numbers (with a scale), strings (honouring an offset), dates and
    VARIANTs; the local session's time zone is UTC."""
    row = s.sql(
        "SELECT TO_TIMESTAMP_TZ(N) AS A, TO_TIMESTAMP_LTZ(M, 3) AS B, TO_TIMESTAMP_LTZ(T) AS C, "
        "TO_TIMESTAMP_LTZ(D) AS E, TO_TIMESTAMP_TZ(PARSE_JSON('1700000000')) AS F, TO_TIMESTAMP_LTZ(NULL) AS G FROM "
        "(SELECT 1700000000 AS N, 1700000000123 AS M, '2024-01-02 03:04:05 +02:00' AS T, '2024-01-02'::DATE AS D), RAW"
    ).collect()[0]
    assert (
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC),
        datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        None,
    ) == (row.A, row.B, row.C, row.E, row.F, row.G)


def test_try_to_timestamp_of_text_that_is_no_timestamp_is_null(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/functions/try_to_timestamp: NULL instead of an error."""
    row = s.sql("SELECT TRY_TO_TIMESTAMP('nope') AS A, TRY_TO_TIMESTAMP_TZ(X) AS B FROM (SELECT 'no' AS X)").collect()[
        0
    ]
    assert (row.A, row.B) == (None, None)


def test_to_timestamp_with_a_format_still_works(s: LocalSession) -> None:
    """TO_TIMESTAMP: TO_TIMESTAMP(string, format) reads the string with the format."""
    row = s.sql("SELECT TO_TIMESTAMP_NTZ('02/01/2024 03:04', 'DD/MM/YYYY HH24:MI') AS A").collect()[0]
    assert datetime(2024, 1, 2, 3, 4) == row.A


def test_cast_of_a_variant_column_to_text(s: LocalSession) -> None:
    """QUERYING: ``v::VARCHAR`` of a VARIANT column holding a string is the string; a column of another type
    casts as before."""
    s.sql("""INSERT INTO RAW SELECT PARSE_JSON('"plain"')""").collect()
    rows = s.sql("SELECT V::VARCHAR AS A, CAST(V AS STRING) AS B FROM RAW ORDER BY A").collect()
    assert [tuple(r) for r in rows] == [
        ("plain", "plain"),
        ('{"color":"green","size":1.5,"tags":{"x":1}}', '{"color":"green","size":1.5,"tags":{"x":1}}'),
    ]
    assert s.sql("SELECT N::VARCHAR AS A FROM (SELECT 5 AS N)").collect()[0].A == "5"


def test_variant_stored_by_merge_loses_its_quotes(s: LocalSession) -> None:
    """QUERYING: the same conversion in MERGE's UPDATE SET and INSERT VALUES (on a table with a stream: a plain
    table's MERGE is another engineer's fix, issue 10)."""
    s.sql("CREATE TABLE FLAT (ID INT, COLOR VARCHAR)").collect()
    s.sql("CREATE STREAM FLAT_S ON TABLE FLAT").collect()
    s.sql("INSERT INTO FLAT VALUES (1, 'none')").collect()
    s.sql(
        "MERGE INTO FLAT USING (SELECT 1 AS ID, V FROM RAW UNION ALL SELECT 2, V FROM RAW) AS SRC ON FLAT.ID = SRC.ID "
        "WHEN MATCHED THEN UPDATE SET COLOR = SRC.V:color "
        "WHEN NOT MATCHED THEN INSERT (ID, COLOR) VALUES (SRC.ID, SRC.V:color)"
    ).collect()
    assert [tuple(r) for r in s.sql("SELECT ID, COLOR FROM FLAT ORDER BY ID").collect()] == [(1, "green"), (2, "green")]


def test_typeof_names_the_type_a_variant_holds() -> None:
    """TYPEOF answers Snowflake's type names (https://docs.snowflake.com/en/sql-reference/functions/typeof);
    DuckDB's typeof() said JSON for every VARIANT. A JSON null is NULL_VALUE, a SQL NULL stays NULL, and the
    unaliased column is named by the call's text."""
    with LocalSession() as session:
        row = session.sql(
            "SELECT TYPEOF(PARSE_JSON('7')), TYPEOF(PARSE_JSON('null')), TYPEOF(NULL::VARIANT), "
            "TYPEOF(PARSE_JSON('{\"a\": [1]}'):a) AS T"
        ).collect()[0]
    assert tuple(row) == ("INTEGER", "NULL_VALUE", None, "ARRAY")
    assert row.as_dict()["TYPEOF(PARSE_JSON('7'))"] == "INTEGER"


ARRAY_AGG = "https://docs.snowflake.com/en/sql-reference/functions/array_agg"
ARRAY_COMPACT = "https://docs.snowflake.com/en/sql-reference/functions/array_compact"
# Snowpark's array_agg (the same function): "If the input is empty, an empty ARRAY is returned."
SNOWPARK_ARRAY_AGG = (
    "https://docs.snowflake.com/developer-guide/snowpark/reference/python/api/snowflake.snowpark.functions.array_agg"
)
NUMBERS = "SELECT 1 AS G, 2 AS N UNION ALL SELECT 1, NULL UNION ALL SELECT 1, 1 UNION ALL SELECT 2, NULL"


def test_array_agg_omits_nulls_in_every_form(s: LocalSession) -> None:
    """ARRAY_AGG: NULL values are omitted, with or without WITHIN GROUP, DISTINCT or OVER."""
    rows = s.sql(
        "SELECT G, TO_JSON(ARRAY_AGG(N) WITHIN GROUP (ORDER BY N)) AS A, "
        "TO_JSON(ARRAY_AGG(DISTINCT N) WITHIN GROUP (ORDER BY N DESC)) AS B, ARRAY_SIZE(ARRAY_AGG(N)) AS C "
        f"FROM ({NUMBERS}) GROUP BY G ORDER BY G"
    ).collect()
    assert [tuple(r) for r in rows] == [(1, "[1,2]", "[2,1]", 2), (2, "[]", "[]", 0)]
    rows = s.sql(
        "SELECT G, TO_JSON(ARRAY_AGG(N) WITHIN GROUP (ORDER BY N) OVER (PARTITION BY G)) AS A "
        f"FROM ({NUMBERS}) ORDER BY G, A"
    ).collect()
    assert [tuple(r) for r in rows] == [(1, "[1,2]")] * 3 + [(2, "[]")]


def test_array_agg_of_no_input_is_an_empty_array(s: LocalSession) -> None:
    """SNOWPARK_ARRAY_AGG: "If the input is empty, an empty ARRAY is returned" (not NULL)."""
    row = s.sql("SELECT TO_JSON(ARRAY_AGG(N)) AS A FROM (SELECT 1 AS N) WHERE N > 5").collect()[0]
    assert row.A == "[]"


def test_array_compact_of_array_agg_and_of_a_variant_array(s: LocalSession) -> None:
    """ARRAY_COMPACT: missing and null values removed; was a raw binder error on a VARIANT array."""
    row = s.sql(
        f"SELECT TO_JSON(ARRAY_COMPACT(ARRAY_AGG(N) WITHIN GROUP (ORDER BY N))) AS A, "
        "TO_JSON(ARRAY_COMPACT(ARRAY_CONSTRUCT(10, NULL, 30))) AS B, "
        "TO_JSON(ARRAY_COMPACT(PARSE_JSON('[1, null, 3]'))) AS C, ARRAY_COMPACT(NULL) AS D "
        f"FROM ({NUMBERS})"
    ).collect()[0]
    assert tuple(row) == ("[1,2]", "[10,30]", "[1,3]", None)


def test_a_timestamp_tz_offset_that_would_be_lost_is_refused(s: LocalSession) -> None:
    """TO_TIMESTAMP: TO_TIMESTAMP_TZ keeps the offset written in its input (10:30 +02:00 stays 10:30 +02:00).
    DuckDB's TIMESTAMPTZ has no per-value offset, so the engine refuses such a value instead of answering 08:30 UTC
    (a silent difference before: HOUR() said 8, ::DATE could move a day)."""
    for sql in (
        "SELECT TO_TIMESTAMP_TZ('2024-01-15 10:30:00 +02:00')",
        "SELECT TRY_TO_TIMESTAMP_TZ('2024-01-15 10:30:00-0500')",
        "SELECT '2024-01-15 10:30:00+02:00'::TIMESTAMP_TZ",
    ):
        with pytest.raises(UnsupportedSqlError, match="TIMESTAMP_TZ values in UTC only"):
            s.sql(sql).collect()
    s.sql("CREATE TABLE TEXTS (X VARCHAR)").collect()
    s.sql("INSERT INTO TEXTS VALUES ('2024-01-15 10:30:00+02:00')").collect()
    with pytest.raises(UnsupportedSqlError, match=r"offset written in '2024-01-15 10:30:00\+02:00'"):
        s.sql("SELECT TO_TIMESTAMP_TZ(X) FROM TEXTS").collect()


def test_timestamp_tz_values_in_utc_and_ltz_conversions_still_run(s: LocalSession) -> None:
    """TO_TIMESTAMP: a UTC offset (or none: the session time zone, UTC) loses nothing; _LTZ converts to the
    session time zone by definition, so its offset is honoured and dropped as in Snowflake."""
    row = s.sql(
        "SELECT TO_TIMESTAMP_TZ('2024-01-15 10:30:00 +00:00') AS A, TO_TIMESTAMP_TZ('2024-01-15 10:30:00') AS B, "
        "TO_TIMESTAMP_LTZ('2024-01-15 10:30:00 +02:00') AS C, TRY_TO_TIMESTAMP_TZ('nope') AS D"
    ).collect()[0]
    utc = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert (utc, utc, datetime(2024, 1, 15, 8, 30, tzinfo=UTC), None) == tuple(row)


def test_a_bare_variant_column_stored_into_varchar_loses_its_quotes(s: LocalSession) -> None:
    """QUERYING: a VARIANT string stored into a VARCHAR column is the string itself (was '"green"' for a bare column);
    a VARIANT target keeps the VARIANT, and other columns convert as before."""
    s.sql("CREATE TABLE SRC (V VARIANT, I INT)").collect()
    s.sql("""INSERT INTO SRC SELECT PARSE_JSON('"green"'), 4""").collect()
    s.sql("CREATE TABLE DST (S VARCHAR, J VARIANT, K VARCHAR)").collect()
    s.sql("INSERT INTO DST SELECT V, V, I FROM SRC").collect()
    s.sql("INSERT INTO DST (K, S) SELECT SRC.I, SRC.V FROM SRC").collect()
    rows = s.sql("SELECT S, J, K FROM DST ORDER BY J NULLS LAST").collect()
    assert [tuple(r) for r in rows] == [("green", '"green"', "4"), ("green", None, "4")]
