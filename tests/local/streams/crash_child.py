"""Child process of the crash test: write and consume against a file database until killed.

Usage: crash_child.py DB_FOLDER JOURNAL FIRST_ID. After every committed INSERT into T it appends the IDs to
JOURNAL and fsyncs, so the parent knows a lower bound of what committed.
"""

from __future__ import annotations

import os
import sys

import pandas as pd

from moviecdc.local import LocalSession

CONSUME = 'INSERT INTO BRONZE SELECT ID, "METADATA$ACTION", "METADATA$ROW_ID" FROM S'


def main() -> None:
    folder, journal, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = LocalSession(folder, database="MOVIES", schema="PUBLIC")
    session.sql("CREATE TABLE IF NOT EXISTS T (ID INT, VAL VARCHAR)").collect()
    session.sql("CREATE STREAM IF NOT EXISTS S ON TABLE T").collect()
    session.sql("CREATE TABLE IF NOT EXISTS BRONZE (ID INT, ACTION VARCHAR, RID VARCHAR)").collect()
    with open(journal, "a", encoding="utf-8") as out:
        out.write("ready\n")
        out.flush()
        os.fsync(out.fileno())
        next_id = first
        step = 0
        while True:
            step += 1
            ids = list(range(next_id, next_id + 5))
            next_id += 5
            if step % 3 == 0:
                session.write_pandas(pd.DataFrame({"ID": ids, "VAL": ["w"] * 5}), "T")
            else:
                session.sql("INSERT INTO T VALUES " + ", ".join(f"({i}, 'v')" for i in ids)).collect()
            out.write(" ".join(map(str, ids)) + " ;\n")
            out.flush()
            os.fsync(out.fileno())
            if step % 2 == 0:
                session.sql(CONSUME).collect()


if __name__ == "__main__":
    main()
