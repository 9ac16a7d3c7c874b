"""Managed-access schemas, comments and tags: accepted and recorded, or refused by name.

Pages: https://docs.snowflake.com/en/sql-reference/sql/create-schema (WITH MANAGED ACCESS),
https://docs.snowflake.com/en/sql-reference/sql/alter-schema, https://docs.snowflake.com/en/sql-reference/sql/comment,
https://docs.snowflake.com/en/sql-reference/sql/create-tag, https://docs.snowflake.com/en/sql-reference/sql/show-tags,
https://docs.snowflake.com/en/sql-reference/sql/alter-table (SET TAG).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession
from moviecdc.local.account import governance


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        yield session


def test_a_managed_access_schema_is_created_and_recorded(s: LocalSession) -> None:
    engine = s._engine
    created = s.sql("CREATE SCHEMA SECURE WITH MANAGED ACCESS").collect()
    assert created[0][0] == "Schema SECURE successfully created."
    assert governance.managed_access(engine, "MOVIES", "SECURE")
    s.sql("CREATE TABLE MOVIES.SECURE.T (ID INT)").collect()  # the schema is a real one
    assert s.sql("ALTER SCHEMA MOVIES.SECURE DISABLE MANAGED ACCESS").collect()[0][0] == (
        "Statement executed successfully."
    )
    assert not governance.managed_access(engine, "MOVIES", "SECURE")
    s.sql("ALTER SCHEMA MOVIES.SECURE ENABLE MANAGED ACCESS").collect()
    assert governance.managed_access(engine, "MOVIES", "SECURE")
    # CREATE OR REPLACE without the clause makes an ordinary schema again.
    s.sql("CREATE OR REPLACE SCHEMA MOVIES.OTHER WITH MANAGED ACCESS").collect()
    assert governance.managed_access(engine, "MOVIES", "OTHER")
    s.sql("CREATE OR REPLACE SCHEMA MOVIES.OTHER").collect()
    assert not governance.managed_access(engine, "MOVIES", "OTHER")


def test_comments_are_kept_and_answered_as_snowflake_does(s: LocalSession) -> None:
    s.sql("CREATE TABLE BOOKINGS (ID INT, SEATS INT) COMMENT = 'raw bookings'").collect()
    assert s.sql("COMMENT ON TABLE BOOKINGS IS 'all bookings'").collect()[0][0] == "Statement executed successfully."
    assert s.sql("COMMENT ON COLUMN BOOKINGS.SEATS IS 'seats booked'").collect()[0][0] == (
        "Statement executed successfully."
    )
    table = s.sql("SELECT COMMENT FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = 'BOOKINGS'").collect()
    assert table[0][0] == "all bookings"
    column = s.sql(
        "SELECT COMMENT FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'BOOKINGS' AND COLUMN_NAME = 'SEATS'"
    ).collect()
    assert column[0][0] == "seats booked"
    assert s.sql("COMMENT ON WAREHOUSE COMPUTE_WH IS 'the default one'").collect()[0][0] == (
        "Statement executed successfully."
    )
    assert s.sql("SHOW WAREHOUSES").collect()[0].comment == "the default one"
    s.sql("COMMENT ON ROLE SYSADMIN IS 'builds things'").collect()
    assert next(r for r in s.sql("SHOW ROLES").collect() if r.name == "SYSADMIN").comment == "builds things"
    with pytest.raises(LocalEngineError, match="Warehouse 'NOPE' does not exist or not authorized"):
        s.sql("COMMENT ON WAREHOUSE NOPE IS 'x'").collect()


def test_tags_are_recorded_and_shown(s: LocalSession) -> None:
    created = s.sql("CREATE TAG COST_CENTER ALLOWED_VALUES 'finance', 'engineering' COMMENT = 'who pays'")
    assert created.collect()[0][0] == "Tag COST_CENTER successfully created."
    assert s.sql("CREATE TAG IF NOT EXISTS cost_center").collect()[0][0] == (
        "COST_CENTER already exists, statement succeeded."
    )
    s.sql("ALTER TAG COST_CENTER ADD ALLOWED_VALUES 'sales'").collect()
    rows = s.sql("SHOW TAGS").collect()
    assert [tuple(r)[1:] for r in rows] == [
        ("COST_CENTER", "MOVIES", "PUBLIC", "ACCOUNTADMIN", "who pays", '["finance","engineering","sales"]', "ROLE"),
    ]
    assert s.sql("SHOW TAGS LIKE 'nothing%'").collect() == []
    assert s.sql("DROP TAG COST_CENTER").collect()[0][0] == "COST_CENTER successfully dropped."
    assert s.sql("SHOW TAGS").collect() == []


def test_tag_values_on_objects_are_refused_by_name(s: LocalSession) -> None:
    s.sql("CREATE TABLE BOOKINGS (ID INT)").collect()
    s.sql("CREATE TAG COST_CENTER").collect()
    for sql in (
        "ALTER TABLE BOOKINGS SET TAG COST_CENTER = 'finance'",
        "ALTER TABLE BOOKINGS UNSET TAG COST_CENTER",
        "ALTER WAREHOUSE COMPUTE_WH SET TAG COST_CENTER = 'finance'",
    ):
        with pytest.raises(UnsupportedSqlError, match="TAG"):
            s.sql(sql).collect()
