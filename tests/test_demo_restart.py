"""``moviecdc demo --db D`` started, stopped with Ctrl-C (SIGINT) and started again, three times on one folder.

Each time: the dashboard's health endpoint answers, the demo exits cleanly on SIGINT, and Gold, drained in
another process, equals Gold computed in plain Python from the raw table (``tests/cdc_model.py``); the bookings
carry on from one run to the next. Small and fast: the clock at 600x, 60 bookings per simulated minute.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdc_model import expected_gold, expected_silver
from moviecdc import LocalSession, Pipeline

ROOT = Path(__file__).resolve().parents[1]
RAW = "MOVIES.PUBLIC.RAW_MOVIES_BOOKING"
GOLD = "MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS"
RAW_COLUMNS = "BOOKING_ID, CUSTOMER_ID, MOVIE_ID, BOOKING_DATE, STATUS, TICKET_COUNT, TICKET_PRICE"
FEED_SECONDS = 3.0  # real seconds of feeding per run (30 simulated minutes at 600x)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str, demo: subprocess.Popen[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            pytest.fail(f"moviecdc demo exited with {demo.returncode}:\n{demo.communicate()[0]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    demo.kill()
    pytest.fail(f"the dashboard did not answer {url}/_stcore/health within {timeout:.0f}s:\n{demo.communicate()[0]}")


def _gold_and_oracle(folder: Path) -> tuple[int, dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """Drain the pipeline (ingest now, refresh Gold) in this process, then Gold and the oracle's Gold."""
    with LocalSession(folder) as session:
        Pipeline(session).refresh(poll_interval=0)
        raw = [tuple(r) for r in session.sql(f"SELECT {RAW_COLUMNS} FROM {RAW}").collect()]
        gold = {
            r["MOVIE_ID"]: (r["TOTAL_BOOKINGS"], r["TOTAL_TICKETS_SOLD"], r["TOTAL_REVENUE"], r["TOTAL_CANCELLATIONS"])
            for r in session.sql(f"SELECT * FROM {GOLD}").collect()
        }
    return len(raw), gold, dict(expected_gold(expected_silver(raw)))


@pytest.mark.slow  # three Streamlit servers start: about 30 s each on this machine
def test_demo_stopped_with_ctrl_c_and_started_again_three_times_on_one_folder(tmp_path: Path) -> None:
    folder = tmp_path / "demo-db"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    rows_before = 0
    for run in range(3):
        port = _free_port()
        command = [sys.executable, "-m", "moviecdc", "demo", "--db", str(folder), "--no-browser", "--port", str(port)]
        command += ["--speed", "600", "--rate", "60", "--seed", str(run)]
        demo = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            _healthy(f"http://127.0.0.1:{port}", demo)
            time.sleep(FEED_SECONDS)
            demo.send_signal(signal.SIGINT)
            output, _ = demo.communicate(timeout=60)
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.communicate()
        assert demo.returncode == 0, f"run {run + 1}: the demo exited with {demo.returncode}:\n{output}"
        assert "Error" not in output, output
        assert "Traceback" not in output, output
        rows, gold, oracle = _gold_and_oracle(folder)
        assert rows > rows_before, f"run {run + 1} wrote no new bookings"
        assert gold == oracle, f"run {run + 1}: Gold differs from the oracle"
        assert all(isinstance(v[2], Decimal) for v in gold.values())
        rows_before = rows
