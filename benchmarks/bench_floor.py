"""The floor for issue 4: the pipeline's per-minute work as the fewest, best hand-written DuckDB statements.

    PYTHONPATH=src python benchmarks/bench_floor.py [--events 1000000] [--compare-moviecdc] [--threads N]

Issue 4 asks for >= 200,000 booking change events per wall-clock second end to end (1,000,000 events written
10,000 per simulated minute; ingest every minute, Gold refreshed every 2 minutes): 50 ms per simulated minute
for everything. This script measures what DuckDB itself needs for the same work on this machine, with no
emulation layer, no SQL translation and no catalog: one in-memory connection, fixed SQL, one transaction per
step. If even this floor is far from 200,000 events/s, no design on DuckDB reaches the target here.

Per simulated minute (statements sent, besides BEGIN and COMMIT):

1. write, 4 statements in 1 transaction: the batch into ``RAW`` (a plain table, no index, with a hidden BIGINT
   ``ROW_ID`` from a counter kept in Python), its change events into ``RAW_LOG``: the old images of the updated
   and deleted rows, found by ``BOOKING_ID`` (keys -> rowids -> rows), into a temporary table; those rows
   deleted by rowid; the inserts and the updated rows' new images appended (an update is a delete plus an
   insert of the same hidden row); insert events, old images and new images appended to the log.
2. ingest, 2 statements in 1 transaction: the stream's net change per row since the last ingest (a DELETE with
   the values at the offset if the row existed then, an INSERT with the current values if it exists now, both
   flagged ``IS_UPDATE`` when it did both: what ``moviecdc.local.streams.delta`` computes) appended to ``BRONZE`` with
   the run's simulated time, then the consumed log trimmed.
3. every 2 minutes, Silver and Gold, 10 statements in 1 transaction: Bronze's events since the last refresh
   (a zone-map-pruned scan); Silver's rows for their booking ids replaced by the rows ``silver_sql()`` gives for
   those keys, computed from the new events and the keys' current rows (kept in SILVER and SIDE, so Bronze's
   history is never rescanned); Gold moved by Silver's added minus removed rows (``gold_sql()``'s aggregates),
   its max timestamp recomputed only for movies that may have lost it.

First, and separately, the load alone: the same batches written to a plain table with no stream and no
pipeline (``LOAD_SHAPES``), which shows how much of the 50 ms the benchmark's own writes leave.

Not timed: making the batches (the simulator), converting them to Arrow tables, and the check at the end. The
check asserts that RAW equals the batches replayed in Python, that Silver equals moviecdc's own ``silver_sql()``
over the final Bronze, that Gold equals moviecdc's ``gold_sql()`` over that Silver, and that Gold's totals equal
a plain query over the final RAW (valid rows, unique booking ids). ``--compare-moviecdc`` then replays the same
batches through moviecdc's ``LocalSession`` pipeline in the same process, turned into the DataFrames its writer
sends before the clock starts (as the floor's Arrow tables are), and prints the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa
import sqlglot

from moviecdc import GoldLayer, LocalSession, PipelineConfig, SilverLayer
from moviecdc.runner import replay, simulated_batches
from moviecdc.simulate import Batch, Booking, frames

DEFAULT_EVENTS = 1_000_000
EVENTS_PER_MINUTE = 10_000
SEED = 1
GOLD_EVERY_MINUTES = 2  # Gold's target lag; Silver refreshes with it (TARGET_LAG = DOWNSTREAM)
TICK = dt.timedelta(minutes=1)
START = dt.datetime(2026, 1, 1)  # simulated clock at the start; naive, as Bronze's TIMESTAMP_NTZ
CHECKPOINT_THRESHOLD = "4GB"  # as moviecdc's in-memory engine: no automatic recompression mid-run
TARGET_EVENTS_PER_SECOND = 200_000
MS_PER_SECOND = 1_000

# Log actions: an event removes an image (0) or adds one (1); ORD = SEQ * 2 + ADDS orders a batch's old
# image before its new image, as moviecdc's change log does.
REMOVES, ADDS = 0, 1
UPDATE, DELETE = "U", "D"

COLUMNS = ("BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS", "TICKET_COUNT", "TICKET_PRICE")
SQL_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP", "VARCHAR", "BIGINT", "DECIMAL(10, 2)")
ARROW_SCHEMA = pa.schema(
    list(
        zip(
            COLUMNS,
            (pa.string(), pa.string(), pa.string(), pa.timestamp("us"), pa.string(), pa.int64(), pa.decimal128(10, 2)),
            strict=True,
        )
    )
)
COLS = ", ".join(COLUMNS)
DEFS = ", ".join(f"{name} {kind}" for name, kind in zip(COLUMNS, SQL_TYPES, strict=True))

# -- schema ---------------------------------------------------------------------------------------------------

DDL = (
    f"CREATE TABLE RAW (ROW_ID BIGINT, {DEFS})",
    f"CREATE TABLE RAW_LOG (SEQ BIGINT, ADDS TINYINT, ROW_ID BIGINT, {DEFS})",
    f"CREATE TABLE BRONZE ({DEFS}, CHANGE_TYPE VARCHAR, IS_UPDATE BOOLEAN, ROW_ID VARCHAR, CHANGE_TIMESTAMP TIMESTAMP)",
    f"CREATE TABLE SILVER ({DEFS}, LATEST_CHANGE_TIMESTAMP TIMESTAMP, ROW_ID VARCHAR)",
    f"CREATE TABLE SIDE ({DEFS}, LATEST_CHANGE_TIMESTAMP TIMESTAMP, ROW_ID VARCHAR)",
    "CREATE TABLE GOLD (MOVIE_ID VARCHAR, TOTAL_BOOKINGS DECIMAL(18, 0), TOTAL_TICKETS_SOLD DECIMAL(18, 0), "
    "TOTAL_REVENUE DECIMAL(18, 2), TOTAL_CANCELLATIONS DECIMAL(18, 0), REFRESH_TIMESTAMP TIMESTAMP)",
)

# -- 1. write: the batch into RAW, its change events into RAW_LOG ------------------------------------------

# INS = the inserts (the 7 columns and their new ROW_IDs); CHG = the updates (full new rows) and the deletes (key
# only), KIND 'U' or 'D'. DuckDB has no index-driven join: finding the changed keys scans RAW's BOOKING_ID
# column, and a semi join that also returns the other columns scans every column of RAW. So the old images
# are read in two phases (keys -> rowids, rowids -> rows), which reads the other columns only near the hits;
# the rows are then deleted by rowid (stable within the transaction), and an update re-appends the row's new
# image under its ROW_ID: an update is a delete plus an insert of the same hidden row.
OLD_IMAGES = """
CREATE OR REPLACE TEMP TABLE OLD AS SELECT rowid AS RID, * FROM RAW
WHERE rowid IN (SELECT rowid FROM RAW WHERE BOOKING_ID IN (SELECT BOOKING_ID FROM CHG))
"""
NEW_IMAGES = f"""SELECT OLD.ROW_ID, {", ".join(f"CHG.{c}" for c in COLUMNS)}
FROM OLD JOIN CHG ON OLD.BOOKING_ID = CHG.BOOKING_ID WHERE CHG.KIND = '{UPDATE}'"""
REMOVE_OLD = "DELETE FROM RAW WHERE rowid IN (SELECT RID FROM OLD)"
APPEND_ROWS = f"INSERT INTO RAW (ROW_ID, {COLS}) SELECT ROW_ID, {COLS} FROM INS UNION ALL {NEW_IMAGES}"
# $1 = the batch's SEQ: insert events, the old image of every updated or deleted row, the new image of updates.
LOG_EVENTS = f"""
INSERT INTO RAW_LOG (SEQ, ADDS, ROW_ID, {COLS})
SELECT $1, {ADDS}, ROW_ID, {COLS} FROM INS
UNION ALL SELECT $1, {REMOVES}, ROW_ID, {COLS} FROM OLD
UNION ALL SELECT $1, {ADDS}, * FROM ({NEW_IMAGES})
"""
WRITE = (OLD_IMAGES, REMOVE_OLD, APPEND_ROWS, LOG_EVENTS)

# -- 2. ingest: net change per row since the offset (moviecdc.local.streams.delta), into Bronze ----------------------

# $1 = the run's simulated time. Per ROW_ID, its first pending event is a DELETE with the values at the offset
# if it removes an image (the row existed then), its last one an INSERT with the current values if it adds one
# (the row exists now); IS_UPDATE when the row has both.
ORD = "SEQ * 2 + ADDS"
INGEST = f"""
INSERT INTO BRONZE ({COLS}, CHANGE_TYPE, IS_UPDATE, ROW_ID, CHANGE_TIMESTAMP)
WITH SPAN AS (
  SELECT ROW_ID, min({ORD}) AS FIRST_ORD, max({ORD}) AS LAST_ORD,
         arg_min(ADDS, {ORD}) AS FIRST_ADDS, arg_max(ADDS, {ORD}) AS LAST_ADDS
  FROM RAW_LOG GROUP BY ROW_ID)
