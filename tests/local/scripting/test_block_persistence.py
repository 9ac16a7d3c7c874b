"""A task whose body is a block is crash-safe: after a SIGKILL mid-block, exactly the block's committed work
is there. Each autocommitted statement commits with its own stream consume; an explicit transaction in the
block commits whole or not at all (https://docs.snowflake.com/en/sql-reference/transactions and
https://docs.snowflake.com/en/user-guide/streams-intro: a stream's offset moves when the consuming DML commits).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from moviecdc.local import LocalSession

CHILD = Path(__file__).with_name("block_crash_child.py")
SRC = Path(__file__).parents[3] / "src"


def _journal(path: Path) -> tuple[bool, set[int]]:
    if not path.exists():
        return False, set()
    lines = path.read_text(encoding="utf-8").splitlines()
    ids = {int(x) for line in lines if line.endswith(" ;") for x in line[:-2].split()}
    return "ready" in lines, ids


def _ids(session: LocalSession, table: str) -> Counter[int]:
    return Counter(r[0] for r in session.sql(f"SELECT ID FROM {table}").collect())


@pytest.mark.slow
def test_sigkill_mid_block_keeps_exactly_the_committed_statements(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    rng = random.Random(20261204)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    rounds = 4
    for round_ in range(rounds):
        journal = tmp_path / f"journal{round_}.txt"
        child = subprocess.Popen([sys.executable, str(CHILD), str(folder), str(journal), str(1_000_000 * (round_ + 1))],
                                 env=env)  # fmt: skip
        deadline = time.monotonic() + 90
        while not _journal(journal)[0]:
            assert child.poll() is None, "the child died before it was ready"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.3, 2.0))
        child.send_signal(signal.SIGKILL)
        child.wait()

    committed: set[int] = set()
    for round_ in range(rounds):
        committed |= _journal(tmp_path / f"journal{round_}.txt")[1]
    assert committed, "the child committed nothing before it was killed; the test proves nothing"
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        raw = _ids(s, "T")
        a, b, c, d = (_ids(s, t) for t in "ABCD")
        # nothing moved twice, the transaction's two statements together or not at all, and the autocommitted
        # statements in their order (A's commits before B's)
        assert all(n == 1 for table in (raw, a, b, c, d) for n in table.values())
        assert c == d
        assert set(b) <= set(a) <= set(raw)
        assert set(c) <= set(raw)
        # the next runs move exactly what is left
        s.sql("EXECUTE TASK KA").collect()
        s.sql("EXECUTE TASK KT").collect()
        after = [_ids(s, t) for t in "ABCD"]
    assert committed <= set(raw)
    assert all(table == raw for table in after)
