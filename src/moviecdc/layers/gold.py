"""Gold: one row per movie with its bookings, tickets sold, revenue and cancellations.

Every measure is declared in :mod:`moviecdc.schema` (``Metric``); ``REFRESH_TIMESTAMP`` is the newest
``LATEST_CHANGE_TIMESTAMP`` among the movie's bookings, computed from data rather than
``CURRENT_TIMESTAMP()``, so Gold qualifies for ``REFRESH_MODE = INCREMENTAL``.
"""

from __future__ import annotations

from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F
from sqlglot import exp

from moviecdc import sql
from moviecdc.config import GoldRefresh
from moviecdc.identifiers import QualifiedName
from moviecdc.layers.base import Layer, create_dynamic_table, drop_dynamic_table, drop_task, suspend_task
from moviecdc.layers.expressions import metric_column, metric_sql, snowpark_type
from moviecdc.sql import Statement, StatementKind


class GoldLayer(Layer):
    """``MOVIES_BOOKING_INSIGHTS``, refreshed by its target lag or, if configured, by a task."""

    def statements(self) -> list[Statement]:
        gold, task = self.config.name("gold_table"), self.config.name("gold_refresh_task")
        statements = [create_dynamic_table(gold, self.gold_sql(), self.config.effective_gold_lag, self.config)]
        if self.config.gold_refresh is GoldRefresh.TASK:
            create_task = sql.create_task(
                task,
                body=sql.alter_dynamic_table(gold, "REFRESH"),
                schedule=self.config.gold_refresh_schedule,
                warehouse=self.config.warehouse,
                suspend_after_failures=self.config.suspend_task_after_num_failures,
            )
            statements += [suspend_task(task), Statement(StatementKind.CREATE_TASK, task, create_task)]
        else:
            # Converge: a refresh task left by an earlier deploy in task mode would keep refreshing Gold.
            statements.append(drop_task(task))
        return statements

    def teardown_statements(self, *, drop_data: bool = False) -> list[Statement]:
        task = self.config.name("gold_refresh_task")
        return [drop_task(task), drop_dynamic_table(self.config.name("gold_table"))]

    @property
    def tasks(self) -> list[QualifiedName]:
        return [self.config.name("gold_refresh_task")] if self.config.gold_refresh is GoldRefresh.TASK else []

    def gold_sql(self) -> sql.Fragment:
        group = sql.column(self.schema.group_by)
        query = (
            exp.select(group, *(metric_sql(m) for m in self.schema.metrics))
            .from_(sql.table(self.config.name("silver_table")))
            .group_by(group.copy())
        )
        return sql.render(query)

    def transform(self, silver_df: DataFrame) -> DataFrame:
        """Gold from a Silver DataFrame."""
        group = F.col(sql.quote_name(self.schema.group_by))
        aggregated = silver_df.group_by(group).agg(*(metric_column(m) for m in self.schema.metrics))
        return aggregated.select(
            group,
            *(
                F.col(sql.quote_name(m.name)).cast(snowpark_type(m.type)).alias(sql.quote_name(m.name))
                for m in self.schema.metrics
            ),
        )