SELECT {COLS}, CASE ADDS WHEN {ADDS} THEN 'INSERT' ELSE 'DELETE' END,
       CASE ADDS WHEN {ADDS} THEN FIRST_ADDS = {REMOVES} ELSE LAST_ADDS = {ADDS} END, CAST(ROW_ID AS VARCHAR), $1
FROM RAW_LOG JOIN SPAN USING (ROW_ID)
WHERE ({ORD} = FIRST_ORD AND ADDS = {REMOVES}) OR ({ORD} = LAST_ORD AND ADDS = {ADDS})
"""
TRIM_LOG = "DELETE FROM RAW_LOG"

# -- 3. Silver (recomputed for the changed keys) and Gold (from Silver's removed and added rows) ----------------

# silver_sql() keeps, per (BOOKING_ID, ROW_ID), Bronze's latest event if it is an INSERT, then rejects invalid
# rows and keys held by more than one row. Those kept rows are CURRENT; the floor stores them as SILVER (valid,
# unique key) plus SIDE (the rest), both with Bronze's ROW_ID as a hidden column, so a refresh reads only
# Bronze's new events instead of every event of the changed keys. A row of CURRENT is superseded exactly when
# its ROW_ID has a new event (its old image's DELETE, under its old key, is among them).
VALID = """BOOKING_ID IS NOT NULL AND MOVIE_ID IS NOT NULL AND TICKET_COUNT > 0 AND TICKET_PRICE >= 0
  AND STATUS IN ('BOOKED', 'CANCELLED', 'COMPLETED')"""
ROW = f"{COLS}, LATEST_CHANGE_TIMESTAMP, ROW_ID"
# $1 = the previous refresh's time: Bronze is appended in time order, so zone maps prune this scan. The latest
# new event per (BOOKING_ID, ROW_ID), ordered as silver_sql() orders them.
NEWEST = f"""
CREATE OR REPLACE TEMP TABLE NEWEST AS
SELECT {COLS}, CHANGE_TIMESTAMP AS LATEST_CHANGE_TIMESTAMP, ROW_ID, CHANGE_TYPE FROM BRONZE
WHERE CHANGE_TIMESTAMP > $1
QUALIFY ROW_NUMBER() OVER (PARTITION BY BOOKING_ID, ROW_ID
  ORDER BY CHANGE_TIMESTAMP DESC NULLS LAST, CASE WHEN CHANGE_TYPE = 'INSERT' THEN 0 ELSE 1 END) = 1
