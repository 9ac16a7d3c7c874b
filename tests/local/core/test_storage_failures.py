"""When the storage under a LocalSession fails: a full disk, a folder deleted or moved away while open.

Neither is a Snowflake behaviour (Snowflake's storage is not the user's disk); what the engine promises is
its own contract: the error says what happened, and nothing committed is lost (docs/local_engine.md,
"Atomicity and crashes").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

START = datetime(2026, 1, 1)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs, mounted for this test only (needs root; skipped otherwise)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill the disk needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)]
    done = subprocess.run(command, check=False, capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """Write a file that leaves about ``leave`` bytes free on ``disk``."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as out:
        out.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(free - leave, 0)
        while remaining > 0:
            out.write(chunk[: min(len(chunk), remaining)])
            remaining -= len(chunk)
    return filler


def _rows(session: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in session.sql(sql).collect()]


def test_a_full_disk_is_reported_as_itself_and_loses_nothing_committed(small_disk: Path) -> None:
    """The failed COMMIT's own error (no space left), not DuckDB's "cannot rollback - no transaction is active"
    from the rollback after it; the committed rows, the stream's pending changes and the offset stay."""
    folder = small_disk / "db"
    session = LocalSession(folder, database="D", schema="PUBLIC", start=START)
    session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("CREATE TABLE SINK (ID INT)").collect()
    session.sql("INSERT INTO T VALUES (1, 'a'), (2, 'b')").collect()
    session.sql("INSERT INTO SINK SELECT ID FROM S").collect()
    session.sql("INSERT INTO T VALUES (3, 'c')").collect()
    filler = _fill(small_disk, leave=256 * 1024)

    with pytest.raises(LocalEngineError) as failure:
        session.sql("INSERT INTO T SELECT range + 10, repeat('x', 300) || range FROM range(50000)").collect()
    message = str(failure.value)
    assert "No space left on device" in message
    assert "The disk is full" in message
    assert "no transaction is active" not in message

    assert _rows(session, "SELECT ID, VAL FROM T ORDER BY ID") == [(1, "a"), (2, "b"), (3, "c")]
    assert _rows(session, "SELECT ID FROM S") == [(3,)]
    filler.unlink()
    session.sql("INSERT INTO SINK SELECT ID FROM S").collect()  # space again: writes go on
    session.close()

    with LocalSession(folder, start=START) as reopened:
        assert _rows(reopened, "SELECT ID, VAL FROM D.PUBLIC.T ORDER BY ID") == [(1, "a"), (2, "b"), (3, "c")]
        assert _rows(reopened, "SELECT ID FROM D.PUBLIC.SINK ORDER BY ID") == [(1,), (2,), (3,)]
        assert _rows(reopened, "SELECT ID FROM D.PUBLIC.S") == []


def test_a_full_disk_during_a_task_run_is_recorded_as_itself(small_disk: Path) -> None:
    """A scheduled run that cannot commit fails with the disk's error in TASK_HISTORY; its rows stay pending."""
    folder = small_disk / "db"
    with LocalSession(folder, database="D", schema="PUBLIC", start=START) as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()
        session.sql("CREATE TABLE SINK (ID INT, VAL VARCHAR)").collect()
        session.sql(
            "CREATE TASK K SCHEDULE = '1 MINUTE' AS INSERT INTO SINK SELECT ID, repeat(VAL, 3) || ID FROM S"
        ).collect()
        session.sql("ALTER TASK K RESUME").collect()
        session.sql("INSERT INTO T SELECT range, repeat('v', 100) FROM range(20000)").collect()
        filler = _fill(small_disk, leave=256 * 1024)
        session.advance(minutes=1)
        history = _rows(
            session,
            "SELECT STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
            "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) WHERE STATE <> 'SCHEDULED'",
        )
        assert len(history) == 1
        state, error = history[0]
        assert state == "FAILED"
        assert "No space left on device" in str(error)
        assert "no transaction is active" not in str(error)
        filler.unlink()
        assert _rows(session, "SELECT COUNT(*) FROM SINK") == [(0,)]
        assert _rows(session, "SELECT COUNT(*) FROM S") == [(20000,)]


@pytest.mark.parametrize("how", ["deleted", "renamed"])
def test_a_folder_gone_while_open_is_an_error_on_the_next_write(tmp_path: Path, how: str) -> None:
    """DuckDB would go on writing to its unlinked (or renamed) file and everything would be lost at close:
    the next statement says so instead, and close() still works."""
    folder = tmp_path / "db"
    session = LocalSession(folder, database="D", schema="PUBLIC", start=START)
    session.sql("CREATE TABLE T (ID INT)").collect()
    session.sql("INSERT INTO T VALUES (1)").collect()
    moved = tmp_path / f"moved-{uuid.uuid4().hex[:6]}"
    if how == "deleted":
        shutil.rmtree(folder)
    else:
        folder.rename(moved)

    with pytest.raises(LocalEngineError, match=r"was deleted or moved away while the session was open"):
        session.sql("INSERT INTO T VALUES (2)").collect()
    with pytest.raises(LocalEngineError, match=r"was deleted or moved away"):
        session.write_pandas(pd.DataFrame({"ID": [3]}), "T")
    with pytest.raises(LocalEngineError, match=r"was deleted or moved away"):
        session.advance(minutes=1)
    session.close()
    assert not folder.exists()  # nothing recreated it behind the user's back

    if how == "renamed":
        with LocalSession(moved, start=START) as reopened:
            assert _rows(reopened, "SELECT ID FROM D.PUBLIC.T") == [(1,)]


def test_a_folder_put_back_in_place_by_someone_else_is_still_refused(tmp_path: Path) -> None:
    """A new, empty folder at the same path is not the session's folder: its files are not the open ones."""
    folder = tmp_path / "db"
    session = LocalSession(folder, database="D", schema="PUBLIC", start=START)
    session.sql("CREATE TABLE T (ID INT)").collect()
    shutil.rmtree(folder)
    folder.mkdir()
    with pytest.raises(LocalEngineError, match=r"was deleted or moved away"):
        session.sql("INSERT INTO T VALUES (2)").collect()
    session.close()


def test_the_temporary_stage_folder_fakesnow_makes_is_removed_when_the_process_exits(tmp_path: Path) -> None:
    """fakesnow makes ``fakesnow_bucket_*`` in the temp directory at import and never removes it; every process
    that used LocalSession left one behind (344 after an afternoon). Now none is left."""
    script = (
        "import fakesnow.transforms.stage as s\n"
        "from moviecdc import LocalSession\n"
        "with LocalSession(database='D', schema='PUBLIC') as session:\n"
        "    session.sql('CREATE STAGE ST').collect()\n"
        "print(s.LOCAL_BUCKET_PATH)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    bucket = Path(done.stdout.strip())
    assert bucket.name.startswith("fakesnow_bucket_")
    assert not bucket.exists()
