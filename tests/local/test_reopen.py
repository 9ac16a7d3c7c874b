"""A persisted folder reopens in any process, with or without ``database=``, and the pipeline carries on.

Each step runs in its own process, as a user runs them (issue 12, point 1): the CLI's ``deploy``, ``simulate``,
``refresh`` and ``status`` on one ``--db``, and ``LocalSession(path)`` without ``database=`` twice in two
processes with the pipeline ingesting after the reopen. Gold is checked against an independent computation
from the raw table's final state (``tests/cdc_model.py``). Before the fix, the ingest task failed after a
reopen with "Scalar Function with name _fs_to_timestamp does not exist": fakesnow's macros lived in one
database only, and the task ran in the caller's (missing) database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from cdc_model import expected_gold, expected_silver
from moviecdc.local import LocalSession

ROOT = Path(__file__).resolve().parents[2]
RAW = "MOVIES.PUBLIC.RAW_MOVIES_BOOKING"
GOLD = "MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS"
RAW_COLUMNS = "BOOKING_ID, CUSTOMER_ID, MOVIE_ID, BOOKING_DATE, STATUS, TICKET_COUNT, TICKET_PRICE"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "moviecdc", *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"moviecdc {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300, check=False
    )
    assert result.returncode == 0, f"child process failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


Gold = dict[str, tuple[int, int, Decimal, int]]


def gold_and_oracle(folder: Path) -> tuple[Gold, Gold]:
    """Gold as the engine holds it, and Gold computed in plain Python from the raw table (reopened without
    database=, in this process)."""
    with LocalSession(folder) as session:
        assert session.get_current_database() is None
        raw = [tuple(r) for r in session.sql(f"SELECT {RAW_COLUMNS} FROM {RAW}").collect()]
        gold = {
            r["MOVIE_ID"]: (r["TOTAL_BOOKINGS"], r["TOTAL_TICKETS_SOLD"], r["TOTAL_REVENUE"], r["TOTAL_CANCELLATIONS"])
            for r in session.sql(f"SELECT * FROM {GOLD}").collect()
        }
    assert raw, "the simulator wrote no rows"
    return gold, expected_gold(expected_silver(raw))


def test_cli_steps_in_separate_processes_reopen_the_folder_and_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    cli("deploy", "--db", str(folder))
    cli("simulate", "--db", str(folder), "--events", "150", "--seed", "11")
    refresh = cli("refresh", "--db", str(folder))
    assert "failed" not in refresh.stdout + refresh.stderr
    status = cli("status", "--db", str(folder))
    assert "pipeline: healthy" in status.stdout
    gold, oracle = gold_and_oracle(folder)
    assert gold == oracle
    # and again, on the same folder: new changes flow through a second reopen
    cli("simulate", "--db", str(folder), "--events", "80", "--seed", "12")
    cli("refresh", "--db", str(folder))
    assert "pipeline: healthy" in cli("status", "--db", str(folder)).stdout
    gold, oracle = gold_and_oracle(folder)
    assert gold == oracle


FIRST_RUN = """
import sys
from datetime import datetime
from moviecdc import LocalSession, Pipeline
with LocalSession(path=sys.argv[1], start=datetime(2026, 1, 1, 9, 0)) as session:
    Pipeline(session).deploy()
    session.sql("INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
                "('B1', 'C1', 'M1', '2026-01-01 08:00', 'BOOKED', 2, 10.00), "
                "('B2', 'C2', 'M1', '2026-01-01 08:05', 'BOOKED', 1, 8.50)").collect()
    session.advance(minutes=3)
"""

SECOND_RUN = """
import json, sys
from moviecdc import LocalSession
with LocalSession(path=sys.argv[1]) as session:
    assert session.get_current_database() is None
    session.sql("UPDATE MOVIES.PUBLIC.RAW_MOVIES_BOOKING SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'B1'").collect()
    session.sql("INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
                "('B3', 'C3', 'M2', CAST('2026-01-01 10:00' AS TIMESTAMP_NTZ), 'BOOKED', 3, 12.00)").collect()
    session.advance(minutes=3)
    failed = session.sql("SELECT NAME, ERROR_MESSAGE FROM TABLE(MOVIES.INFORMATION_SCHEMA.TASK_HISTORY()) "
                         "WHERE STATE NOT IN ('SUCCEEDED', 'SKIPPED', 'SCHEDULED')").collect()
    print(json.dumps([list(r) for r in failed]))
"""


def test_local_session_without_database_reopened_in_two_processes_keeps_ingesting(tmp_path: Path) -> None:
    """The README's ``LocalSession(path=...)`` with the pipeline, run twice: the second process's changes reach
    Gold (the worked example of MISSION.md: B1 cancelled, B2 and B3 booked)."""
    folder = tmp_path / "moviecdc-data"
    python(FIRST_RUN.replace("sys.argv[1]", repr(str(folder))))
    failures = json.loads(python(SECOND_RUN.replace("sys.argv[1]", repr(str(folder)))))
    assert failures == []
    gold, oracle = gold_and_oracle(folder)
    assert (
        gold
        == oracle
        == {
            "M1": (2, 1, Decimal("8.50"), 1),
            "M2": (1, 3, Decimal("36.00"), 0),
        }
    )
    assert all(isinstance(v[2], Decimal) for v in gold.values())


@pytest.mark.parametrize("reopen", ["LocalSession(path)", "LocalSession(path, database='OTHER')"])
def test_fakesnow_functions_work_in_every_context_after_reopen(tmp_path: Path, reopen: str) -> None:
    """CAST to TIMESTAMP_NTZ, TO_TIMESTAMP and FLATTEN run on fakesnow's macros: with no current database, in a
    database created later, and in a re-attached one."""
    folder = tmp_path / "f"
    LocalSession(folder, database="MOVIES").close()
    code = f"""
from moviecdc import LocalSession
path = {str(folder)!r}
with {reopen} as s:
    out = []
    for _ in range(2):
        out.append(s.sql("SELECT CAST('2026-01-01 10:00' AS TIMESTAMP_NTZ) AS T, TO_TIMESTAMP(0) AS Z").collect()[0])
        out.append(s.sql("SELECT COUNT(*) AS N FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[1, 2]')))").collect()[0])
        s.sql("CREATE DATABASE IF NOT EXISTS LATER").collect()
    s.sql("USE DATABASE MOVIES").collect()
    out.append(s.sql("SELECT CAST('2026-01-01 10:00' AS TIMESTAMP_NTZ) AS T").collect()[0])
    print(repr(out))
"""
    assert python(code).strip() == (
        "[Row(T=datetime.datetime(2026, 1, 1, 10, 0), Z=datetime.datetime(1970, 1, 1, 0, 0)), Row(N=2), "
        "Row(T=datetime.datetime(2026, 1, 1, 10, 0), Z=datetime.datetime(1970, 1, 1, 0, 0)), Row(N=2), "
        "Row(T=datetime.datetime(2026, 1, 1, 10, 0))]"
    )