"""
# Silver's rows of the changed keys, found in two phases (keys -> rowids -> rows), as RAW's old images.
GONE_ROWS = """
CREATE OR REPLACE TEMP TABLE GONE AS SELECT rowid AS RID, * FROM SILVER
WHERE rowid IN (SELECT rowid FROM SILVER WHERE BOOKING_ID IN (SELECT BOOKING_ID FROM NEWEST))
"""
SIDE_ROWS = """
CREATE OR REPLACE TEMP TABLE SIDE_K AS SELECT rowid AS RID, * FROM SIDE
WHERE BOOKING_ID IN (SELECT BOOKING_ID FROM NEWEST) OR ROW_ID IN (SELECT ROW_ID FROM NEWEST)
"""
# Every CURRENT row of the changed keys: the new INSERTs, and the old rows no new event superseded; then the
# rules and the one-row-per-key check of silver_sql().
RECOMPUTE = f"""
CREATE OR REPLACE TEMP TABLE RECOMPUTED AS
WITH CURRENT_STATE AS (
  SELECT {ROW} FROM NEWEST WHERE CHANGE_TYPE = 'INSERT'
  UNION ALL SELECT {ROW} FROM (SELECT {ROW} FROM GONE UNION ALL SELECT {ROW} FROM SIDE_K) AS OLD_ROWS
    ANTI JOIN NEWEST USING (ROW_ID)
)
SELECT *, COALESCE({VALID}, FALSE) AND BOOKING_ID NOT IN (
  SELECT BOOKING_ID FROM CURRENT_STATE WHERE BOOKING_ID IS NOT NULL GROUP BY BOOKING_ID HAVING COUNT(*) > 1
) AS KEPT FROM CURRENT_STATE
"""
REMOVE_GONE = "DELETE FROM SILVER WHERE rowid IN (SELECT RID FROM GONE)"
REMOVE_SIDE = "DELETE FROM SIDE WHERE rowid IN (SELECT RID FROM SIDE_K)"
ADD_SILVER = f"INSERT INTO SILVER SELECT {ROW} FROM RECOMPUTED WHERE KEPT"
ADD_SIDE = f"INSERT INTO SIDE SELECT {ROW} FROM RECOMPUTED WHERE NOT KEPT"
SOLD = "STATUS IN ('BOOKED', 'COMPLETED')"
METRICS = (
    ("TOTAL_BOOKINGS", "1"),
    ("TOTAL_TICKETS_SOLD", f"CASE WHEN {SOLD} THEN TICKET_COUNT ELSE 0 END"),
    ("TOTAL_REVENUE", f"CASE WHEN {SOLD} THEN TICKET_COUNT * TICKET_PRICE ELSE 0 END"),
    ("TOTAL_CANCELLATIONS", "CASE WHEN STATUS = 'CANCELLED' THEN 1 ELSE 0 END"),
)
NAMES = [name for name, _ in METRICS]
GOLD_INPUT = "MOVIE_ID, STATUS, TICKET_COUNT, TICKET_PRICE, LATEST_CHANGE_TIMESTAMP"
# Gold's sums move by Silver's added rows minus its removed ones. Its max timestamp stays the old one unless a
# removed row may have carried it (then the added rows' max, if it is at least as late, or unknown: NULL,
# recomputed below from Silver for those movies only).
GOLD_MERGE = f"""
MERGE INTO GOLD USING (
  SELECT MOVIE_ID, {", ".join(f"SUM(SIGN * {value}) AS {name}" for name, value in METRICS)},
         MAX(LATEST_CHANGE_TIMESTAMP) FILTER (WHERE SIGN = 1) AS ADDED_MAX,
         MAX(LATEST_CHANGE_TIMESTAMP) FILTER (WHERE SIGN = -1) AS REMOVED_MAX
  FROM (SELECT 1 AS SIGN, {GOLD_INPUT} FROM RECOMPUTED WHERE KEPT UNION ALL SELECT -1, {GOLD_INPUT} FROM GONE)
  GROUP BY MOVIE_ID
) AS D ON GOLD.MOVIE_ID = D.MOVIE_ID
WHEN MATCHED AND GOLD.TOTAL_BOOKINGS + D.TOTAL_BOOKINGS = 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET {", ".join(f"{name} = GOLD.{name} + D.{name}" for name in NAMES)},
  REFRESH_TIMESTAMP = CASE
    WHEN D.REMOVED_MAX IS NULL OR D.REMOVED_MAX < GOLD.REFRESH_TIMESTAMP
      THEN greatest(GOLD.REFRESH_TIMESTAMP, D.ADDED_MAX)
    WHEN D.ADDED_MAX >= GOLD.REFRESH_TIMESTAMP THEN D.ADDED_MAX
  END
