"""Child process of the dynamic-table crash test: change a table and refresh its dynamic tables until killed.

Usage: dynamic_crash_child.py DB_FOLDER JOURNAL FIRST_ID. It writes "ready" once the tables exist and a
line per committed refresh, so the parent knows the refreshes had begun before it killed the process.
"""

from __future__ import annotations

import os
import sys

from moviecdc.local import LocalSession

PER_KEY = (
    "CREATE DYNAMIC TABLE IF NOT EXISTS PER_KEY TARGET_LAG = DOWNSTREAM WAREHOUSE = WH AS "
    "SELECT K, COUNT(*) AS N, SUM(V) AS TOTAL, MAX(V) AS TOP FROM EVENTS GROUP BY K"
)
LATEST = (
    "CREATE DYNAMIC TABLE IF NOT EXISTS LATEST TARGET_LAG = '1 minute' WAREHOUSE = WH AS "
    "SELECT K, V FROM EVENTS QUALIFY ROW_NUMBER() OVER (PARTITION BY K ORDER BY V DESC) = 1"
)
BIG = (
    "CREATE DYNAMIC TABLE IF NOT EXISTS BIG TARGET_LAG = '1 minute' WAREHOUSE = WH AS "
    "SELECT K, N FROM PER_KEY WHERE N > 3"
)


def main() -> None:
    folder, journal, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = LocalSession(folder, database="MOVIES", schema="PUBLIC")
    session.sql("CREATE TABLE IF NOT EXISTS EVENTS (K INT, V INT)").collect()
    for statement in (PER_KEY, LATEST, BIG):
        session.sql(statement).collect()
    with open(journal, "a", encoding="utf-8") as out:
        out.write("ready\n")
        out.flush()
        os.fsync(out.fileno())
        value = first
        while True:
            value += 1
            session.sql(f"INSERT INTO EVENTS VALUES ({value % 17}, {value}), ({value % 5}, {value % 7})").collect()
            if value % 3 == 0:
                session.sql(f"DELETE FROM EVENTS WHERE V = {value - 3}").collect()
            if value % 2 == 0:
                session.sql("ALTER DYNAMIC TABLE BIG REFRESH").collect()
            else:
                session.sql("ALTER DYNAMIC TABLE LATEST REFRESH").collect()
            out.write(f"{value} ;\n")
            out.flush()
            os.fsync(out.fileno())


if __name__ == "__main__":
    main()
