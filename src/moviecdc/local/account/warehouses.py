"""CREATE / ALTER / DROP / USE / SHOW WAREHOUSE.

A warehouse runs nothing locally (DuckDB is the compute): it is recorded with the properties Snowflake shows,
and ``USE WAREHOUSE`` of one that does not exist fails as in Snowflake. The properties and sizes follow
https://docs.snowflake.com/en/sql-reference/sql/create-warehouse and
https://docs.snowflake.com/en/sql-reference/sql/alter-warehouse; SHOW's columns
https://docs.snowflake.com/en/sql-reference/sql/show-warehouses.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.account import context, store
from moviecdc.local.account.clauses import (
    Value,
    account_name,
    already_dropped,
    already_exists,
    created,
    does_not_exist,
    dropped,
    if_exists,
    if_not_exists,
    object_exists,
    parse_account_show,
    properties,
    target,
)
from moviecdc.local.core.results import SUCCESS, Result, from_records, status
from moviecdc.local.core.tokens import Tokens

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_SIZES = {
    "XSMALL": "X-Small", "X-SMALL": "X-Small", "SMALL": "Small", "MEDIUM": "Medium", "LARGE": "Large",
    "XLARGE": "X-Large", "X-LARGE": "X-Large", "XXLARGE": "2X-Large", "X2LARGE": "2X-Large", "2X-LARGE": "2X-Large",
    "XXXLARGE": "3X-Large", "X3LARGE": "3X-Large", "3X-LARGE": "3X-Large", "X4LARGE": "4X-Large",
    "4X-LARGE": "4X-Large", "X5LARGE": "5X-Large", "5X-LARGE": "5X-Large", "X6LARGE": "6X-Large",
    "6X-LARGE": "6X-Large",
}  # fmt: skip
# Properties SHOW WAREHOUSES shows, by column of the WAREHOUSES table; the object parameters beside them are
# accepted and kept in SETTINGS (they change nothing locally: no query waits for a warehouse here).
_COLUMNS = {
    "WAREHOUSE_SIZE": "SIZE", "MIN_CLUSTER_COUNT": "MIN_CLUSTER_COUNT", "MAX_CLUSTER_COUNT": "MAX_CLUSTER_COUNT",
    "AUTO_SUSPEND": "AUTO_SUSPEND", "AUTO_RESUME": "AUTO_RESUME", "SCALING_POLICY": "SCALING_POLICY",
    "ENABLE_QUERY_ACCELERATION": "ENABLE_QUERY_ACCELERATION",
    "QUERY_ACCELERATION_MAX_SCALE_FACTOR": "QUERY_ACCELERATION_MAX_SCALE_FACTOR",
    "RESOURCE_MONITOR": "RESOURCE_MONITOR", "WAREHOUSE_TYPE": "TYPE", "COMMENT": "COMMENT",
}  # fmt: skip
_PARAMETERS = (
    "MAX_CONCURRENCY_LEVEL", "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "STATEMENT_TIMEOUT_IN_SECONDS",
    "RESOURCE_CONSTRAINT", "GENERATION", "INITIALLY_SUSPENDED",
)  # fmt: skip
_DEFAULTS: dict[str, Any] = {
    "SIZE": "X-Small", "MIN_CLUSTER_COUNT": 1, "MAX_CLUSTER_COUNT": 1, "AUTO_SUSPEND": 600, "AUTO_RESUME": True,
    "SCALING_POLICY": "STANDARD", "ENABLE_QUERY_ACCELERATION": False, "QUERY_ACCELERATION_MAX_SCALE_FACTOR": 8,
    "RESOURCE_MONITOR": None, "TYPE": "STANDARD", "COMMENT": None,
}  # fmt: skip


def _column_value(key: str, value: Value | None) -> Any:
    column = _COLUMNS[key]
    if value is None or value.upper == "NULL":
        return _DEFAULTS[column]
    if column == "SIZE":
        size = _SIZES.get(value.upper)
        if size is None:
            raise LocalEngineError(
                f"SQL compilation error:\ninvalid value '{value.text}' for property 'WAREHOUSE_SIZE'"
            )
        return size
    if column in ("AUTO_RESUME", "ENABLE_QUERY_ACCELERATION"):
        return value.flag()
    if column in ("MIN_CLUSTER_COUNT", "MAX_CLUSTER_COUNT", "AUTO_SUSPEND", "QUERY_ACCELERATION_MAX_SCALE_FACTOR"):
        return int(value.text)
    if column in ("TYPE", "SCALING_POLICY"):
        return value.upper
    return value.text


def _check_keys(given: dict[str, Value]) -> None:
    for key in given:
        if key not in _COLUMNS and key not in _PARAMETERS:
            raise UnsupportedSqlError(f"Warehouse property {key} is not supported by the local engine.")


def exists(engine: Engine, name: str) -> bool:
    return bool(store.rows(engine, "SELECT 1 FROM {T}.WAREHOUSES WHERE NAME = ?", [name]))


def create(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] WAREHOUSE [IF NOT EXISTS] name [WITH] [props]; it becomes the session's warehouse
    ("Creating a warehouse automatically sets it as the active/current warehouse for the current session")."""
    t = Tokens(statement.text)
    t.expect("CREATE")
    replace = t.accept("OR", "REPLACE")
    t.expect("WAREHOUSE")
    quiet = if_not_exists(t)
    name = account_name(t)
    t.accept("WITH")
    given = properties(t, stop=("TAG",))
    if t.accept("TAG"):
        raise UnsupportedSqlError(
            "WITH TAG on CREATE WAREHOUSE is not supported by the local engine; use ALTER … SET TAG."
        )
    _check_keys(given)
    if exists(engine, name) and not replace:
        if quiet:
            return status(already_exists(name))
        raise object_exists(name)
    now = engine.now()
    values = {column: _column_value(key, given.get(key)) for key, column in _COLUMNS.items()}
    state = "SUSPENDED" if "INITIALLY_SUSPENDED" in given and given["INITIALLY_SUSPENDED"].flag() else "STARTED"
    columns = ", ".join(values)
    store.write(
        engine,
        [
            ("DELETE FROM {T}.WAREHOUSES WHERE NAME = ?", [name]),
            ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'WAREHOUSE' AND OBJECT_NAME = ?", [name]),
            (
                f"INSERT INTO {{T}}.WAREHOUSES (NAME, STATE, OWNER, CREATED_ON, RESUMED_ON, UPDATED_ON, {columns}) "
                f"VALUES (?, ?, ?, ?, ?, ?{', ?' * len(values)})",
                [name, state, context.of(engine).role, now, now, now, *values.values()],
            ),
            *_parameter_writes(name, given),
        ],
    )
    context.of(engine).warehouse = name
    return status(created("Warehouse", name))


