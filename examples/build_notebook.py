"""Writes examples/quickstart.ipynb from the cells below, executed, with its outputs (run it after editing them).

Keeping the notebook's source here keeps it reviewable as Python; the notebook is stored with its outputs so it
reads on a repository page. The test suite checks that the stored sources are these cells, and executes the
notebook again to check that the stored outputs are current (:func:`comparable`: the same outputs up to timings
and generated ids).

    PYTHONPATH=src python examples/build_notebook.py      # needs the dev extras (nbclient, ipykernel)
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """# moviecdc quick start

The movie-bookings CDC pipeline on the embedded engine: deploy, write bookings, move the clock, query every
layer, and unit-test a transformation, all without a Snowflake account. The same `Pipeline` deploys to
Snowflake when given a Snowpark `Session` (see `deploy_to_snowflake.py`).""",
    ),
    (
        "code",
        """from datetime import datetime

from moviecdc import LocalSession, Pipeline

# in memory; LocalSession(path="moviecdc-data") keeps it in a folder. A fixed start keeps the outputs below
# the same on every run (the default is the wall clock).
session = LocalSession(start=datetime(2026, 11, 27, 10, 0))
pipeline = Pipeline(session)
print(pipeline.deploy())""",
    ),
    (
        "markdown",
        """## Write bookings

The raw table is an ordinary table: write it with SQL, or in bulk with `write_pandas` (the simulator does).""",
    ),
    (
        "code",
        """RAW = "MOVIES.PUBLIC.RAW_MOVIES_BOOKING"
session.sql(f\"\"\"INSERT INTO {RAW} VALUES
    ('X1', 'C1', 'M9', '2026-11-27 20:00', 'BOOKED', 2, 10.00),
    ('X2', 'C2', 'M9', '2026-11-27 20:00', 'BOOKED', 1, 8.50)\"\"\").collect()
session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
session.sql(f"INSERT INTO {RAW} VALUES ('X3', 'C3', 'M7', '2026-11-27 21:00', 'BOOKED', 3, 12.00)").collect()
session.sql(f"DELETE FROM {RAW} WHERE BOOKING_ID = 'X2'").collect()
session.sql("SELECT * FROM MOVIES.PUBLIC.RAW_MOVIES_BOOKING_STREAM").to_pandas()""",
    ),
    (
        "markdown",
        """## Move the clock

`advance()` runs every task run and dynamic-table refresh that falls due, in time order: the ingest task every
minute (skipped when the stream is empty), Gold every 2 minutes, Silver with it.""",
    ),
    (
        "code",
        """session.advance(seconds=180)
session.sql("SELECT * FROM MOVIES.PUBLIC.MOVIES_BOOKING_CDC_EVENTS ORDER BY CHANGE_TIMESTAMP").to_pandas()""",
    ),
    ("code", """session.sql("SELECT * FROM MOVIES.PUBLIC.MOVIES_BOOKING_FILTERED ORDER BY BOOKING_ID").to_pandas()"""),
    (
        "code",
        """gold = session.sql("SELECT * FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS ORDER BY MOVIE_ID").to_pandas()
gold""",
    ),
    (
        "code",
        """assert gold["TOTAL_REVENUE"].astype(float).tolist() == [36.0, 0.0]        # M7, M9
assert gold["TOTAL_CANCELLATIONS"].astype(int).tolist() == [0, 1]
print(pipeline.status())""",
    ),
    (
        "markdown",
        """## More data: the simulator

Realistic bookings (skewed popularity, cancellations, completions, corrections, a few invalid rows).""",
    ),
    (
        "code",
        """from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig

simulator = BookingSimulator(SimulationConfig(seed=7, tick_seconds=60, bookings_per_minute=2_000))
writer = BookingWriter(session)
for _ in range(5):
    writer.write(simulator.next_batch())
    session.advance(seconds=60)
pipeline.refresh()
session.sql("SELECT * FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS ORDER BY TOTAL_REVENUE DESC LIMIT 5").to_pandas()""",
    ),
    (
        "code",
        """session.sql(\"\"\"SELECT REJECT_REASON, COUNT(*) AS N FROM MOVIES.PUBLIC.MOVIES_BOOKING_REJECTED
               GROUP BY 1 ORDER BY 2 DESC\"\"\").to_pandas()""",
    ),
    (
        "markdown",
        """## Unit-test a transformation with Snowpark local testing

Each layer's logic is also Snowpark DataFrame code; here Gold is computed from Bronze-shaped rows.""",
    ),
    (
        "code",
        """import datetime as dt
from decimal import Decimal

from snowflake.snowpark import Session
from snowflake.snowpark import types as T

from moviecdc import BOOKINGS, GoldLayer, SilverLayer
from moviecdc.layers.expressions import snowpark_type

local_testing = Session.builder.config("local_testing", True).create()
schema = T.StructType([T.StructField(c.name, snowpark_type(c.type)) for c in BOOKINGS.bronze_columns])
t1, t2 = dt.datetime(2026, 11, 27, 10, 1), dt.datetime(2026, 11, 27, 10, 2)
show = dt.datetime(2026, 11, 27, 20, 0)
bronze = local_testing.create_dataframe([
    ("B1", "C1", "M1", show, "BOOKED", 2, Decimal("10.00"), "INSERT", False, t1, "r1"),
    ("B1", "C1", "M1", show, "BOOKED", 2, Decimal("10.00"), "DELETE", True, t2, "r1"),
    ("B1", "C1", "M1", show, "BOOKED", 4, Decimal("10.00"), "INSERT", True, t2, "r1"),   # corrected to 4 tickets
], schema=schema)
row = GoldLayer().transform(SilverLayer().transform(bronze)).collect()[0]
metrics = int(row["TOTAL_BOOKINGS"]), int(row["TOTAL_TICKETS_SOLD"]), Decimal(row["TOTAL_REVENUE"])
assert metrics == (1, 4, Decimal("40.00"))   # counted once, at its corrected ticket count
row""",
    ),
    (
        "code",
        """session.close()
local_testing.close()""",
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        for kind, text in CELLS
    ]
    return notebook


def execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh Jupyter kernel (in ``folder``), keeping the outputs in ``notebook``."""
    from nbclient import NotebookClient  # noqa: PLC0415 - a dev extra

    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


# What changes from one run to the next: timings (``0.52s``), generated ids (query ids, row ids), addresses.
_VOLATILE = (
    (re.compile(r"\b\d+(\.\d+)?(s|ms)\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
    (re.compile(r"0x[0-9a-f]+"), "<address>"),
)


def comparable(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """Each code cell's outputs as text, with what changes between runs masked."""

    def text(output: nbformat.NotebookNode) -> str:
        if output.output_type == "stream":
            value = f"{output.name}: {output.text}"
        elif output.output_type == "error":
            value = f"error: {output.ename}: {output.evalue}"
        else:
            value = str(output.get("data", {}).get("text/plain", ""))
        for pattern, mask in _VOLATILE:
            value = pattern.sub(mask, value)
        return value

    return [[text(o) for o in cell.get("outputs", [])] for cell in notebook.cells if cell.cell_type == "code"]


if __name__ == "__main__":
    path = Path(__file__).with_name("quickstart.ipynb")
    nbformat.write(execute(build(), path.parent), path)
    print(f"wrote {path}, with its outputs")
