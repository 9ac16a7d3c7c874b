"""``Pipeline.compact()`` / ``moviecdc compact``: superseded Bronze events go, Silver, Rejected and Gold stay.

The property test feeds two copies of the deployed pipeline the same random raw DML and clock moves, compacts
one of them at random points (while events wait in the stream, or in Bronze for a refresh), and compares
Silver, Rejected and Gold of the two exactly, and Silver and Gold with the reference model
(``cdc_model``). Bronze deletes are changes the dynamic tables see: Silver's incremental refresh recomputes
the affected bookings from what is left, which must be the same rows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdc_model import RawTable, booking, expected_gold, expected_silver
from moviecdc import LocalSession, Pipeline, PipelineConfig
from moviecdc.cli import main
from moviecdc.testing import START

CONFIG = PipelineConfig()
RAW = CONFIG.name("raw_table").sql
BRONZE = CONFIG.name("bronze_table").sql
OUTPUTS = ("silver_table", "rejected_table", "gold_table")


def _open(template: Path, into: Path) -> LocalSession:
    shutil.copytree(template, into)
    return LocalSession(path=into, database=CONFIG.database, schema=CONFIG.schema_name, start=START)


def _rows(session: LocalSession, sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(r) for r in session.sql(sql).collect()), key=repr)


def _outputs(session: LocalSession) -> list[list[tuple[Any, ...]]]:
    return [_rows(session, f"SELECT * FROM {CONFIG.name(table).sql}") for table in OUTPUTS]


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _insert(values: tuple[object, ...]) -> str:
    return f"INSERT INTO {RAW} VALUES ({', '.join(_literal(v) for v in values)})"


IDS = st.sampled_from(["B1", "B2", "B3", "B4", None])
STEP = st.one_of(
    st.tuples(
        st.just("insert"), IDS, st.sampled_from(["M1", "M2"]), st.integers(0, 3), st.sampled_from(["BOOKED", "NOPE"])
    ),
    st.tuples(st.just("status"), IDS, st.sampled_from(["CANCELLED", "COMPLETED", "BOOKED"])),
    st.tuples(st.just("tickets"), IDS, st.integers(0, 4)),
    st.tuples(st.just("rekey"), IDS, IDS),
    st.tuples(st.just("delete"), IDS),
    st.tuples(st.just("advance"), st.sampled_from([30, 60, 120, 180])),
    st.tuples(st.just("compact"), st.sampled_from([0, 60, 300])),
)


@pytest.fixture
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="moviecdc-compact-") as folder:
        yield Path(folder)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=3, max_size=14))
def test_compaction_at_random_points_changes_no_output(
    pipeline_template: Path, scratch: Path, steps: list[tuple[Any, ...]]
) -> None:
    run = len(list(scratch.iterdir()))
    compacted = _open(pipeline_template, scratch / f"{run}-compacted")
    plain = _open(pipeline_template, scratch / f"{run}-plain")
    model = RawTable()
    removed = 0
    try:
        for step in steps:
            kind = step[0]
            if kind == "advance":
                compacted.advance(seconds=step[1])
                plain.advance(seconds=step[1])
                continue
            if kind == "compact":
                removed += Pipeline(compacted, CONFIG).compact(timedelta(seconds=step[1]))
                continue
            key = step[1]
            match = "BOOKING_ID IS NULL" if key is None else f"BOOKING_ID = {_literal(key)}"
            if kind == "insert":
                values = booking(key, step[2], step[3], "10.50", step[4])
                model.insert(values)
                statement = _insert(values)
            elif kind == "status":
                model.update(key, status=step[2])  # type: ignore[arg-type]
                statement = f"UPDATE {RAW} SET STATUS = {_literal(step[2])} WHERE {match}"
            elif kind == "tickets":
                model.update(key, ticket_count=step[2])  # type: ignore[arg-type]
                statement = f"UPDATE {RAW} SET TICKET_COUNT = {step[2]} WHERE {match}"
            elif kind == "rekey":
                model.update(key, booking_id=step[2])  # type: ignore[arg-type]
                statement = f"UPDATE {RAW} SET BOOKING_ID = {_literal(step[2])} WHERE {match}"
            else:
                for row_id in [r for r, v in model.rows.items() if v[0] == key]:
                    del model.rows[row_id]
                statement = f"DELETE FROM {RAW} WHERE {match}"
            compacted.sql(statement).collect()
            plain.sql(statement).collect()
        for session in (compacted, plain):
            session.advance(minutes=3)
            Pipeline(session, CONFIG).refresh(poll_interval=0)
        assert _outputs(compacted) == _outputs(plain)
        silver = [r[:7] for r in _rows(compacted, f"SELECT * FROM {CONFIG.name('silver_table').sql}")]
        assert sorted(silver, key=lambda r: str(r[0])) == expected_silver(list(model.rows.values()))
        gold = {r[0]: tuple(r[1:5]) for r in _rows(compacted, f"SELECT * FROM {CONFIG.name('gold_table').sql}")}
        assert gold == expected_gold(expected_silver(list(model.rows.values())))
        bronze = _rows(plain, f"SELECT COUNT(*) FROM {BRONZE}")[0][0]
        assert _rows(compacted, f"SELECT COUNT(*) FROM {BRONZE}") == [(bronze - removed,)]
    finally:
        compacted.close()
        plain.close()


def test_silver_refreshes_incrementally_over_the_deletes_and_its_rows_stay(pipeline: Pipeline) -> None:
    """The deletes of a compaction are changes Silver's incremental refresh reads (it recomputes the bookings
    they touch); the recomputed rows are the ones it had, timestamps included, and Gold does not move."""
    session = pipeline.session
    assert isinstance(session, LocalSession)
    session.sql(_insert(booking("X1", "M9", 2, "10.00", "BOOKED"))).collect()
    session.sql(_insert(booking("X2", "M9", 1, "8.50", "BOOKED"))).collect()
    session.advance(minutes=3)
    session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
    session.sql(f"UPDATE {RAW} SET TICKET_COUNT = 2 WHERE BOOKING_ID = 'X2'").collect()
    session.advance(minutes=3)
    session.sql(f"UPDATE {RAW} SET TICKET_COUNT = 3 WHERE BOOKING_ID = 'X2'").collect()
    session.advance(minutes=3)
    before = _outputs(session)
    events = _rows(session, f"SELECT BOOKING_ID, CHANGE_TYPE, CHANGE_TIMESTAMP FROM {BRONZE}")
    assert len(events) == 8  # X1: insert, update pair; X2: insert, two update pairs

    # X1: its insert and the DELETE half of its update; X2: its insert, its first pair, its last DELETE half
    assert pipeline.compact(timedelta(minutes=1)) == 6
    kept = _rows(session, f"SELECT BOOKING_ID, CHANGE_TYPE, CHANGE_TIMESTAMP FROM {BRONZE}")
    assert [(k, t) for k, t, _ in kept] == [("X1", "INSERT"), ("X2", "INSERT")]

    silver = CONFIG.name("silver_table")
    session.sql(f"ALTER DYNAMIC TABLE {CONFIG.name('gold_table').sql} REFRESH").collect()
    history = _rows(
        session,
        "SELECT NAME, REFRESH_ACTION, STATE FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()) "
        f"WHERE NAME = '{silver.name}' ORDER BY REFRESH_START_TIME DESC LIMIT 1",
    )
    assert history == [(silver.name, "INCREMENTAL", "SUCCEEDED")]
    assert _outputs(session) == before
    assert before[2][0][1:5] == (2, 3, Decimal("25.50"), 1)  # M9: X1 cancelled, X2 3 x 8.50


def test_compact_keeps_what_is_younger_than_the_retention(pipeline: Pipeline) -> None:
    session = pipeline.session
    assert isinstance(session, LocalSession)
    session.sql(_insert(booking("X1", "M9", 2, "10.00", "BOOKED"))).collect()
    session.advance(minutes=2)
    session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
    session.advance(minutes=2)
    assert pipeline.compact(timedelta(hours=1)) == 0
    assert pipeline.compact(timedelta(minutes=10)) == 0
    session.advance(minutes=10)
    assert pipeline.compact(timedelta(minutes=10)) == 2  # the insert, and the DELETE half of the update
    assert pipeline.compact(timedelta(minutes=10)) == 0
    with pytest.raises(ValueError, match="whole number of seconds >= 0"):
        pipeline.compact(timedelta(seconds=-1))


def test_compact_plan_is_one_delete_the_user_can_schedule_on_snowflake() -> None:
    (statement,) = Pipeline(None, CONFIG).compact_plan(timedelta(hours=24))
    assert statement.summary == f"COMPACT {CONFIG.name('bronze_table')}"
    text = statement.sql
    assert text.startswith(f"DELETE FROM {BRONZE} USING")
    assert "IS NOT DISTINCT FROM" in text
    assert "DATEADD(SECOND, -86400, CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS TIMESTAMPNTZ))" in text


def test_cli_compact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db"
    assert main(["compact", "--db", str(db)]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not db.exists()
    with LocalSession(db, start=START) as session:
        Pipeline(session, CONFIG).deploy()
        session.sql(_insert(booking("X1", "M9", 2, "10.00", "BOOKED"))).collect()
        session.advance(minutes=2)
        session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
        session.advance(minutes=2)
    assert main(["compact", "--db", str(db), "--retention-hours", "0"]) == 0
    assert capsys.readouterr().out.startswith("removed 2 superseded events older than 0 hours from ")
