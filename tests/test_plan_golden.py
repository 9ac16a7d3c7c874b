"""The DDL moviecdc sends, compared verbatim with tests/golden/*.sql (regenerate: pytest --update-golden)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from moviecdc import Pipeline, PipelineConfig, Statement, StatementKind
from moviecdc import sql as moviecdc_sql

GOLDEN = Path(__file__).parent / "golden"

EVERY_OPTION_CHANGED = PipelineConfig(
    database="analytics",
    schema_name='"Cdc Demo"',
    create_database=False,
    warehouse=None,
    dynamic_table_warehouse="transform_wh",
    raw_table="bookings_raw",
    stream="bookings_raw_changes",
    bronze_table="bookings_bronze",
    ingest_task="ingest_bookings",
    silver_table="bookings_silver",
    rejected_table="bookings_rejected",
    gold_table="bookings_gold",
    gold_refresh_task="refresh_bookings_gold",
    ingest_schedule="USING CRON */5 * * * * UTC",
    silver_target_lag="1 minute",
    rejected_target_lag="10 minutes",
    gold_target_lag="5 minutes",
    gold_refresh="task",
    gold_refresh_schedule="3 MINUTES",
    refresh_mode="FULL",
    suspend_task_after_num_failures=3,
)

PLANS = {
    "default_plan.sql": lambda: Pipeline(None).plan(),
    "custom_plan.sql": lambda: Pipeline(None, EVERY_OPTION_CHANGED).plan(),
    "default_teardown.sql": lambda: Pipeline(None).teardown_plan(),
    "custom_teardown_drop_data.sql": lambda: Pipeline(None, EVERY_OPTION_CHANGED).teardown_plan(drop_data=True),
}


def as_script(statements: list[Statement]) -> str:
    return "".join(f"-- {n}. {s.summary}\n{s.sql};\n\n" for n, s in enumerate(statements, start=1))


@pytest.mark.parametrize("filename", sorted(PLANS))
def test_plan_matches_golden_file(filename: str, update_golden: bool) -> None:
    actual = as_script(PLANS[filename]())
    path = GOLDEN / filename
    if update_golden:
        path.write_text(actual)
    assert actual == path.read_text()


def test_default_plan_order() -> None:
    kinds = [(s.kind, str(s.target)) for s in Pipeline(None).plan()]
    q = '"MOVIES"."PUBLIC".'
    assert kinds == [
        (StatementKind.CREATE_DATABASE, "MOVIES"),
        (StatementKind.CREATE_SCHEMA, "MOVIES.PUBLIC"),
        (StatementKind.CREATE_TABLE, q + '"RAW_MOVIES_BOOKING"'),
        (StatementKind.CREATE_STREAM, q + '"RAW_MOVIES_BOOKING_STREAM"'),
        (StatementKind.CREATE_TABLE, q + '"MOVIES_BOOKING_CDC_EVENTS"'),
        (StatementKind.SUSPEND_TASK, q + '"INGEST_MOVIES_BOOKING_CDC_EVENTS"'),
        (StatementKind.CREATE_TASK, q + '"INGEST_MOVIES_BOOKING_CDC_EVENTS"'),
        (StatementKind.CREATE_DYNAMIC_TABLE, q + '"MOVIES_BOOKING_FILTERED"'),
        (StatementKind.CREATE_DYNAMIC_TABLE, q + '"MOVIES_BOOKING_REJECTED"'),
        (StatementKind.CREATE_DYNAMIC_TABLE, q + '"MOVIES_BOOKING_INSIGHTS"'),
        (StatementKind.DROP_TASK, q + '"REFRESH_MOVIES_BOOKING_INSIGHTS"'),
        (StatementKind.RESUME_TASK, q + '"INGEST_MOVIES_BOOKING_CDC_EVENTS"'),
    ]


def test_plan_never_replaces_or_drops_data_objects() -> None:
    for statement in Pipeline(None, EVERY_OPTION_CHANGED).plan() + Pipeline(None).plan():
        assert "OR REPLACE" not in statement.sql
        if statement.kind in (StatementKind.CREATE_TABLE, StatementKind.CREATE_STREAM):
            assert " IF NOT EXISTS " in statement.sql
        if statement.kind in (StatementKind.CREATE_TASK, StatementKind.CREATE_DYNAMIC_TABLE):
            assert statement.sql.startswith("CREATE OR ALTER ")
        assert not statement.kind.value.startswith("DROP") or statement.kind is StatementKind.DROP_TASK


def _parts(statement: Statement) -> list[str]:
    """The statement itself if sqlglot models it; else the SQL embedded after AS (a task body or a query)."""
    parsed = sqlglot.parse_one(statement.sql, read="snowflake")
    if isinstance(parsed, exp.Command) or statement.kind is StatementKind.CREATE_DYNAMIC_TABLE:
        _, sep, body = statement.sql.partition("\nAS\n")
        return [body] if sep else []
    return [statement.sql]


@pytest.mark.parametrize("config", [PipelineConfig(), EVERY_OPTION_CHANGED], ids=["default", "custom"])
def test_every_modelled_statement_parses_back_to_itself(config: PipelineConfig) -> None:
    checked = 0
    for statement in Pipeline(None, config).plan() + Pipeline(None, config).teardown_plan(drop_data=True):
        for text in _parts(statement):
            parsed = sqlglot.parse_one(text, read="snowflake")
            if isinstance(parsed, exp.Command):
                continue  # e.g. a task body that is itself ALTER DYNAMIC TABLE ... REFRESH
            assert moviecdc_sql.render(parsed) == text
            checked += 1
    assert checked >= 8  # tables, drops, and the bodies of the task and the three dynamic tables


def test_template_slots_refuse_plain_strings() -> None:
    with pytest.raises(TypeError, match="slot 'name' takes a rendered Fragment, not str"):
        moviecdc_sql._fill("DROP TASK {name}", name='"X"; DROP DATABASE Y')  # type: ignore[arg-type]


def test_keywords_come_from_a_closed_set() -> None:
    with pytest.raises(ValueError, match="is not one of INCREMENTAL, FULL, AUTO"):
        moviecdc_sql.keyword("INCREMENTAL; DROP", moviecdc_sql.REFRESH_MODES)


def test_incremental_blockers_are_absent() -> None:
    for statement in Pipeline(None).plan():
        if statement.kind is StatementKind.CREATE_DYNAMIC_TABLE:
            query = statement.sql.partition("\nAS\n")[2].upper()
            for blocker in ("CURRENT_TIMESTAMP", "SYSDATE", "RANDOM(", "LIMIT", "EXCEPT", "MINUS", "UUID_STRING"):
                assert blocker not in query
