"""Statement overhead of the embedded engine, side by side with plain fakesnow and plain DuckDB (issue 13).

    PYTHONPATH=src python benchmarks/bench_statements.py [--statements 600] [--bulk 5000 20000] [--profile N]

Everything runs in one process, one after another, on the same statements:

1. ``--statements`` single-row INSERTs, then as many point SELECTs (``WHERE ID = n``), on a table
   ``T (ID INT, NAME VARCHAR, AMOUNT NUMBER(10,2), DAY DATE)``: on ``LocalSession`` with a stream on ``T`` (so
   every INSERT is captured for it), on plain fakesnow (``FakeSnow().connect()``: its cursor's ``execute``) and
   on plain DuckDB (the same text, ``NUMBER`` spelt ``DECIMAL``); milliseconds per statement and the ratios.
   Then the bound under a captured INSERT: plain DuckDB running change capture's own statements for it.
2. One ``INSERT … VALUES`` of each ``--bulk`` size of literal rows into the same three tables: seconds, ratios,
   and LocalSession's growth from the first size to the last (linear: 4x the rows in at most 4x the time).
3. The pipeline test: ``Pipeline(session).deploy()``, 20 single-row INSERTs into the raw table, 1 UPDATE,
   1 DELETE, ``advance(seconds=180)``, one query of Gold: wall time, the same time in plain-fakesnow statements
   (its ms per INSERT from 1.), the statements fakesnow translated (its cursor's ``_transform``) and to DuckDB
   (every ``execute``/``sql``/``query`` on the engine's connection, fakesnow's own included), and Gold's rows.

``--profile N`` prints the top N entries (cumulative time) of a cProfile of LocalSession's single-row INSERTs
and point SELECTs instead of the comparison.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import duckdb
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow.instance import FakeSnow

from moviecdc import LocalSession, Pipeline, PipelineConfig

START = datetime(2026, 1, 1)
TABLE = "CREATE TABLE T (ID INT, NAME VARCHAR, AMOUNT NUMBER(10,2), DAY DATE)"


def insert(i: int) -> str:
    return f"INSERT INTO T VALUES ({i}, 'name {i}', {i % 1000}.{i % 100:02d}, '2026-01-{1 + i % 28:02d}')"


def point_select(i: int) -> str:
    return f"SELECT NAME, AMOUNT FROM T WHERE ID = {i}"


def values(rows: int, first: int) -> str:
    items = (
        f"({i}, 'bulk {i}', {i % 1000}.{i % 100:02d}, '2026-02-{1 + i % 28:02d}')" for i in range(first, first + rows)
    )
    return "INSERT INTO T VALUES " + ", ".join(items)


class Engine:
    """One of the three engines under test: a name and a function that runs one Snowflake statement."""

    def __init__(self, name: str, run: Callable[[str], Any], close: Callable[[], None]) -> None:
        self.name, self.run, self.close = name, run, close


def local_engine() -> Engine:
    session = LocalSession(database="BENCH", schema="PUBLIC", start=START)
    session.sql(TABLE).collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    return Engine("LocalSession", lambda sql: session.sql(sql).collect(), session.close)


def fakesnow_engine() -> Engine:
    conn = FakeSnow().connect("BENCH", "PUBLIC")
    cursor = conn.cursor()
    cursor.execute(TABLE)

    def run(sql: str) -> Any:
        return cursor.execute(sql).fetchall()

    return Engine("plain fakesnow", run, conn.close)


def duckdb_engine() -> Engine:
    con = duckdb.connect()
    con.execute(TABLE.replace("NUMBER", "DECIMAL"))
    return Engine("plain DuckDB", lambda sql: con.execute(sql).fetchall(), con.close)


def capture_floor(statements: int) -> float:
    """ms per single-row INSERT for plain DuckDB doing what change capture must do for one (no Python engine
    around it): BEGIN, tick the change clock, INSERT … RETURNING the row into Arrow, append it to a change log
    from the Arrow table, COMMIT. The bound under LocalSession's single-row INSERT on a table with a stream."""
    con = duckdb.connect()
    con.execute("CREATE TABLE STATE (SEQ BIGINT)")
    con.execute("INSERT INTO STATE VALUES (0)")
    con.execute("CREATE SEQUENCE RID")
    columns = "ID INT, NAME VARCHAR, AMOUNT DECIMAL(10,2), DAY DATE"
    con.execute(f"CREATE TABLE T (ROW_ID BIGINT DEFAULT nextval('RID'), {columns})")
    con.execute(f"CREATE TABLE LOG (SEQ BIGINT, ROW_ID BIGINT, ACTION INT, {columns})")
    started = time.perf_counter()
    for i in range(statements):
        con.begin()
        seq = con.execute("UPDATE STATE SET SEQ = SEQ + 1 RETURNING SEQ").fetchall()[0][0]
        text = insert(i).replace("INSERT INTO T VALUES", "INSERT INTO T (ID, NAME, AMOUNT, DAY) VALUES")
        rows = con.execute(text + " RETURNING ROW_ID, ID, NAME, AMOUNT, DAY").to_arrow_table()
        con.register("_rows", rows)
        con.execute(f"INSERT INTO LOG SELECT {int(seq)}, ROW_ID, 1, ID, NAME, AMOUNT, DAY FROM _rows")
        con.unregister("_rows")
        con.commit()
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed * 1000 / statements


