"""ALTER SESSION SET / UNSET and SHOW PARAMETERS.

Pages: https://docs.snowflake.com/en/sql-reference/sql/alter-session,
https://docs.snowflake.com/en/sql-reference/parameters (names and defaults: TIMEZONE America/Los_Angeles,
ERROR_ON_NONDETERMINISTIC_MERGE TRUE, WEEK_START 0, QUERY_TAG empty),
https://docs.snowflake.com/en/sql-reference/sql/show-parameters (columns key, value, default, level, description, type).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        yield session


def test_parameters_that_change_nothing_locally_are_recorded(s: LocalSession) -> None:
    done = s.sql("ALTER SESSION SET QUERY_TAG = 'nightly load' STATEMENT_TIMEOUT_IN_SECONDS = 60").collect()
    assert done[0][0] == "Statement executed successfully."
    rows = s.sql("SHOW PARAMETERS LIKE 'query_tag'").collect()
    assert list(rows[0]._fields) == ["key", "value", "default", "level", "description", "type"]
    assert tuple(rows[0]) == ("QUERY_TAG", "nightly load", "", "SESSION", "String to tag queries with", "STRING")
    s.sql("ALTER SESSION UNSET QUERY_TAG").collect()
    assert tuple(s.sql("SHOW PARAMETERS LIKE 'QUERY_TAG'").collect()[0])[1:4] == ("", "", "")


def test_parameters_that_change_results_take_only_the_emulated_value(s: LocalSession) -> None:
    for sql in (
        "ALTER SESSION SET TIMEZONE = 'UTC'",
        "ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = TRUE",
        "ALTER SESSION SET WEEK_START = 0",
    ):
        assert s.sql(sql).collect()[0][0] == "Statement executed successfully."
    for sql, name in (
        ("ALTER SESSION SET TIMEZONE = 'America/New_York'", "TIMEZONE"),
        ("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = FALSE", "ERROR_ON_NONDETERMINISTIC_MERGE"),
        ("ALTER SESSION SET TIMESTAMP_OUTPUT_FORMAT = 'YYYY-MM-DD'", "TIMESTAMP_OUTPUT_FORMAT"),
        ("ALTER SESSION SET NO_SUCH_PARAMETER = 1", "NO_SUCH_PARAMETER"),
    ):
        with pytest.raises(UnsupportedSqlError, match=name):
            s.sql(sql).collect()
    timezone = s.sql("SHOW PARAMETERS LIKE 'TIMEZONE'").collect()[0]
    assert (timezone.value, timezone.default) == ("UTC", "America/Los_Angeles")
