"""CREATE / ALTER / DROP / USE / SHOW ROLE, and USE SECONDARY ROLES.

Roles are recorded with the grants between them (:mod:`.grants`); they authorise nothing locally: access
control is not enforced. Syntax and columns: https://docs.snowflake.com/en/sql-reference/sql/create-role,
https://docs.snowflake.com/en/sql-reference/sql/use-role, https://docs.snowflake.com/en/sql-reference/sql/show-roles.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.account import context, store
from moviecdc.local.account.clauses import (
    account_name,
    already_dropped,
    already_exists,
    created,
    does_not_exist,
    dropped,
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


def exists(engine: Engine, name: str) -> bool:
    return bool(store.rows(engine, "SELECT 1 FROM {T}.ROLES WHERE NAME = ?", [name]))


def require(engine: Engine, name: str) -> None:
    if not exists(engine, name):
        raise does_not_exist("Role", name)


def create(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] ROLE [IF NOT EXISTS] name [COMMENT = '…']."""
    t = Tokens(statement.text)
    t.expect("CREATE")
    replace = t.accept("OR", "REPLACE")
    t.expect("ROLE")
    quiet = if_not_exists(t)
    name = account_name(t)
    given = properties(t)
    unknown = sorted(set(given) - {"COMMENT"})
    if unknown:
        raise UnsupportedSqlError(f"CREATE ROLE property {unknown[0]} is not supported by the local engine.")
    if exists(engine, name):
        if quiet and not replace:
            return status(already_exists(name))
        if not replace:
            raise object_exists(name)
        if name in store.SYSTEM_ROLES:
            raise LocalEngineError(f"SQL access control error:\nSystem role {name} cannot be replaced.")
    comment = given["COMMENT"].text if "COMMENT" in given else None
    store.write(
        engine,
        [
            ("DELETE FROM {T}.ROLES WHERE NAME = ?", [name]),
            *_forget_grants(name),
            ("INSERT INTO {T}.ROLES VALUES (?, ?, ?, ?)", [name, comment, context.of(engine).role, engine.now()]),
        ],
    )
    return status(created("Role", name))


def _forget_grants(name: str) -> list[tuple[str, list[Any]]]:
    return [
        ("DELETE FROM {T}.GRANTS WHERE GRANTED_TO = 'ROLE' AND GRANTEE_NAME = ?", [name]),
        ("DELETE FROM {T}.GRANTS WHERE GRANTED_ON = 'ROLE' AND NAME = ?", [name]),
    ]


def alter(engine: Engine, statement: Statement) -> Result:
    """ALTER ROLE [IF EXISTS] name RENAME TO new | SET COMMENT = '…' | UNSET COMMENT."""
    t = Tokens(statement.text)
    found = target(t, "ALTER", "ROLE", lambda n: exists(engine, n))
    name = found.name
    if found.missing:
        return status(SUCCESS)
    writes: list[tuple[str, list[Any]]]
    if t.accept("RENAME", "TO"):
        new = account_name(t)
        if exists(engine, new):
            raise object_exists(new)
        writes = [
            ("UPDATE {T}.ROLES SET NAME = ? WHERE NAME = ?", [new, name]),
            ("UPDATE {T}.GRANTS SET GRANTEE_NAME = ? WHERE GRANTED_TO = 'ROLE' AND GRANTEE_NAME = ?", [new, name]),
            ("UPDATE {T}.GRANTS SET NAME = ? WHERE GRANTED_ON = 'ROLE' AND NAME = ?", [new, name]),
        ]
        if context.of(engine).role == name:
            context.of(engine).role = new
    elif t.accept("SET", "COMMENT", "="):
        writes = [("UPDATE {T}.ROLES SET COMMENT = ? WHERE NAME = ?", [t.value().text, name])]
    elif t.accept("UNSET", "COMMENT"):
        writes = [("UPDATE {T}.ROLES SET COMMENT = NULL WHERE NAME = ?", [name])]
    else:
        raise UnsupportedSqlError(f"ALTER ROLE … {t.rest()} is not supported by the local engine.")
    if not t.done:
        raise UnsupportedSqlError(f"ALTER ROLE clause {t.rest()!r} is not supported by the local engine.")
    store.write(engine, writes)
    return status(SUCCESS)


def drop(engine: Engine, statement: Statement) -> Result:
    """DROP ROLE [IF EXISTS] name: its grants go with it."""
    t = Tokens(statement.text)
    found = target(t, "DROP", "ROLE", lambda n: exists(engine, n))
    name = found.name
    if found.missing:
        return status(already_dropped(name))
    if name in store.SYSTEM_ROLES:
        raise LocalEngineError(f"SQL access control error:\nSystem role {name} cannot be dropped.")
    store.write(engine, [("DELETE FROM {T}.ROLES WHERE NAME = ?", [name]), *_forget_grants(name)])
    if context.of(engine).role == name:
        context.of(engine).role = None
    return status(dropped(name))


