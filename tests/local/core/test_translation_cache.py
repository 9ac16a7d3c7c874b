"""The engine's cache of fakesnow translations: repeated statements hit it and still mean the same."""

from __future__ import annotations

from datetime import datetime

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)


def test_repeated_statement_with_the_clock_hits_the_cache_and_gets_its_own_time() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as session:
        session.sql("CREATE TABLE T (ID INT, TS TIMESTAMP_NTZ)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()  # T is tracked: its DML is translated by the engine
        insert = "INSERT INTO T SELECT 1, SYSDATE()"
        session.sql(insert).collect()
        cached = len(session._engine._translations)
        session.sql(insert).collect()
        session.sql(insert).collect()
        assert len(session._engine._translations) == cached
        times = [row[0] for row in session.sql("SELECT TS FROM T ORDER BY TS").collect()]
        assert len(set(times)) == 3
        assert times == sorted(times)


def test_a_stream_read_repeats_its_text_and_consumes_each_time() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as session:
        session.sql("CREATE TABLE T (ID INT)").collect()
        session.sql("CREATE TABLE SINK (ID INT)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()
        consume = "INSERT INTO SINK SELECT ID FROM S"
        session.sql("INSERT INTO T VALUES (1)").collect()
        session.sql(consume).collect()
        cached = len(session._engine._translations)
        session.sql("INSERT INTO T VALUES (2)").collect()
        session.sql(consume).collect()
        session.sql(consume).collect()  # nothing pending: inserts nothing
        assert len(session._engine._translations) <= cached + 1  # only the new VALUES text
        assert [row[0] for row in session.sql("SELECT ID FROM SINK ORDER BY ID").collect()] == [1, 2]
        assert not session._engine._live_temps


def test_a_failing_stream_read_frees_its_temporary_name() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as session:
        session.sql("CREATE TABLE T (ID INT)").collect()
        session.sql("CREATE TABLE SINK (ID INT)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()
        session.sql("INSERT INTO T VALUES (1)").collect()
        with pytest.raises(LocalEngineError):
            session.sql("INSERT INTO SINK SELECT CAST('x' || ID AS INT) FROM S").collect()
        assert not session._engine._live_temps
        session.sql("INSERT INTO SINK SELECT ID FROM S").collect()
        assert [row[0] for row in session.sql("SELECT ID FROM SINK").collect()] == [1]