def _parameter_writes(name: str, given: dict[str, Value]) -> list[tuple[str, list[Any]]]:
    return [
        (
            "INSERT INTO {T}.SETTINGS VALUES ('WAREHOUSE', ?, ?, ?)",
            [name, key, value.text],
        )
        for key, value in given.items()
        if key in _PARAMETERS and key != "INITIALLY_SUSPENDED"
    ]


def alter(engine: Engine, statement: Statement) -> Result:
    """ALTER WAREHOUSE [IF EXISTS] name SUSPEND | RESUME [IF SUSPENDED] | ABORT ALL QUERIES | RENAME TO n
    | SET props | UNSET names."""
    t = Tokens(statement.text)
    t.expect("ALTER", "WAREHOUSE")
    quiet = if_exists(t)
    name = account_name(t) if not (t.peek("SUSPEND") or t.peek("RESUME") or t.peek("SET")) else None
    name = name or context.of(engine).warehouse
    if name is None or not exists(engine, name):
        if quiet and name is not None:
            return status(SUCCESS)
        raise does_not_exist("Warehouse", name or "")
    writes = _action(engine, t, name)
    if not t.done:
        raise UnsupportedSqlError(f"ALTER WAREHOUSE clause {t.rest()!r} is not supported by the local engine.")
    if writes:
        store.write(engine, writes)
    return status(SUCCESS)


