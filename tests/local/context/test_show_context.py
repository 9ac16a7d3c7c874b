"""SHOW DATABASES / SHOW SCHEMAS: LIKE filters (fakesnow ignored it) and Snowflake's INFORMATION_SCHEMA name.

https://docs.snowflake.com/en/sql-reference/sql/show-databases and
https://docs.snowflake.com/en/sql-reference/sql/show-schemas: ``LIKE '<pattern>'`` filters by object name,
case-insensitively, with SQL wildcards; every database has the schemas PUBLIC and INFORMATION_SCHEMA.
"""

from __future__ import annotations

from moviecdc.local import LocalSession


def test_show_databases_like_filters_case_insensitively() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE DATABASE D1").collect()
        s.sql("CREATE DATABASE D22").collect()
        assert [r.name for r in s.sql("SHOW DATABASES LIKE 'd1'").collect()] == ["D1"]
        assert sorted(r.name for r in s.sql("SHOW DATABASES LIKE 'D%'").collect()) == ["D1", "D22"]
        assert [r.name for r in s.sql("SHOW TERSE DATABASES LIKE 'd_'").collect()] == ["D1"]


def test_show_schemas_names_information_schema_and_filters() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT)").collect()
        s.sql("CREATE STREAM S ON TABLE T").collect()  # the engine's _MOVIECDC schema exists now
        names = sorted(r.name for r in s.sql("SHOW SCHEMAS IN DATABASE MOVIES").collect())
        assert names == ["INFORMATION_SCHEMA", "PUBLIC"]
        assert [r.name for r in s.sql("SHOW SCHEMAS LIKE 'pub%'").collect()] == ["PUBLIC"]
