"""SHOW DYNAMIC TABLES: Snowflake's columns (lower case), one row per dynamic table, sorted by name."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pyarrow as pa

from moviecdc.local.core.results import Result, from_records
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog
from moviecdc.local.dynamic_tables.graph import suspended

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_TZ = pa.timestamp("us", tz="UTC")
SHOW_COLUMNS = (
    ("created_on", _TZ), ("name", pa.string()), ("reserved", pa.string()), ("database_name", pa.string()),
    ("schema_name", pa.string()), ("cluster_by", pa.string()), ("rows", pa.int64()), ("bytes", pa.int64()),
    ("owner", pa.string()), ("target_lag", pa.string()), ("refresh_mode", pa.string()),
    ("refresh_mode_reason", pa.string()), ("warehouse", pa.string()), ("comment", pa.string()), ("text", pa.string()),
    ("automatic_clustering", pa.string()), ("scheduling_state", pa.string()), ("last_suspended_on", _TZ),
    ("is_clone", pa.string()), ("is_replica", pa.string()), ("is_iceberg", pa.string()), ("data_timestamp", _TZ),
    ("owner_role_type", pa.string()),
)  # fmt: skip


def show(engine: Engine, statement: Statement) -> Result:
    selected = parse_show(engine, statement.text, ("DYNAMIC", "TABLES"))
    tables = dynamic_catalog.load(engine)
    rows = []
    for table in sorted(tables.values(), key=lambda t: (t.name.name, t.name.database, t.name.schema)):
        if not selected.matches(table.name):
            continue
        tracked = engine.tracked_by_uid(table.database, table.storage_uid)
        count = engine.con.execute(f"SELECT count(*) FROM {tracked.data.sql}").fetchall()[0][0] if tracked else None
        rows.append((
            _utc(table.created_on), table.name.name, "", table.database, table.name.schema, "", count, None,
            "SYSADMIN", table.target_lag, table.refresh_mode, table.mode_reason, table.warehouse, table.comment or "",
            table.text, "OFF", "SUSPENDED" if suspended(table, tables) else "ACTIVE",
            _utc(table.last_suspended_on), "false", "false", "false", _utc(table.data_timestamp), "ROLE",
        ))  # fmt: skip
    if selected.limit is not None:
        rows = rows[: selected.limit]
    return from_records([c for c, _ in SHOW_COLUMNS], rows, [t for _, t in SHOW_COLUMNS])


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