def _action(engine: Engine, t: Tokens, name: str) -> list[tuple[str, list[Any]]]:
    """The changes one ALTER WAREHOUSE action makes."""
    now = engine.now()
    if t.accept("SUSPEND"):
        return [("UPDATE {T}.WAREHOUSES SET STATE = 'SUSPENDED', UPDATED_ON = ? WHERE NAME = ?", [now, name])]
    if t.accept("RESUME"):
        t.accept("IF", "SUSPENDED")
        return [
            (
                "UPDATE {T}.WAREHOUSES SET STATE = 'STARTED', RESUMED_ON = ?, UPDATED_ON = ? WHERE NAME = ?",
                [now, now, name],
            )
        ]
    if t.accept("ABORT", "ALL", "QUERIES"):
        return []  # no query of the local engine ever waits on a warehouse
    if t.accept("RENAME", "TO"):
        new = account_name(t)
        if exists(engine, new):
            raise object_exists(new)
        if context.of(engine).warehouse == name:  # the statement cannot fail after this
            context.of(engine).warehouse = new
        return [
            ("UPDATE {T}.WAREHOUSES SET NAME = ?, UPDATED_ON = ? WHERE NAME = ?", [new, now, name]),
            (
                "UPDATE {T}.SETTINGS SET OBJECT_NAME = ? WHERE OBJECT_KIND = 'WAREHOUSE' AND OBJECT_NAME = ?",
                [new, name],
            ),
            ("UPDATE {T}.GRANTS SET NAME = ? WHERE GRANTED_ON = 'WAREHOUSE' AND NAME = ?", [new, name]),
        ]
    if t.accept("SET"):
        given = properties(t)
        _check_keys(given)
        return _set(name, dict[str, Value | None](given), now)
    if t.accept("UNSET"):
        keys = [k.strip().upper() for k in t.rest().split(",")]
        t.i = len(t.tokens)
        _check_keys({k: Value("") for k in keys})
        return _set(name, dict.fromkeys(keys), now)
    raise UnsupportedSqlError(f"ALTER WAREHOUSE … {t.rest()} is not supported by the local engine.")


def _set(name: str, given: dict[str, Value | None], now: datetime) -> list[tuple[str, list[Any]]]:
    writes: list[tuple[str, list[Any]]] = []
    for key, value in given.items():
        if key in _COLUMNS:
            writes.append(
                (f"UPDATE {{T}}.WAREHOUSES SET {_COLUMNS[key]} = ? WHERE NAME = ?", [_column_value(key, value), name])
            )
        else:
            writes.append(
                (
                    "DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'WAREHOUSE' AND OBJECT_NAME = ? AND SETTING = ?",
                    [name, key],
                )
            )
            if value is not None:
                writes.append(("INSERT INTO {T}.SETTINGS VALUES ('WAREHOUSE', ?, ?, ?)", [name, key, value.text]))
    writes.append(("UPDATE {T}.WAREHOUSES SET UPDATED_ON = ? WHERE NAME = ?", [now, name]))
    return writes


def drop(engine: Engine, statement: Statement) -> Result:
    """DROP WAREHOUSE [IF EXISTS] name."""
    t = Tokens(statement.text)
    found = target(t, "DROP", "WAREHOUSE", lambda n: exists(engine, n))
    name = found.name
    if found.missing:
        return status(already_dropped(name))
    store.write(
        engine,
        [
            ("DELETE FROM {T}.WAREHOUSES WHERE NAME = ?", [name]),
            ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'WAREHOUSE' AND OBJECT_NAME = ?", [name]),
            ("DELETE FROM {T}.GRANTS WHERE GRANTED_ON = 'WAREHOUSE' AND NAME = ?", [name]),
        ],
    )
    if context.of(engine).warehouse == name:
        context.of(engine).warehouse = None
    return status(dropped(name))


