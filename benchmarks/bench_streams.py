"""Benchmarks of LocalSession's streams: cost per change, and bulk ingest against DuckDB's ceiling.

Run: PYTHONPATH=src python benchmarks/bench_streams.py [--big 10000000] [--small 100000]

1. Capture + consume of 1,000 changed rows (400 inserts, 400 updates, 200 deletes, then one
   INSERT … SELECT FROM stream) on a tracked table of SMALL rows and of BIG rows. The ratio of the two
   times shows whether cost follows the changes (≈1) or the table (≫1). Target: < 1.5.
2. write_pandas of N rows into a tracked table plus one consume, against the same rows written into a
   plain DuckDB table through Arrow (the ceiling). Target: ≥ half the ceiling's rows/s. Printed beside them,
   the floor of any stream implementation: the ceiling's write plus the consume's own write, the same rows
   copied into a sink with the stream's columns (action, isupdate, and a ROW_ID string made the way
   LocalSession makes it), in plain DuckDB with no change log at all.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from moviecdc.local import LocalSession
from moviecdc.local.core.catalog import TrackedTable
from moviecdc.local.core.names import ObjectName
from moviecdc.local.streams.delta import row_id_sql

TRACKED = TrackedTable(1, ObjectName("B", "P", "T"), ("ID", "VAL", "AMOUNT"))  # the name only shapes ROW_ID
CONSUME = 'INSERT INTO SINK SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM S'


def frame(first: int, n: int) -> pd.DataFrame:
    ids = np.arange(first, first + n, dtype=np.int64)
    return pd.DataFrame({"ID": ids, "VAL": ids.astype(str), "AMOUNT": (ids % 1000).astype(np.float64)})


def tracked_session(rows: int, folder: str) -> LocalSession:
    session = LocalSession(folder, database="B", schema="P")
    session.sql("CREATE TABLE T (ID BIGINT, VAL VARCHAR, AMOUNT DOUBLE)").collect()
    chunk = 1_000_000
    for first in range(0, rows, chunk):
        session.write_pandas(frame(first, min(chunk, rows - first)), "T")
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("CREATE TABLE SINK (ID BIGINT, VAL VARCHAR, A VARCHAR, U BOOLEAN, R VARCHAR)").collect()
    return session


def one_round(session: LocalSession, rows: int, k: int) -> float:
    base = rows + k * 10_000
    lo = (k * 7_919) % (rows - 1_000)
    start = time.perf_counter()
    session.write_pandas(frame(base, 400), "T")
    session.sql(f"UPDATE T SET AMOUNT = AMOUNT + 1 WHERE ID >= {lo} AND ID < {lo + 400}").collect()
    session.sql(f"DELETE FROM T WHERE ID >= {lo + 400} AND ID < {lo + 600}").collect()
    session.sql(CONSUME).collect()
    elapsed = time.perf_counter() - start
    changed = session.sql("SELECT COUNT(*) AS N FROM SINK").collect()[0]["N"]
    assert changed == 400 + 800 + 200, changed  # inserts + update pairs + deletes
    session.sql("DELETE FROM SINK").collect()
    return elapsed


def bench_capture(small: int, big: int, repeats: int) -> None:
    times = {}
    for rows in (small, big):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            session = tracked_session(rows, folder)
            setup = time.perf_counter() - t0
            one_round(session, rows, 0)  # warm-up
            samples = [one_round(session, rows, k) for k in range(1, repeats + 1)]
            session.close()
        times[rows] = statistics.median(samples)
        print(f"  table {rows:>12,} rows: setup {setup:6.1f} s, capture+consume of 1,000 changes: "
              f"median {times[rows] * 1000:7.1f} ms over {repeats} runs (min {min(samples) * 1000:.1f} ms)")
    print(f"  ratio big/small: {times[big] / times[small]:.2f}  (target < 1.5)")


def bench_ingest(n: int, repeats: int) -> None:
    df = frame(0, n)
    ceiling, floor, ours = [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            con = duckdb.connect(f"{folder}/plain.db")
            con.execute("SET enable_progress_bar = false")
            con.execute("CREATE TABLE T (ID BIGINT, VAL VARCHAR, AMOUNT DOUBLE)")
            start = time.perf_counter()
            con.register("df_arrow", pa.Table.from_pandas(df, preserve_index=False))
            con.execute("INSERT INTO T SELECT * FROM df_arrow")
            ceiling.append(time.perf_counter() - start)
            con.execute("CREATE TABLE SINK (ID BIGINT, VAL VARCHAR, A VARCHAR, U BOOLEAN, R VARCHAR)")
            start = time.perf_counter()
            con.execute(f"INSERT INTO SINK SELECT ID, VAL, 'INSERT', FALSE, {row_id_sql(TRACKED, 'rowid')} FROM T")
            floor.append(ceiling[-1] + time.perf_counter() - start)
            con.close()
        with tempfile.TemporaryDirectory() as folder:
            session = tracked_session(0, folder)
            start = time.perf_counter()
            session.write_pandas(df, "T")
            session.sql(CONSUME).collect()
            ours.append(time.perf_counter() - start)
            assert session.sql("SELECT COUNT(*) AS N FROM SINK").collect()[0]["N"] == n
            session.close()
    c, f, o = (n / statistics.median(times) for times in (ceiling, floor, ours))
    print(f"  plain DuckDB table (ceiling):              {c:>12,.0f} rows/s")
    print(f"  floor: ceiling + the consume's own write:  {f:>12,.0f} rows/s  ({f / c:.2f} of the ceiling)")
    print(f"  write_pandas into tracked table + consume: {o:>12,.0f} rows/s")
    print(f"  ratio: {o / c:.2f} of the ceiling  (target >= 0.5); {o / f:.2f} of the floor")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--ingest", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("1. capture + consume of 1,000 changed rows")
    bench_capture(args.small, args.big, args.repeats)
    print(f"2. bulk ingest of {args.ingest:,} rows")
    bench_ingest(args.ingest, 3)


if __name__ == "__main__":
    main()
