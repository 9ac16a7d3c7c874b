"""What every layer shares: its config, the entity schema, and statement helpers."""

from __future__ import annotations

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.identifiers import QualifiedName
from moviecdc.schema import BOOKINGS, EntitySchema, Rule
from moviecdc.sql import Statement, StatementKind


class Layer:
    """A pipeline layer: the objects it owns as DDL, and its transformation as DataFrame code."""

    def __init__(self, config: PipelineConfig | None = None, schema: EntitySchema = BOOKINGS) -> None:
        self.config = config or PipelineConfig()
        self.schema = schema

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The validation rules in the order they are checked: the schema's, then the config's business bounds."""
        return (*self.schema.rules, *self.config.bound_rules)

    def statements(self) -> list[Statement]:
        """The ordered statements that create (or converge) this layer's objects."""
        raise NotImplementedError

    def teardown_statements(self, *, drop_data: bool = False) -> list[Statement]:
        """The ordered statements that remove this layer's objects (data only if ``drop_data``)."""
        raise NotImplementedError

    @property
    def tasks(self) -> list[QualifiedName]:
        """Tasks this layer owns, root tasks last (the order to resume them in)."""
        return []


def suspend_task(name: QualifiedName) -> Statement:
    return Statement(StatementKind.SUSPEND_TASK, name, sql.alter_task(name, "SUSPEND", if_exists=True))


def resume_task(name: QualifiedName) -> Statement:
    return Statement(StatementKind.RESUME_TASK, name, sql.alter_task(name, "RESUME"))


def execute_task(name: QualifiedName) -> Statement:
    return Statement(StatementKind.EXECUTE_TASK, name, sql.execute_task(name))


def refresh_dynamic_table(name: QualifiedName) -> Statement:
    return Statement(StatementKind.REFRESH_DYNAMIC_TABLE, name, sql.alter_dynamic_table(name, "REFRESH"))


def drop_task(name: QualifiedName) -> Statement:
    return Statement(StatementKind.DROP_TASK, name, sql.drop("TASK", name))


def drop_dynamic_table(name: QualifiedName) -> Statement:
    return Statement(StatementKind.DROP_DYNAMIC_TABLE, name, sql.drop("DYNAMIC TABLE", name))


def create_dynamic_table(
    name: QualifiedName, query: sql.Fragment, target_lag: str, config: PipelineConfig
) -> Statement:
    warehouse = config.dt_warehouse
    assert warehouse is not None  # guaranteed by PipelineConfig's validator
    text = sql.create_dynamic_table(
        name, query=query, target_lag=target_lag, warehouse=warehouse, refresh_mode=config.refresh_mode.value
    )
    return Statement(StatementKind.CREATE_DYNAMIC_TABLE, name, text)
