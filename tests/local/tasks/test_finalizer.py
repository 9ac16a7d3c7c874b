"""Finalizer tasks (``CREATE TASK … FINALIZE = <root>``): the last task of every graph run, whatever happened.

https://docs.snowflake.com/en/user-guide/tasks-graphs ("Finalizer task": it runs after all other tasks of the graph
run complete, or fail to complete; it is associated with one root task, a root has at most one, it has no child
tasks) and https://docs.snowflake.com/en/sql-reference/sql/alter-task (``SET | UNSET FINALIZE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE LOG (STEP VARCHAR)").collect()
        s.sql("CREATE TASK ROOT SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES ('root')").collect()
        s.sql("CREATE TASK CHILD AFTER ROOT AS INSERT INTO LOG VALUES ('child')").collect()
        s.sql("CREATE TASK FIN FINALIZE = ROOT AS INSERT INTO LOG VALUES ('finalizer')").collect()
        yield s


def steps(session: LocalSession) -> list[str]:
    return [r[0] for r in session.sql("SELECT STEP FROM LOG").collect()]


def runs(session: LocalSession) -> list[tuple[str, str, datetime]]:
    rows = session.sql(
        "SELECT NAME, STATE, SCHEDULED_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY COMPLETED_TIME"
    ).collect()
    return [(r[0], r[1], r[2].astimezone(timezone.utc).replace(tzinfo=None)) for r in rows]


def resume_all(session: LocalSession) -> None:
    for task in ("CHILD", "FIN", "ROOT"):
        session.sql(f"ALTER TASK {task} RESUME").collect()


def test_the_finalizer_runs_last_in_every_graph_run(session: LocalSession) -> None:
    resume_all(session)
    session.advance(minutes=2)
    assert steps(session) == ["root", "child", "finalizer"] * 2
    assert [(n, s) for n, s, _ in runs(session)] == [
        ("ROOT", "SUCCEEDED"), ("CHILD", "SUCCEEDED"), ("FIN", "SUCCEEDED"),
    ] * 2  # fmt: skip


def test_the_finalizer_runs_when_a_task_failed(session: LocalSession) -> None:
    session.sql("ALTER TASK CHILD MODIFY AS INSERT INTO LOG SELECT CAST(1 / 0 AS VARCHAR)").collect()
    resume_all(session)
    session.advance(minutes=1)
    assert steps(session) == ["root", "finalizer"]
    assert [(n, s) for n, s, _ in runs(session)] == [("ROOT", "SUCCEEDED"), ("CHILD", "FAILED"), ("FIN", "SUCCEEDED")]


def test_the_finalizer_runs_when_the_root_failed(session: LocalSession) -> None:
    session.sql("ALTER TASK ROOT MODIFY AS INSERT INTO LOG SELECT CAST(1 / 0 AS VARCHAR)").collect()
    resume_all(session)
    session.advance(minutes=1)
    assert steps(session) == ["finalizer"]


def test_a_suspended_finalizer_does_not_run(session: LocalSession) -> None:
    session.sql("ALTER TASK ROOT RESUME").collect()
    session.advance(minutes=1)
    assert steps(session) == ["root"]


def test_show_tasks_relates_root_and_finalizer(session: LocalSession) -> None:
    rows = {r["name"]: r["task_relations"] for r in session.sql("SHOW TASKS").collect()}
    assert rows["ROOT"] == '{"Predecessors": [], "FinalizerTask": "MOVIES.PUBLIC.FIN"}'
    assert rows["FIN"] == '{"Predecessors": [], "FinalizedRootTask": "MOVIES.PUBLIC.ROOT"}'


def test_finalizer_rules(session: LocalSession) -> None:
    for statement, message in (
        ("CREATE TASK F2 FINALIZE = ROOT AS SELECT 1", "already has the finalizer task MOVIES.PUBLIC.FIN"),
        ("CREATE TASK F3 FINALIZE = CHILD AS SELECT 1", "only the root task of a graph can have a finalizer"),
        ("CREATE TASK F4 AFTER FIN AS SELECT 1", "a finalizer cannot have child tasks"),
        ("CREATE TASK F5 FINALIZE = NOPE AS SELECT 1", "Task 'MOVIES.PUBLIC.NOPE' .in FINALIZE. does not exist"),
        ("EXECUTE TASK FIN", "it is the finalizer of MOVIES.PUBLIC.ROOT"),
    ):
        with pytest.raises(LocalEngineError, match=message):
            session.sql(statement).collect()
    session.sql("ALTER TASK ROOT RESUME").collect()
    with pytest.raises(LocalEngineError, match=r"Unable to update graph with root task MOVIES.PUBLIC.ROOT"):
        session.sql("ALTER TASK FIN RESUME").collect()


def test_alter_set_and_unset_finalize(session: LocalSession) -> None:
    session.sql("ALTER TASK FIN UNSET FINALIZE").collect()
    session.sql("CREATE TASK F2 AS INSERT INTO LOG VALUES ('f2')").collect()
    session.sql("ALTER TASK F2 SET FINALIZE = MOVIES.PUBLIC.ROOT").collect()
    session.sql("ALTER TASK F2 RESUME").collect()
    session.sql("EXECUTE TASK ROOT").collect()
    assert steps(session) == ["root", "f2"]
