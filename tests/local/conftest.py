from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.local import LocalSession


@pytest.fixture
def session() -> Iterator[LocalSession]:
    """An in-memory session whose current schema is MOVIES.PUBLIC, with table T (ID, VAL) and stream S."""
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        s.sql("CREATE STREAM S ON TABLE T").collect()
        s.sql("CREATE TABLE SINK (ID INT, VAL VARCHAR, ACTION VARCHAR, ISUPDATE BOOLEAN, RID VARCHAR)").collect()
        yield s