WHEN NOT MATCHED THEN INSERT VALUES (D.MOVIE_ID, {", ".join(f"D.{name}" for name in NAMES)}, D.ADDED_MAX)
"""
GOLD_FIX_MAX = """
UPDATE GOLD SET REFRESH_TIMESTAMP = M.LATEST FROM (
  SELECT MOVIE_ID, MAX(LATEST_CHANGE_TIMESTAMP) AS LATEST FROM SILVER
  WHERE MOVIE_ID IN (SELECT MOVIE_ID FROM GOLD WHERE REFRESH_TIMESTAMP IS NULL) GROUP BY MOVIE_ID
) AS M WHERE GOLD.MOVIE_ID = M.MOVIE_ID
"""
REFRESH = (
    NEWEST,
    GONE_ROWS,
    SIDE_ROWS,
    RECOMPUTE,
    REMOVE_GONE,
    REMOVE_SIDE,
    ADD_SILVER,
    ADD_SIDE,
    GOLD_MERGE,
    GOLD_FIX_MAX,
)

# -- the load alone: the benchmark's writes on a plain table, no change capture and no pipeline ----------------

# What 200,000 events/s leaves for the pipeline: these are the writes the benchmark counts as its events, on a
# plain DuckDB table that nobody reads, in the two shapes DuckDB runs fastest: the statements a user would send
# (an UPDATE … FROM and a DELETE … USING the staged changes), and the same change as the floor makes it (the
# changed keys' rowids, one delete by rowid, the updated rows appended again). Whatever they cost per minute,
# the stream, the task, Silver and Gold must fit in what is left of the 50 ms.
LOAD_DDL = f"CREATE TABLE RAW ({DEFS})"
SET_NEW = ", ".join(f"{c} = CHG.{c}" for c in COLUMNS[1:])
LOAD_SHAPES = {
    "UPDATE … FROM + DELETE … USING": (
        "INSERT INTO RAW SELECT * FROM INS",
        f"UPDATE RAW SET {SET_NEW} FROM CHG WHERE RAW.BOOKING_ID = CHG.BOOKING_ID AND CHG.KIND = '{UPDATE}'",
        f"DELETE FROM RAW USING CHG WHERE RAW.BOOKING_ID = CHG.BOOKING_ID AND CHG.KIND = '{DELETE}'",
    ),
    "delete by rowid + append": (
        "INSERT INTO RAW SELECT * FROM INS",
        "CREATE OR REPLACE TEMP TABLE GONE AS SELECT rowid AS RID FROM RAW "
        "WHERE BOOKING_ID IN (SELECT BOOKING_ID FROM CHG)",
        "DELETE FROM RAW WHERE rowid IN (SELECT RID FROM GONE)",
        f"INSERT INTO RAW SELECT {COLS} FROM CHG WHERE KIND = '{UPDATE}'",
    ),
}


def load_alone(batches: Sequence[ArrowBatch], statements: Sequence[str], threads: int | None) -> float:
    """Seconds to apply every batch to a plain table with ``statements``, one transaction a minute."""
    con = duckdb.connect()
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(LOAD_DDL)
    seconds = 0.0
    for batch in batches:
        started = time.perf_counter()
        con.register("INS", batch.inserts)
        con.register("CHG", batch.changes)
        con.execute("BEGIN")
        for statement in statements:
            con.execute(statement)
        con.execute("COMMIT")
        con.unregister("INS")
        con.unregister("CHG")
        seconds += time.perf_counter() - started
    con.close()
    return seconds


# -- the check (not timed) -----------------------------------------------------------------------------------

GOLD_TOTALS = f"SELECT MOVIE_ID, {', '.join(NAMES)} FROM GOLD"
GOLD_FROM_RAW = f"""
SELECT MOVIE_ID, {", ".join(f"SUM({value})" for _, value in METRICS)} FROM RAW
WHERE {VALID} AND BOOKING_ID IN (SELECT BOOKING_ID FROM RAW GROUP BY BOOKING_ID HAVING COUNT(*) = 1)
GROUP BY MOVIE_ID
"""


# -- batches as Arrow ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrowBatch:
    """One simulated minute: ``inserts`` (the 7 columns) and ``changes`` (the 7 columns and KIND)."""

    inserts: pa.Table
    changes: pa.Table
    events: int


def bookings_table(rows: Sequence[Booking]) -> pa.Table:
    """Bookings as an Arrow table with RAW's columns and types."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    return pa.table(
        [pa.array(values, type=f.type) for values, f in zip(columns, ARROW_SCHEMA, strict=True)], schema=ARROW_SCHEMA
    )


