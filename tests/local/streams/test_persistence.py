"""With a path, state survives a restart, and a SIGKILL at any instant loses or repeats nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from snowflake.snowpark import Row
from stream_helpers import delta

from moviecdc.local import LocalSession

CHILD = Path(__file__).with_name("crash_child.py")
SRC = Path(__file__).parents[2] / "src"


def test_restart_keeps_tables_streams_and_offsets(tmp_path: Path) -> None:
    folder = tmp_path / "moviecdc.duckdb"
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        s.sql("CREATE STREAM S ON TABLE T").collect()
        s.sql("CREATE TABLE SINK (ID INT, VAL VARCHAR, ACTION VARCHAR, ISUPDATE BOOLEAN, RID VARCHAR)").collect()
        s.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b')").collect()
        s.sql(
            'INSERT INTO SINK SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM S'
        ).collect()
        s.sql("UPDATE T SET VAL = 'c' WHERE ID = 2").collect()
    assert sorted(p.name for p in folder.glob("*.db")) == ["MOVIES.db"]
    with LocalSession(folder) as s:
        s.sql("USE SCHEMA MOVIES.PUBLIC").collect()
        assert delta(s) == [(2, "b", "DELETE", True), (2, "c", "INSERT", True)]
        assert [r["name"] for r in s.sql("SHOW STREAMS IN ACCOUNT").collect()] == ["S"]
        assert s.sql("SELECT ID, VAL FROM T ORDER BY ID").collect() == [Row(ID=1, VAL="a"), Row(ID=2, VAL="c")]


def _journal(path: Path) -> tuple[bool, set[int]]:
    if not path.exists():
        return False, set()
    lines = path.read_text(encoding="utf-8").splitlines()
    ready = "ready" in lines
    # A line is complete only with its terminator; SIGKILL can cut the last one short.
    ids = {int(x) for line in lines if line.endswith(" ;") for x in line[:-2].split()}
    return ready, ids


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_repeats_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    rng = random.Random(20240501)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for round_ in range(4):
        journal = tmp_path / f"journal{round_}.txt"
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(folder), str(journal), str(1_000_000 * (round_ + 1))], env=env
        )
        deadline = time.monotonic() + 60
        while not _journal(journal)[0]:
            assert child.poll() is None, "the child died before it was ready"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.05, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()

    committed: set[int] = set()
    for round_ in range(4):
        committed |= _journal(tmp_path / f"journal{round_}.txt")[1]
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        s.sql('INSERT INTO BRONZE SELECT ID, "METADATA$ACTION", "METADATA$ROW_ID" FROM S').collect()
        raw = [r[0] for r in s.sql("SELECT ID FROM T").collect()]
        bronze = [r[0] for r in s.sql("SELECT ID FROM BRONZE").collect()]
        actions = {r[0] for r in s.sql("SELECT DISTINCT ACTION FROM BRONZE").collect()}
        rids = s.sql("SELECT COUNT(DISTINCT RID) AS N, COUNT(*) AS M FROM BRONZE").collect()
    assert committed, "the child committed nothing before it was killed; the test proves nothing"
    assert len(raw) == len(set(raw))
    assert committed <= set(raw), "a committed insert was lost"
    assert sorted(bronze) == sorted(raw), "bronze must hold every committed change exactly once"
    assert actions == {"INSERT"}
    assert rids[0]["N"] == rids[0]["M"]