def use(engine: Engine, statement: Statement) -> Result:
    """USE ROLE name: the role must exist (that it is granted to the user is not checked: access control is
    not enforced locally)."""
    t = Tokens(statement.text)
    t.expect("USE", "ROLE")
    name = account_name(t)
    require(engine, name)
    context.of(engine).role = name
    return status(SUCCESS)


def use_secondary(engine: Engine, statement: Statement) -> Result:
    """USE SECONDARY ROLES ALL | NONE | role [, role …] (https://docs.snowflake.com/en/sql-reference/sql/use-secondary-roles)."""
    t = Tokens(statement.text)
    t.expect("USE", "SECONDARY", "ROLES")
    if t.accept("ALL"):
        chosen = "ALL"
    elif t.accept("NONE"):
        chosen = "NONE"
    else:
        names = [account_name(t)]
        while t.accept(","):
            names.append(account_name(t))
        for name in names:
            require(engine, name)
        chosen = ",".join(names)
    if not t.done:
        raise LocalEngineError(f"Syntax error: unexpected {t.rest()!r}.")
    context.of(engine).secondary_roles = chosen
    return status(SUCCESS)


def inherited(engine: Engine, role: str | None) -> set[str]:
    """Every role ``role`` inherits (itself, the roles granted to it, theirs …, and PUBLIC)."""
    if role is None:
        return set()
    edges: dict[str, list[str]] = {}
    for child, parent in store.rows(
        engine, "SELECT NAME, GRANTEE_NAME FROM {T}.GRANTS WHERE GRANTED_ON = 'ROLE' AND GRANTED_TO = 'ROLE'"
    ):
        edges.setdefault(str(parent), []).append(str(child))
    found, todo = {role, "PUBLIC"}, [role]
    while todo:
        for child in edges.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


_UTC = pa.timestamp("us", tz="UTC")
SHOW_COLUMNS = (
    ("created_on", _UTC), ("name", pa.string()), ("is_default", pa.string()), ("is_current", pa.string()),
    ("is_inherited", pa.string()), ("assigned_to_users", pa.int64()), ("granted_to_roles", pa.int64()),
    ("granted_roles", pa.int64()), ("owner", pa.string()), ("comment", pa.string()),
)  # fmt: skip


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW [TERSE] ROLES [LIKE '…'] [STARTS WITH '…'] [LIMIT n], in name order."""
    clauses = parse_account_show(statement.text, ("ROLES",))
    found = store.rows(engine, "SELECT NAME, COMMENT, OWNER, CREATED_ON FROM {T}.ROLES ORDER BY NAME")
    counts: dict[tuple[str, str], int] = {}
    for name, granted_to, grantee in store.rows(
        engine, "SELECT NAME, GRANTED_TO, GRANTEE_NAME FROM {T}.GRANTS WHERE GRANTED_ON = 'ROLE'"
    ):
        counts[(str(name), str(granted_to))] = counts.get((str(name), str(granted_to)), 0) + 1
        if granted_to == "ROLE":
            counts[(str(grantee), "GRANTED")] = counts.get((str(grantee), "GRANTED"), 0) + 1
    default = store.rows(engine, "SELECT DEFAULT_ROLE FROM {T}.USERS WHERE NAME = ?", [store.LOCAL_USER])
    default_role = default[0][0] if default else None
    current = context.of(engine).role
    inherits = inherited(engine, current) - {current}
    records: list[tuple[Any, ...]] = []
    for index in clauses.select([str(r[0]) for r in found]):
        name, comment, owner, created_on = found[index]
        records.append((
            _utc(created_on), name, "Y" if name == default_role else "N", "Y" if name == current else "N",
            "Y" if name in inherits else "N", counts.get((name, "USER"), 0), counts.get((name, "ROLE"), 0),
            counts.get((name, "GRANTED"), 0), owner or "", comment or "",
        ))  # fmt: skip
    columns = SHOW_COLUMNS if not clauses.terse else tuple(c for c in SHOW_COLUMNS if c[0] in _TERSE)
    if clauses.terse:
        records = [tuple(r[i] for i, c in enumerate(SHOW_COLUMNS) if c[0] in _TERSE) for r in records]
    return from_records([c for c, _ in columns], records, [t for _, t in columns])


_TERSE = ("created_on", "name", "is_default", "is_current", "is_inherited")


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
