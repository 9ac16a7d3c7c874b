"""The graph of dynamic tables: who reads whom, what is suspended, and when each refresh falls due."""

from __future__ import annotations

from datetime import datetime, timedelta

from moviecdc.local.core.names import ObjectName
from moviecdc.local.dynamic_tables.catalog import DynamicTable

Tables = dict[ObjectName, DynamicTable]


def due(table: DynamicTable, tables: Tables) -> datetime | None:
    if table.lag_seconds is None or suspended(table, tables):
        return None
    base = table.lag_base or table.created_on.replace(microsecond=0)  # see refresh_runs.lag_base
    return base + timedelta(seconds=table.lag_seconds)


def upstream(table: DynamicTable, tables: Tables) -> list[DynamicTable]:
    return [tables[s.name] for s in table.sources if s.name in tables]


def suspended(table: DynamicTable, tables: Tables) -> bool:
    """Suspended itself, or reading (through any depth) a suspended table (Snowflake: UPSTREAM_SUSPENDED)."""
    return table.suspended or any(suspended(up, tables) for up in upstream(table, tables))


def with_upstream(roots: list[DynamicTable], tables: Tables) -> list[DynamicTable]:
    """``roots`` and every dynamic table they read, each once, upstream before downstream."""
    order: list[DynamicTable] = []
    seen: set[ObjectName] = set()

    def visit(table: DynamicTable) -> None:
        if table.name in seen:
            return
        seen.add(table.name)
        for up in upstream(table, tables):
            visit(up)
        order.append(table)

    for root in roots:
        visit(root)
    return order
