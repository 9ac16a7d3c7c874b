"""Idle time: ``advance(hours=24)`` on a deployed pipeline that receives no data (issue 13). Not a test.

    PYTHONPATH=src python benchmarks/bench_idle.py [--hours 24] [--repeats 3]

Deploys the default pipeline on a fresh in-memory ``LocalSession``, writes nothing, then times
``session.advance(hours=…)`` and counts the DuckDB statements it sends. Every statement the engine runs,
its own and fakesnow's, goes through one DuckDB connection (``engine.con`` is fakesnow's ``_duck_conn``),
so a wrapper around that connection counts them all: ``execute`` and ``executemany`` calls and ``sql``
relations, BEGIN/COMMIT included. "Plain fakesnow statements" in the issue's target means these.

For scale, the same run measures one plain fakesnow statement (a point ``SELECT`` through a bare
``fakesnow`` connection, no moviecdc) and prints the advance's time in those units too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from moviecdc import LocalSession, Pipeline


class CountingConnection:
    """A DuckDB connection that counts the statements sent through it (everything else passes through)."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.count = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self._con.execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self._con.executemany(*args, **kwargs)

    def sql(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return self._con.sql(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def counting(session: LocalSession) -> CountingConnection:
    """Route every statement of ``session``'s engine through a :class:`CountingConnection`."""
    engine = session._engine
    counter = CountingConnection(engine.con)
    engine.con = counter  # type: ignore[assignment]
    engine.conn._duck_conn = counter  # fakesnow's cursors run through this attribute
    return counter


def idle_advance(hours: float) -> tuple[float, int, int, int]:
    """Seconds and DuckDB statements of one ``advance(hours=…)`` on an idle deployed pipeline, and the
    TASK_HISTORY and refresh-history rows it left."""
    with LocalSession() as session:
        Pipeline(session).deploy()
        counter = counting(session)
        started = time.perf_counter()
        session.advance(hours=hours)
        seconds = time.perf_counter() - started
        statements = counter.count
        tasks = session.sql(
            "SELECT COUNT(*) FROM MOVIES._MOVIECDC.TASK_HISTORY"
        ).collect()[0][0]
        refreshes = session.sql("SELECT COUNT(*) FROM MOVIES._MOVIECDC.DYNAMIC_TABLE_REFRESHES").collect()[0][0]
    return seconds, statements, int(tasks), int(refreshes)


def plain_fakesnow_statement(repeats: int = 300) -> float:
    """Seconds of one point SELECT through a bare fakesnow connection (the issue's unit of cost)."""
    import fakesnow.instance  # noqa: PLC0415

    conn = fakesnow.instance.FakeSnow().connect("BENCH", "PUBLIC")
    cursor = conn.cursor()
    cursor.execute("CREATE TABLE T (K INT, V VARCHAR)")
    cursor.execute("INSERT INTO T VALUES (1, 'a')")
    started = time.perf_counter()
    for n in range(repeats):
        cursor.execute(f"SELECT V FROM T WHERE K = {n}")
        cursor.fetchall()
    return (time.perf_counter() - started) / repeats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    unit = plain_fakesnow_statement()
    runs = [idle_advance(args.hours) for _ in range(args.repeats)]
    seconds = statistics.median(r[0] for r in runs)
    statements, tasks, refreshes = runs[-1][1:]
    print(f"advance(hours={args.hours:g}) on an idle deployed pipeline, median of {args.repeats}")
    print(f"  seconds                              {seconds:>10.3f}   (runs: {', '.join(f'{r[0]:.3f}' for r in runs)})")
    print(f"  DuckDB statements sent               {statements:>10,}   (target <= 300)")
    print(f"  one plain fakesnow statement         {unit * 1000:>10.2f} ms")
    print(f"  advance in plain fakesnow statements {seconds / unit:>10,.0f}")
    print(f"  TASK_HISTORY rows after              {tasks:>10,}")
    print(f"  refresh-history rows after           {refreshes:>10,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
