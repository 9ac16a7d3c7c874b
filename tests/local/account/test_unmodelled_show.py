"""SHOW of objects the engine does not model is refused by name, never "Table with name … does not exist".

Pages: https://docs.snowflake.com/en/sql-reference/sql/show-channels, https://docs.snowflake.com/en/sql-reference/sql/show-pipes,
https://docs.snowflake.com/en/sql-reference/sql/show-primary-keys (keys are not recorded locally).
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


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("SHOW CHANNELS", "SHOW CHANNELS"),
        ("SHOW CHANNELS IN TABLE T", "SHOW CHANNELS"),
        ("SHOW PIPES IN ACCOUNT", "SHOW PIPES"),
        ("SHOW TERSE NETWORK POLICIES", "SHOW NETWORK POLICIES"),
        ("SHOW MASKING POLICIES IN SCHEMA MOVIES.PUBLIC", "SHOW MASKING POLICIES"),
        ("SHOW API INTEGRATIONS", "SHOW API INTEGRATIONS"),
        ("SHOW PRIMARY KEYS IN TABLE T", "SHOW PRIMARY KEYS"),
        ("SHOW WIDGETS", "SHOW WIDGETS"),  # not a Snowflake object: still no raw DuckDB error
        ("SHOW TERSE WIDGETS IN ACCOUNT", "SHOW TERSE WIDGETS"),
    ],
)
def test_show_of_unmodelled_objects_is_refused_by_name(s: LocalSession, sql: str, named: str) -> None:
    with pytest.raises(UnsupportedSqlError) as caught:
        s.sql(sql).collect()
    message = str(caught.value)
    assert message.startswith(f"{named} is not supported by the local engine.")
    assert "does not exist" not in message
    assert "Parser Error" not in message


def test_show_of_modelled_objects_still_answers(s: LocalSession) -> None:
    assert s.sql("SHOW STAGES").collect() == []
    assert s.sql("SHOW STREAMS").collect() == []