def use(engine: Engine, statement: Statement) -> Result:
    """USE WAREHOUSE name: Snowflake refuses a warehouse that does not exist (error 002043)."""
    t = Tokens(statement.text)
    t.expect("USE", "WAREHOUSE")
    name = account_name(t)
    if not exists(engine, name):
        raise LocalEngineError(
            "002043 (02000): SQL compilation error:\nObject does not exist, or operation cannot be performed."
        )
    context.of(engine).warehouse = name
    return status(SUCCESS)


_UTC = pa.timestamp("us", tz="UTC")
SHOW_COLUMNS = (
    ("name", pa.string()), ("state", pa.string()), ("type", pa.string()), ("size", pa.string()),
    ("min_cluster_count", pa.int64()), ("max_cluster_count", pa.int64()), ("started_clusters", pa.int64()),
    ("running", pa.int64()), ("queued", pa.int64()), ("is_default", pa.string()), ("is_current", pa.string()),
    ("auto_suspend", pa.int64()), ("auto_resume", pa.string()), ("available", pa.string()),
    ("provisioning", pa.string()), ("quiescing", pa.string()), ("other", pa.string()), ("created_on", _UTC),
    ("resumed_on", _UTC), ("updated_on", _UTC), ("owner", pa.string()), ("comment", pa.string()),
    ("enable_query_acceleration", pa.string()), ("query_acceleration_max_scale_factor", pa.int64()),
    ("resource_monitor", pa.string()), ("actives", pa.int64()), ("pendings", pa.int64()), ("failed", pa.int64()),
    ("suspended", pa.int64()), ("uuid", pa.string()), ("scaling_policy", pa.string()), ("budget", pa.string()),
    ("owner_role_type", pa.string()), ("resource_constraint", pa.string()),
)  # fmt: skip


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW WAREHOUSES [LIKE '…'] [STARTS WITH '…'] [LIMIT n]."""
    clauses = parse_account_show(statement.text, ("WAREHOUSES",))
    found = store.rows(
        engine,
        "SELECT NAME, STATE, TYPE, SIZE, MIN_CLUSTER_COUNT, MAX_CLUSTER_COUNT, AUTO_SUSPEND, AUTO_RESUME, "
        "CREATED_ON, RESUMED_ON, UPDATED_ON, OWNER, COMMENT, ENABLE_QUERY_ACCELERATION, "
        "QUERY_ACCELERATION_MAX_SCALE_FACTOR, RESOURCE_MONITOR, SCALING_POLICY FROM {T}.WAREHOUSES ORDER BY NAME",
    )
    default = store.rows(engine, "SELECT DEFAULT_WAREHOUSE FROM {T}.USERS WHERE NAME = ?", [store.LOCAL_USER])
    default_name = default[0][0] if default else None
    current = context.of(engine).warehouse
    records: list[tuple[Any, ...]] = []
    for index in clauses.select([str(r[0]) for r in found]):
        r = found[index]
        started = r[1] == "STARTED"
        records.append((
            r[0], r[1], r[2], r[3], r[4], r[5], r[4] if started else 0, 0, 0, "Y" if r[0] == default_name else "N",
            "Y" if r[0] == current else "N", r[6], str(r[7]).lower(), "", "", "", "", _utc(r[8]), _utc(r[9]),
            _utc(r[10]), r[11], r[12] or "", str(r[13]).lower(), r[14], r[15] or "null", 0, 0, 0, 0, "", r[16],
            None, "ROLE", None,
        ))  # fmt: skip
    return from_records([c for c, _ in SHOW_COLUMNS], records, [t for _, t in SHOW_COLUMNS])


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