def to_arrow(batch: Batch) -> ArrowBatch:
    """The batch as Arrow tables; a deleted booking carries only its key."""
    deleted = [Booking(key, None, None, None, None, None, None) for key in batch.deletes]  # type: ignore[arg-type]
    changes = bookings_table([*batch.updates, *deleted])
    kinds = pa.array([UPDATE] * len(batch.updates) + [DELETE] * len(batch.deletes), type=pa.string())
    return ArrowBatch(bookings_table(batch.inserts), changes.append_column("KIND", kinds), batch.size)


# -- the floor -----------------------------------------------------------------------------------------------


@dataclass
class PhaseTimes:
    """Wall-clock seconds spent in each phase, summed over the run."""

    write: float = 0.0
    ingest: float = 0.0
    refresh: float = 0.0
    refreshes: int = 0

    @property
    def total(self) -> float:
        return self.write + self.ingest + self.refresh


@dataclass
class Floor:
    """The pipeline as plain DuckDB tables and statements, driven one simulated minute at a time."""

    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    next_row_id: int = 0
    seq: int = 0
    now: dt.datetime = START
    last_refresh: dt.datetime = dt.datetime.min
    times: PhaseTimes = field(default_factory=PhaseTimes)
    threads: int | None = None  # None: DuckDB's default (one per core)

    def __post_init__(self) -> None:
        self.con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        if self.threads is not None:
            self.con.execute(f"SET threads = {int(self.threads)}")
        for statement in DDL:
            self.con.execute(statement)

    def run(self, batches: Iterable[ArrowBatch]) -> None:
        minute = 0
        for minute, batch in enumerate(batches, start=1):
            self.write(batch)
            self.now += TICK
            self.ingest()
            if minute % GOLD_EVERY_MINUTES == 0:
                self.refresh()
        if minute % GOLD_EVERY_MINUTES != 0:  # drain: Gold reflects every change
            self.refresh()

    def transaction(self, statements: Iterable[tuple[str, Sequence[object]]]) -> None:
        self.con.execute("BEGIN")
        for statement, parameters in statements:
            self.con.execute(statement, parameters)
        self.con.execute("COMMIT")

    def write(self, batch: ArrowBatch) -> None:
        started = time.perf_counter()
        count = batch.inserts.num_rows
        ids = pa.array(range(self.next_row_id, self.next_row_id + count), type=pa.int64())
        self.next_row_id += count
        self.seq += 1
        self.con.register("INS", batch.inserts.append_column("ROW_ID", ids))
        self.con.register("CHG", batch.changes)
        self.transaction([(statement, [self.seq] if statement is LOG_EVENTS else []) for statement in WRITE])
        self.con.unregister("INS")
        self.con.unregister("CHG")
        self.times.write += time.perf_counter() - started

    def ingest(self) -> None:
        started = time.perf_counter()
        self.transaction([(INGEST, [self.now]), (TRIM_LOG, [])])
        self.times.ingest += time.perf_counter() - started

    def refresh(self) -> None:
        started = time.perf_counter()
        self.transaction([(s, [self.last_refresh] if s is NEWEST else []) for s in REFRESH])
        self.last_refresh = self.now
        self.times.refresh += time.perf_counter() - started
        self.times.refreshes += 1