def per_statement(engine: Engine, texts: list[str]) -> float:
    """Milliseconds per statement, over all of ``texts``."""
    started = time.perf_counter()
    for text in texts:
        engine.run(text)
    return (time.perf_counter() - started) * 1000 / len(texts)


def seconds(engine: Engine, text: str) -> float:
    started = time.perf_counter()
    engine.run(text)
    return time.perf_counter() - started


class CountingConnection:
    """A DuckDB connection that counts the statements it is given, and hands everything else on."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.count = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        self._con.execute(*args, **kwargs)
        return self

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self._con.sql(*args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self._con.query(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@contextmanager
def counting_fakesnow() -> Iterator[list[int]]:
    """Count every statement fakesnow translates while the block runs (its cursor's ``_transform``: what both
    its ``execute`` and the engine's cached translation call)."""
    count = [0]
    original = FakeSnowflakeCursor._transform

    def transform(self: FakeSnowflakeCursor, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    FakeSnowflakeCursor._transform = transform  # type: ignore[method-assign]
    try:
        yield count
    finally:
        FakeSnowflakeCursor._transform = original  # type: ignore[method-assign]


def raw_insert(i: int) -> str:
    return (
        "INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
        f"('B{i}', 'C{i % 7}', 'M{i % 3}', '2026-01-01 00:00:{i:02d}', 'BOOKED', {1 + i % 4}, {8 + i % 5}.50)"
    )


def pipeline_test() -> dict[str, Any]:
    """Deploy, 20 INSERTs, 1 UPDATE, 1 DELETE, advance(180), query Gold: wall time and statements sent."""
    gold = PipelineConfig().name("gold_table").sql
    with counting_fakesnow() as fakesnow_count:
        started = time.perf_counter()
        session = LocalSession(start=START)
        engine = session._engine
        counter = CountingConnection(engine.con)
        engine.con = counter  # type: ignore[assignment]
        engine.conn._duck_conn = counter
        Pipeline(session).deploy()
        deployed = (fakesnow_count[0], counter.count, time.perf_counter() - started)
        for i in range(20):
            session.sql(raw_insert(i)).collect()
        session.sql(
            "UPDATE MOVIES.PUBLIC.RAW_MOVIES_BOOKING SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'B3'"
        ).collect()
        session.sql("DELETE FROM MOVIES.PUBLIC.RAW_MOVIES_BOOKING WHERE BOOKING_ID = 'B4'").collect()
        dml = (fakesnow_count[0], counter.count, time.perf_counter() - started)
        session.advance(seconds=180)
        advanced = (fakesnow_count[0], counter.count, time.perf_counter() - started)
        rows = session.sql(f"SELECT * FROM {gold} ORDER BY MOVIE_ID").collect()
        wall = time.perf_counter() - started
        total = (fakesnow_count[0], counter.count)
        session.close()
    return {
        "wall": wall,
        "fakesnow": total[0],
        "duckdb": total[1],
        "phases": {
            "open + deploy": deployed,
            "22 DML": (dml[0] - deployed[0], dml[1] - deployed[1], dml[2] - deployed[2]),
            "advance(180)": (advanced[0] - dml[0], advanced[1] - dml[1], advanced[2] - dml[2]),
            "query Gold": (total[0] - advanced[0], total[1] - advanced[1], wall - advanced[2]),
        },
        "gold_rows": len(rows),
    }


def compare(statements: int, bulk: list[int]) -> None:
    engines = [local_engine(), fakesnow_engine(), duckdb_engine()]
    ids = list(range(statements))
    probes = ids[:]
    random.Random(1).shuffle(probes)
    timings: dict[str, dict[str, float]] = {}
    for engine in engines:
        engine.run(insert(-1))  # warm-up: first-statement costs (imports, catalog loads) are not per statement
        engine.run(point_select(-1))
        timings[engine.name] = {
            "single-row INSERT (ms)": per_statement(engine, [insert(i) for i in ids]),
            "point SELECT (ms)": per_statement(engine, [point_select(i) for i in probes]),
        }
    first = 1_000_000
    for rows in bulk:
        texts = values(rows, first)
        for engine in engines:
            timings[engine.name][f"INSERT … VALUES of {rows:,} rows (s)"] = seconds(engine, texts)
        first += rows
    for engine in engines:
        engine.close()

    local, fake, duck = (timings[e.name] for e in engines)
    header = ("LocalSession", "plain fakesnow", "plain DuckDB", "/ fakesnow", "/ DuckDB")
    print(f"{'work':<36} {header[0]:>13} {header[1]:>15} {header[2]:>13} {header[3]:>11} {header[4]:>9}")
    for work in local:
        print(
            f"{work:<36} {local[work]:>13.3f} {fake[work]:>15.3f} {duck[work]:>13.3f}"
            f" {local[work] / fake[work]:>10.2f}x {local[work] / duck[work]:>8.2f}x"
        )
    floor = capture_floor(statements)
    work = "single-row INSERT (ms)"
    print(
        f"bound: plain DuckDB doing change capture's statements for one INSERT: {floor:.3f} ms; LocalSession's"
        f" INSERT is {local[work] / floor:.2f}x it, plain fakesnow's {fake[work] / floor:.2f}x it"
    )
    if len(bulk) > 1:
        small, big = bulk[0], bulk[-1]
        growth = local[f"INSERT … VALUES of {big:,} rows (s)"] / local[f"INSERT … VALUES of {small:,} rows (s)"]
        print(f"LocalSession VALUES growth {small:,} -> {big:,} rows: {growth:.2f}x the time")

    statement_ms = fake["single-row INSERT (ms)"]
    result = pipeline_test()
    print()
    work = "deploy, 20 INSERTs, 1 UPDATE, 1 DELETE, advance(180), query Gold"
    print(f"pipeline test ({work}; {result['gold_rows']} Gold rows):")
    print(
        f"  wall {result['wall']:.3f} s = {result['wall'] * 1000 / statement_ms:.0f} plain fakesnow statements"
        f" ({statement_ms:.3f} ms each); {result['fakesnow']} statements translated by fakesnow,"
        f" {result['duckdb']} sent to DuckDB (fakesnow's own included)"
    )
    for phase, (fs, dd, wall) in result["phases"].items():
        print(f"  {phase:<14} {wall:>7.3f} s  {fs:>4} translated by fakesnow  {dd:>5} sent to DuckDB")


def profile(top: int, statements: int) -> None:
    engine = local_engine()
    engine.run(insert(-1))
    engine.run(point_select(-1))
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(statements):
        engine.run(insert(i))
    for i in range(statements):
        engine.run(point_select(i))
    profiler.disable()
    engine.close()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=600)
    parser.add_argument("--bulk", type=int, nargs="*", default=[5000, 20000])
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
    if args.profile:
        profile(args.profile, args.statements)
    else:
        compare(args.statements, args.bulk)


if __name__ == "__main__":
    main()
