"""Property-based: random DML histories against a small reference model of Snowflake's stream rules.

The model keeps, per stream, the table as it was at the stream's offset and the set of rows updated since;
the expected delta follows MISSION.md's rules row by row. Row identity is the ID column: the histories
never reuse an ID, so "a row" and "an ID" are the same thing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviecdc.local import LocalSession

Delta = list[tuple[int, str, str, bool]]


@dataclass
class StreamModel:
    at_offset: dict[int, str]
    updated: set[int] = field(default_factory=set)
    appended: list[tuple[int, str]] = field(default_factory=list)

    def expected(self, now: dict[int, str], append_only: bool = False) -> Delta:
        if append_only:
            return sorted((i, v, "INSERT", False) for i, v in self.appended)
        out: Delta = []
        for i in self.at_offset.keys() | now.keys():
            before, after = self.at_offset.get(i), now.get(i)
            if before is not None and after is not None:
                if i in self.updated:
                    out += [(i, before, "DELETE", True), (i, after, "INSERT", True)]
            elif before is not None:
                out.append((i, before, "DELETE", False))
            elif after is not None:
                out.append((i, after, "INSERT", False))
        return sorted(out)


@dataclass
class Model:
    rows: dict[int, str] = field(default_factory=dict)
    next_id: int = 1
    streams: dict[str, StreamModel] = field(default_factory=dict)

    def insert(self, values: list[str]) -> list[tuple[int, str]]:
        new = [(self.next_id + k, v) for k, v in enumerate(values)]
        self.next_id += len(values)
        self.rows.update(new)
        for s in self.streams.values():
            s.appended += new
        return new

    def update(self, ids: list[int], value: str) -> None:
        for i in ids:
            self.rows[i] = value
            for s in self.streams.values():
                s.updated.add(i)

    def delete(self, ids: list[int]) -> None:
        for i in ids:
            del self.rows[i]

    def consumed(self, name: str) -> None:
        self.streams[name] = StreamModel(dict(self.rows))


VALUES = st.text(alphabet="abc", min_size=1, max_size=2)
# How a consume runs: alone; in a transaction rolled back; or, in one committed transaction, twice into two
# sinks with a change to the table in between (repeatable read: both reads see the same rows, and the
# transaction's own change stays pending for the next consume).
CONSUME_MODES = ("alone", "rolled back", "fan out")
OPS = st.one_of(
    st.tuples(st.just("insert"), st.lists(VALUES, min_size=1, max_size=3)),
    st.tuples(st.just("update"), st.integers(0, 7), VALUES),
    st.tuples(st.just("delete"), st.integers(0, 7)),
    st.tuples(st.just("merge"), st.integers(0, 7), VALUES),
    st.tuples(st.just("truncate")),
    st.tuples(st.just("write_pandas"), st.lists(VALUES, min_size=1, max_size=3)),
    st.tuples(st.just("consume"), st.sampled_from(["S", "S2", "A"]), st.sampled_from(CONSUME_MODES)),
)


def read(session: LocalSession, stream: str) -> Delta:
    rows = session.sql(f'SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM {stream}')
    collected = rows.collect()
    # Both halves of an update pair carry the same ROW_ID.
    pairs: dict[int, set[str]] = {}
    for r in collected:
        if r[3]:
            pairs.setdefault(r[0], set()).add(r[4])
    assert all(len(ids) == 1 for ids in pairs.values())
    return sorted((r[0], r[1], r[2], r[3]) for r in collected)


def apply(session: LocalSession, model: Model, op: tuple[object, ...], row_ids: dict[int, str]) -> None:
    kind = op[0]
    existing = sorted(model.rows)
    if kind == "insert":
        values = op[1]
        assert isinstance(values, list)
        new = model.insert(values)
        session.sql("INSERT INTO T VALUES " + ", ".join(f"({i}, '{v}')" for i, v in new)).collect()
    elif kind == "write_pandas":
        values = op[1]
        assert isinstance(values, list)
        new = model.insert(values)
        session.write_pandas(pd.DataFrame({"ID": [i for i, _ in new], "VAL": [v for _, v in new]}), "T")
    elif kind == "update" and existing:
        target = existing[int(str(op[1])) % len(existing)]
        session.sql(f"UPDATE T SET VAL = '{op[2]}' WHERE ID >= {target}").collect()
        model.update([i for i in existing if i >= target], str(op[2]))
    elif kind == "delete" and existing:
        target = existing[int(str(op[1])) % len(existing)]
        session.sql(f"DELETE FROM T WHERE ID = {target}").collect()
        model.delete([target])
    elif kind == "merge":
        matched = existing[int(str(op[1])) % len(existing)] if existing else None
        fresh = model.next_id
        source = f"SELECT {fresh} AS ID, '{op[2]}' AS V"
        if matched:
            source += f" UNION ALL SELECT {matched}, '{op[2]}'"
        session.sql(
            f"MERGE INTO T USING ({source}) AS src ON T.ID = src.ID "
            "WHEN MATCHED THEN UPDATE SET VAL = src.V WHEN NOT MATCHED THEN INSERT (ID, VAL) VALUES (src.ID, src.V)"
        ).collect()
        if matched is not None:
            model.update([matched], str(op[2]))
        model.insert([str(op[2])])
    elif kind == "truncate":
        session.sql("TRUNCATE TABLE T").collect()
        model.delete(existing)
    elif kind == "consume":
        check_and_consume(session, model, str(op[1]), mode=str(op[2]), row_ids=row_ids)


def sink(session: LocalSession, table: str) -> Delta:
    rows = session.sql(f"SELECT ID, VAL, A, U FROM {table}").collect()
    return sorted((r[0], r[1], r[2], r[3]) for r in rows)


def check_and_consume(session: LocalSession, model: Model, name: str, *, mode: str, row_ids: dict[int, str]) -> None:
    expected = model.streams[name].expected(model.rows, append_only=name == "A")
    assert read(session, name) == expected
    assert session.sql(f"SELECT SYSTEM$STREAM_HAS_DATA('{name}')").collect()[0][0] is bool(expected)
    for r in session.sql(f'SELECT ID, "METADATA$ROW_ID" FROM {name}').collect():
        assert row_ids.setdefault(r[0], r[1]) == r[1], "ROW_ID changed during a row's life"
    columns = 'ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID"'
    for table in ("SINK", "SINK2"):
        session.sql(f"DELETE FROM {table}").collect()
    if mode == "alone":
        session.sql(f"INSERT INTO SINK SELECT {columns} FROM {name}").collect()
        model.consumed(name)
        assert sink(session, "SINK") == expected
    elif mode == "rolled back":
        session.sql("BEGIN").collect()
        session.sql(f"INSERT INTO SINK SELECT {columns} FROM {name}").collect()
        session.sql("ROLLBACK").collect()
        assert read(session, name) == expected
        return
    else:
        session.sql("BEGIN").collect()
        session.sql(f"INSERT INTO SINK SELECT {columns} FROM {name}").collect()
        model.consumed(name)  # the offset moves to the transaction's start, before its own insert
        new = model.insert(["t"])
        session.sql(f"INSERT INTO T VALUES ({new[0][0]}, 't')").collect()
        assert read(session, name) == expected  # repeatable read: the same rows, not the own change
        session.sql(f"INSERT INTO SINK2 SELECT {columns} FROM {name}").collect()
        session.sql("COMMIT").collect()
        assert sink(session, "SINK") == sink(session, "SINK2") == expected
    assert read(session, name) == model.streams[name].expected(model.rows, append_only=name == "A")


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, max_size=14))
def test_random_histories_match_the_reference_model(history: list[tuple[object, ...]]) -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        for table in ("SINK", "SINK2"):
            session.sql(f"CREATE TABLE {table} (ID INT, VAL VARCHAR, A VARCHAR, U BOOLEAN, R VARCHAR)").collect()
        model = Model()
        # SHOW_INITIAL_ROWS on an empty table behaves as a plain stream; S2 is read only at the end.
        for name, options in (("S", "SHOW_INITIAL_ROWS = TRUE"), ("S2", ""), ("A", "APPEND_ONLY = TRUE")):
            session.sql(f"CREATE STREAM {name} ON TABLE T {options}").collect()
            model.consumed(name)
        row_ids: dict[int, str] = {}
        for op in history:
            apply(session, model, op, row_ids)
        for name in ("S", "S2", "A"):
            apply(session, model, ("consume", name, "alone"), row_ids)


@settings(max_examples=15, deadline=None)
@given(
    initial=st.lists(VALUES, min_size=1, max_size=4),
    history=st.lists(OPS.filter(lambda o: o[0] != "consume"), max_size=6),
)
def test_show_initial_rows_returns_the_table_as_inserts(initial: list[str], history: list[tuple[object, ...]]) -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        for table in ("SINK", "SINK2"):
            session.sql(f"CREATE TABLE {table} (ID INT, VAL VARCHAR, A VARCHAR, U BOOLEAN, R VARCHAR)").collect()
        model = Model()
        apply(session, model, ("insert", initial), {})
        session.sql("CREATE STREAM S ON TABLE T SHOW_INITIAL_ROWS = TRUE").collect()
        model.streams["S"] = StreamModel({})  # the initial rows count as inserted after the offset
        for op in history:
            apply(session, model, op, {})
        apply(session, model, ("consume", "S", "alone"), {})
