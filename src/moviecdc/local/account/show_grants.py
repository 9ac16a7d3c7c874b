"""SHOW GRANTS and SHOW FUTURE GRANTS, from the grants :mod:`.grants` recorded.

Forms and columns: https://docs.snowflake.com/en/sql-reference/sql/show-grants; ``TO USER`` has the columns of
the 2025_01 bundle (https://docs.snowflake.com/en/release-notes/bcr-bundles/2025_01/bcr-1803), ``ON <object>``
ends with ``granted_by_role_type`` (https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_04/bcr-754).
Ownership that Snowflake grants implicitly to the creating role is not recorded, so it is not listed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.account import grants, roles, store, users
from moviecdc.local.account.clauses import account_name, does_not_exist
from moviecdc.local.core.results import Result, from_records
from moviecdc.local.core.tokens import Tokens

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_UTC = pa.timestamp("us", tz="UTC")
_S = pa.string()
PRIVILEGE_COLUMNS = (
    ("created_on", _UTC), ("privilege", _S), ("granted_on", _S), ("name", _S), ("granted_to", _S),
    ("grantee_name", _S), ("grant_option", _S), ("granted_by", _S),
)  # fmt: skip
OF_ROLE_COLUMNS = (("created_on", _UTC), ("role", _S), ("granted_to", _S), ("grantee_name", _S), ("granted_by", _S))
TO_USER_COLUMNS = (
    ("created_on", _UTC), ("privilege", _S), ("granted_on", _S), ("name", _S), ("role", _S), ("granted_to", _S),
    ("grantee_name", _S), ("grant_option", _S), ("granted_by", _S),
)  # fmt: skip
FUTURE_COLUMNS = (
    ("created_on", _UTC), ("privilege", _S), ("grant_on", _S), ("name", _S), ("grant_to", _S), ("grantee_name", _S),
    ("grant_option", _S),
)  # fmt: skip

_SELECT = (
    "SELECT CREATED_ON, PRIVILEGE, GRANTED_ON, NAME, GRANTED_TO, GRANTEE_NAME, GRANT_OPTION, GRANTED_BY "
    "FROM {T}.GRANTS WHERE "
)
_ORDER = " ORDER BY GRANTED_ON, NAME, PRIVILEGE, GRANTED_TO, GRANTEE_NAME"


def _result(columns: tuple[tuple[str, pa.DataType], ...], records: list[tuple[Any, ...]]) -> Result:
    return from_records([c for c, _ in columns], records, [t for _, t in columns])


def _privilege_rows(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(_utc(r[0]), r[1], r[2], r[3], r[4], r[5], str(bool(r[6])).lower(), r[7]) for r in found]


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW GRANTS [ON ACCOUNT | ON <kind> <name> | TO ROLE r | TO USER u | OF ROLE r]; SHOW FUTURE GRANTS IN …"""
    t = Tokens(statement.text)
    t.expect("SHOW")
    if t.accept("FUTURE", "GRANTS", "IN"):
        return _future(engine, t)
    t.expect("GRANTS")
    if t.done:
        return _to_user(engine, store.LOCAL_USER)
    if t.accept("TO"):
        return _to(engine, t)
    if t.accept("OF", "ROLE"):
        role = account_name(t)
        roles.require(engine, role)
        _finish(t)
        found = store.rows(
            engine,
            "SELECT CREATED_ON, NAME, GRANTED_TO, GRANTEE_NAME, GRANTED_BY FROM {T}.GRANTS "
            "WHERE GRANTED_ON = 'ROLE' AND NAME = ? ORDER BY GRANTED_TO, GRANTEE_NAME",
            [role],
        )
        return _result(OF_ROLE_COLUMNS, [(_utc(r[0]), *r[1:]) for r in found])
    if t.accept("ON"):
        return _on(engine, t)
    raise UnsupportedSqlError(f"SHOW GRANTS {t.rest()} is not supported by the local engine.")


def _to(engine: Engine, t: Tokens) -> Result:
    if t.accept("ROLE"):
        role = account_name(t)
        roles.require(engine, role)
        _finish(t)
        found = store.rows(engine, _SELECT + "GRANTED_TO = 'ROLE' AND GRANTEE_NAME = ?" + _ORDER, [role])
        return _result(PRIVILEGE_COLUMNS, _privilege_rows(found))
    t.expect("USER")
    user = account_name(t)
    _finish(t)
    if not users.exists(engine, user):
        raise does_not_exist("User", user)
    return _to_user(engine, user)


def _on(engine: Engine, t: Tokens) -> Result:
    target = grants.parse_target(engine, t)
    _finish(t)
    if target.future is not None or len(target.objects) != 1:
        raise UnsupportedSqlError("SHOW GRANTS ON ALL | FUTURE … is not Snowflake syntax; use SHOW FUTURE GRANTS IN ….")
    kind, name = target.objects[0]
    found = store.rows(engine, _SELECT + "GRANTED_ON = ? AND NAME = ?" + _ORDER, [kind, name])
    if kind == "ACCOUNT":
        return _result(PRIVILEGE_COLUMNS, _privilege_rows(found))
    columns = (*PRIVILEGE_COLUMNS, ("granted_by_role_type", _S))
    return _result(columns, [(*r, "ROLE") for r in _privilege_rows(found)])


def _to_user(engine: Engine, user: str) -> Result:
    found = store.rows(
        engine,
        "SELECT CREATED_ON, PRIVILEGE, GRANTED_ON, NAME, GRANTED_TO, GRANTEE_NAME, GRANT_OPTION, GRANTED_BY "
        "FROM {T}.GRANTS WHERE GRANTED_TO = 'USER' AND GRANTEE_NAME = ?" + _ORDER,
        [user],
    )
    records = [
        (_utc(r[0]), r[1], r[2], r[3], r[3] if r[2] == "ROLE" else None, r[4], r[5], str(bool(r[6])).lower(), r[7])
        for r in found
    ]
    return _result(TO_USER_COLUMNS, records)


def _future(engine: Engine, t: Tokens) -> Result:
    scope_kind = "DATABASE" if t.accept("DATABASE") else "SCHEMA"
    if scope_kind == "SCHEMA":
        t.expect("SCHEMA")
    # The scope is read (and checked to exist) as GRANT reads it.
    future = grants.parse_target(engine, Tokens(f"FUTURE TABLES IN {scope_kind} {t.rest()}")).future
    assert future is not None
    found = store.rows(
        engine,
        "SELECT CREATED_ON, PRIVILEGE, GRANT_ON, GRANT_TO, GRANTEE_NAME, GRANT_OPTION FROM {T}.FUTURE_GRANTS "
        "WHERE SCOPE_KIND = ? AND SCOPE_NAME = ? ORDER BY GRANT_ON, PRIVILEGE, GRANT_TO, GRANTEE_NAME",
        [scope_kind, future[2]],
    )
    records = [(_utc(r[0]), r[1], r[2], f"{future[2]}.<{r[2]}>", r[3], r[4], str(bool(r[5])).lower()) for r in found]
    return _result(FUTURE_COLUMNS, records)


def _finish(t: Tokens) -> None:
    if not t.done:
        raise UnsupportedSqlError(f"SHOW GRANTS clause {t.rest()!r} is not supported by the local engine.")


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