# -- the check -----------------------------------------------------------------------------------------------


def expected_raw(batches: Iterable[Batch]) -> pa.Table:
    """The raw table the batches produce, replayed in Python."""
    state: dict[str, Booking] = {}
    for batch in batches:
        for row in (*batch.inserts, *batch.updates):
            state[row.booking_id] = row
        for key in batch.deletes:
            del state[key]
    return bookings_table(list(state.values()))


def differ(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    """Rows in one query's result and not the other's (as multisets)."""
    query = f"SELECT COUNT(*) FROM (({left}) EXCEPT ALL ({right}) UNION ALL (({right}) EXCEPT ALL ({left})))"
    row = con.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def duckdb_sql(snowflake_sql: str, table: str, name: str) -> str:
    """moviecdc's Snowflake SQL in DuckDB's dialect, reading ``name`` instead of the pipeline's ``table``."""
    duck = str(sqlglot.transpile(snowflake_sql, read="snowflake", write="duckdb")[0])
    return duck.replace(PipelineConfig().name(table).sql, name)


def check(floor: Floor, batches: Sequence[Batch]) -> dict[str, int]:
    """Rows that differ, per comparison; asserts there are none."""
    con = floor.con
    con.register("EXPECTED_RAW", expected_raw(batches))
    silver_sql = duckdb_sql(SilverLayer().silver_sql(), "bronze_table", "BRONZE")
    silver = "(SELECT * EXCLUDE (ROW_ID) FROM SILVER)"  # without the floor's hidden column
    gold_sql = duckdb_sql(GoldLayer().gold_sql(), "silver_table", silver)
    result = {
        "raw vs batches replayed": differ(con, f"SELECT {COLS} FROM RAW", "SELECT * FROM EXPECTED_RAW"),
        "Silver vs silver_sql()": differ(con, f"SELECT * FROM {silver}", silver_sql),
        "Gold vs gold_sql()": differ(con, "SELECT * FROM GOLD", gold_sql),
        "Gold vs raw": differ(con, GOLD_TOTALS, GOLD_FROM_RAW),
    }
    assert not any(result.values()), f"the floor's result is wrong (rows differing): {result}"
    return result


# -- main ----------------------------------------------------------------------------------------------------


def total_revenue(con: duckdb.DuckDBPyConnection) -> Decimal:
    row = con.execute("SELECT SUM(TOTAL_REVENUE) FROM GOLD").fetchone()
    assert row is not None
    return Decimal(row[0])


def report(events: int, minutes: int, times: PhaseTimes) -> None:
    per_minute = MS_PER_SECOND / minutes
    print(f"events                       {events:>12,}")
    print(f"simulated minutes            {minutes:>12,}   (Silver + Gold refreshes: {times.refreshes})")
    print(f"wall-clock seconds           {times.total:>12.3f}")
    print(f"events per second            {events / times.total:>12,.0f}   (target >= {TARGET_EVENTS_PER_SECOND:,})")
    print(
        f"ms per simulated minute      {times.total * per_minute:>12.1f}   "
        f"(target <= {EVENTS_PER_MINUTE / TARGET_EVENTS_PER_SECOND * MS_PER_SECOND:.0f})"
    )
    print(f"  write (raw + change log)   {times.write * per_minute:>12.1f}")
    print(f"  ingest (stream -> Bronze)  {times.ingest * per_minute:>12.1f}")
    print(f"  Silver + Gold              {times.refresh * per_minute:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--compare-moviecdc", action="store_true", help="also run moviecdc on the same batches")
    parser.add_argument("--threads", type=int, help="DuckDB threads for the floor (default: DuckDB's, one per core)")
    args = parser.parse_args()

    started = time.perf_counter()
    batches = list(simulated_batches(events=args.events, seed=SEED, events_per_minute=EVENTS_PER_MINUTE))
    arrow = [to_arrow(batch) for batch in batches]
    print(f"batches made and converted to Arrow in {time.perf_counter() - started:.1f}s (not timed)\n")

    events, minutes = sum(b.events for b in arrow), len(arrow)
    budget = EVENTS_PER_MINUTE / TARGET_EVENTS_PER_SECOND * MS_PER_SECOND
    print(f"## the load alone: the {events:,} events written to a plain DuckDB table, no capture, no pipeline")
    for shape, statements in LOAD_SHAPES.items():
        seconds = load_alone(arrow, statements, args.threads)
        print(
            f"{shape:<32} {seconds * MS_PER_SECOND / minutes:6.1f} ms per simulated minute "
            f"({events / seconds:,.0f} events/s); left of the {budget:.0f} ms for stream, task, Silver and Gold: "
            f"{budget - seconds * MS_PER_SECOND / minutes:.1f} ms"
        )
    print()

    floor = Floor(threads=args.threads)
    floor.run(arrow)
    print("## floor: hand-written DuckDB SQL")
    report(events, minutes, floor.times)
    for name, rows in check(floor, batches).items():
        print(f"check: {name:<26} {rows} rows differ")
    print(f"check: Gold total revenue         {total_revenue(floor.con):,}")
    floor.con.close()

    if args.compare_moviecdc:
        ready = [frames(batch) for batch in batches]  # as the floor's Arrow tables: made before the clock
        del arrow
        with LocalSession() as session:
            result = replay(session, ready)
        floor_rate = result.events / floor.times.total
        print(
            "\n## moviecdc: LocalSession pipeline, replay() of the same batches as DataFrames made before the clock "
            "(its time includes the deploy)"
        )
        print(f"wall-clock seconds           {result.seconds:>12.3f}")
        print(f"events per second            {result.events_per_second:>12,.0f}")
        print(f"ratio moviecdc / floor       {result.seconds / floor.times.total:>12.2f}   (wall-clock seconds)")
        print(f"ratio moviecdc / floor       {result.events_per_second / floor_rate:>12.3f}   (events per second)")


if __name__ == "__main__":
    main()
