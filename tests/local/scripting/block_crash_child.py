"""Child process of the block crash test: insert into T, then run two tasks whose bodies are blocks, until killed.

Usage: block_crash_child.py DB_FOLDER JOURNAL FIRST_ID. Task KA's block has two autocommitted statements, each
consuming its own stream (S1 into A, then S2 into B); task KT's block wraps two statements reading S3 in
BEGIN TRANSACTION … COMMIT (into C and D). After each committed INSERT into T the IDs go to JOURNAL (fsynced).
"""

from __future__ import annotations

import os
import sys

from moviecdc.local import LocalSession

SETUP = (
    "CREATE TABLE IF NOT EXISTS T (ID INT)",
    "CREATE STREAM IF NOT EXISTS S1 ON TABLE T",
    "CREATE STREAM IF NOT EXISTS S2 ON TABLE T",
    "CREATE STREAM IF NOT EXISTS S3 ON TABLE T",
    *(f"CREATE TABLE IF NOT EXISTS {t} (ID INT)" for t in "ABCD"),
    "CREATE TASK IF NOT EXISTS KA AS BEGIN "
    "INSERT INTO A SELECT ID FROM S1 WHERE METADATA$ACTION = 'INSERT'; "
    "INSERT INTO B SELECT ID FROM S2 WHERE METADATA$ACTION = 'INSERT'; END",
    "CREATE TASK IF NOT EXISTS KT AS BEGIN BEGIN TRANSACTION; "
    "INSERT INTO C SELECT ID FROM S3 WHERE METADATA$ACTION = 'INSERT'; "
    "INSERT INTO D SELECT ID FROM S3 WHERE METADATA$ACTION = 'INSERT'; COMMIT; END",
)


def main() -> None:
    folder, journal, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = LocalSession(folder, database="MOVIES", schema="PUBLIC")
    for statement in SETUP:
        session.sql(statement).collect()
    with open(journal, "a", encoding="utf-8") as out:
        out.write("ready\n")
        out.flush()
        os.fsync(out.fileno())
        next_id = first
        while True:
            ids = list(range(next_id, next_id + 20))
            next_id += 20
            session.sql("INSERT INTO T VALUES " + ", ".join(f"({i})" for i in ids)).collect()
            out.write(" ".join(map(str, ids)) + " ;\n")
            out.flush()
            os.fsync(out.fileno())
            session.sql("EXECUTE TASK KA").collect()
            session.sql("EXECUTE TASK KT").collect()


if __name__ == "__main__":
    main()
