"""CREATE / ALTER / DROP / SHOW USER.

Users are recorded (a password only as ``has_password``: no secret is kept); nobody logs in as them locally.
Properties and columns: https://docs.snowflake.com/en/sql-reference/sql/create-user,
https://docs.snowflake.com/en/sql-reference/sql/show-users.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.account import context, store
from moviecdc.local.account.clauses import (
    Value,
    account_name,
    already_dropped,
    already_exists,
    created,
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

# CREATE USER properties kept in USERS columns; the other documented ones are kept in SETTINGS.
_TEXT = ("LOGIN_NAME", "DISPLAY_NAME", "FIRST_NAME", "LAST_NAME", "EMAIL", "COMMENT", "DEFAULT_NAMESPACE", "TYPE")
_NAMES = ("DEFAULT_WAREHOUSE", "DEFAULT_ROLE")  # identifiers: upper case unless quoted
_FLAGS = ("DISABLED", "MUST_CHANGE_PASSWORD")
_OTHER = (
    "MIDDLE_NAME", "DAYS_TO_EXPIRY", "MINS_TO_UNLOCK", "MINS_TO_BYPASS_MFA", "RSA_PUBLIC_KEY_FP",
    "RSA_PUBLIC_KEY_2", "RSA_PUBLIC_KEY_2_FP", "NETWORK_POLICY", "DEFAULT_SECONDARY_ROLES",
)  # fmt: skip
_SECRETS = ("PASSWORD", "RSA_PUBLIC_KEY")


def exists(engine: Engine, name: str) -> bool:
    return bool(store.rows(engine, "SELECT 1 FROM {T}.USERS WHERE NAME = ?", [name]))


def _check(given: dict[str, Value]) -> None:
    for key in given:
        if key not in (*_TEXT, *_NAMES, *_FLAGS, *_OTHER, *_SECRETS):
            raise UnsupportedSqlError(f"User property {key} is not supported by the local engine.")


def _column(key: str, value: Value | None) -> Any:
    if value is None:
        return None
    if key in _FLAGS:
        return value.flag()
    if key in _NAMES:
        return value.text if value.string else value.upper
    return value.text


def _updates(name: str, given: dict[str, Value | None]) -> list[tuple[str, list[Any]]]:
    writes: list[tuple[str, list[Any]]] = []
    for key, value in given.items():
        if key in (*_TEXT, *_NAMES, *_FLAGS):
            if key in _FLAGS and value is None:
                writes.append((f"UPDATE {{T}}.USERS SET {key} = FALSE WHERE NAME = ?", [name]))
            else:
                writes.append((f"UPDATE {{T}}.USERS SET {key} = ? WHERE NAME = ?", [_column(key, value), name]))
        elif key == "PASSWORD":
            writes.append(("UPDATE {T}.USERS SET HAS_PASSWORD = ? WHERE NAME = ?", [value is not None, name]))
        elif key == "RSA_PUBLIC_KEY":
            writes.append(("UPDATE {T}.USERS SET HAS_RSA_PUBLIC_KEY = ? WHERE NAME = ?", [value is not None, name]))
        else:
            writes.append(
                ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'USER' AND OBJECT_NAME = ? AND SETTING = ?", [name, key])
            )
            if value is not None:
                writes.append(("INSERT INTO {T}.SETTINGS VALUES ('USER', ?, ?, ?)", [name, key, value.text]))
    return writes


def create(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] USER [IF NOT EXISTS] name [props]."""
    t = Tokens(statement.text)
    t.expect("CREATE")
    replace = t.accept("OR", "REPLACE")
    t.expect("USER")
    quiet = if_not_exists(t)
    name = account_name(t)
    given = properties(t)
    _check(given)
    if exists(engine, name) and not replace:
        if quiet:
            return status(already_exists(name))
        raise object_exists(name)
    login = given.pop("LOGIN_NAME", None)
    store.write(
        engine,
        [
            ("DELETE FROM {T}.USERS WHERE NAME = ?", [name]),
            ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'USER' AND OBJECT_NAME = ?", [name]),
            (
                "INSERT INTO {T}.USERS (NAME, LOGIN_NAME, DISPLAY_NAME, DISABLED, MUST_CHANGE_PASSWORD, HAS_PASSWORD, "
                "HAS_RSA_PUBLIC_KEY, OWNER, CREATED_ON) VALUES (?, ?, ?, FALSE, FALSE, FALSE, FALSE, ?, ?)",
                [name, (login.text if login else name).upper(), name, context.of(engine).role, engine.now()],
            ),
            *_updates(name, dict(given)),
        ],
    )
    return status(created("User", name))


def alter(engine: Engine, statement: Statement) -> Result:
    """ALTER USER [IF EXISTS] name SET props | UNSET names | RENAME TO new."""
    t = Tokens(statement.text)
    found = target(t, "ALTER", "USER", lambda n: exists(engine, n))
    name = found.name
    if found.missing:
        return status(SUCCESS)
    writes: list[tuple[str, list[Any]]]
    if t.accept("RENAME", "TO"):
        new = account_name(t)
        if exists(engine, new):
            raise object_exists(new)
        writes = [
            ("UPDATE {T}.USERS SET NAME = ? WHERE NAME = ?", [new, name]),
            ("UPDATE {T}.SETTINGS SET OBJECT_NAME = ? WHERE OBJECT_KIND = 'USER' AND OBJECT_NAME = ?", [new, name]),
            ("UPDATE {T}.GRANTS SET GRANTEE_NAME = ? WHERE GRANTED_TO = 'USER' AND GRANTEE_NAME = ?", [new, name]),
        ]
    elif t.accept("SET"):
        given = properties(t)
        _check(given)
        writes = _updates(name, dict(given))
    elif t.accept("UNSET"):
        keys = [k.strip().upper() for k in t.rest().split(",")]
        t.i = len(t.tokens)
        _check({k: Value("") for k in keys})
        writes = _updates(name, dict.fromkeys(keys))
    else:
        raise UnsupportedSqlError(f"ALTER USER … {t.rest()} is not supported by the local engine.")
    if not t.done:
        raise UnsupportedSqlError(f"ALTER USER clause {t.rest()!r} is not supported by the local engine.")
    store.write(engine, writes)
    return status(SUCCESS)


def drop(engine: Engine, statement: Statement) -> Result:
    """DROP USER [IF EXISTS] name: the grants to the user go with it."""
    t = Tokens(statement.text)
    found = target(t, "DROP", "USER", lambda n: exists(engine, n))
    name = found.name
    if found.missing:
        return status(already_dropped(name))
    store.write(
        engine,
        [
            ("DELETE FROM {T}.USERS WHERE NAME = ?", [name]),
            ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'USER' AND OBJECT_NAME = ?", [name]),
            ("DELETE FROM {T}.GRANTS WHERE GRANTED_TO = 'USER' AND GRANTEE_NAME = ?", [name]),
        ],
    )
    return status(dropped(name))


_UTC = pa.timestamp("us", tz="UTC")
SHOW_COLUMNS = (
    ("name", pa.string()), ("created_on", _UTC), ("login_name", pa.string()), ("display_name", pa.string()),
    ("first_name", pa.string()), ("last_name", pa.string()), ("email", pa.string()), ("mins_to_unlock", pa.string()),
    ("days_to_expiry", pa.string()), ("comment", pa.string()), ("disabled", pa.string()),
    ("must_change_password", pa.string()), ("snowflake_lock", pa.string()), ("default_warehouse", pa.string()),
    ("default_namespace", pa.string()), ("default_role", pa.string()), ("default_secondary_roles", pa.string()),
    ("ext_authn_duo", pa.string()), ("ext_authn_uid", pa.string()), ("mins_to_bypass_mfa", pa.string()),
    ("owner", pa.string()), ("last_success_login", _UTC), ("expires_at_time", _UTC), ("locked_until_time", _UTC),
    ("has_password", pa.string()), ("has_rsa_public_key", pa.string()), ("type", pa.string()),
    ("has_mfa", pa.string()),
)  # fmt: skip
_TERSE = ("name", "created_on", "display_name", "first_name", "last_name", "email", "comment", "has_password",
          "has_rsa_public_key", "type", "has_mfa")  # fmt: skip


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW [TERSE] USERS [LIKE '…'] [STARTS WITH '…'] [LIMIT n], in name order."""
    clauses = parse_account_show(statement.text, ("USERS",))
    found = store.rows(
        engine,
        "SELECT NAME, CREATED_ON, LOGIN_NAME, DISPLAY_NAME, FIRST_NAME, LAST_NAME, EMAIL, COMMENT, DISABLED, "
        "MUST_CHANGE_PASSWORD, DEFAULT_WAREHOUSE, DEFAULT_NAMESPACE, DEFAULT_ROLE, OWNER, HAS_PASSWORD, "
        "HAS_RSA_PUBLIC_KEY, TYPE FROM {T}.USERS ORDER BY NAME",
    )
    secondary = {
        str(r[0]): str(r[1])
        for r in store.rows(
            engine,
            "SELECT OBJECT_NAME, VALUE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'USER' "
            "AND SETTING = 'DEFAULT_SECONDARY_ROLES'",
        )
    }
    records: list[tuple[Any, ...]] = []
    for index in clauses.select([str(r[0]) for r in found]):
        r = found[index]
        records.append((
            r[0], _utc(r[1]), r[2], r[3], r[4], r[5], r[6], None, None, r[7], str(bool(r[8])).lower(),
            str(bool(r[9])).lower(), "false", r[10], r[11], r[12], secondary.get(str(r[0])), "false", "", None, r[13],
            None, None, None, str(bool(r[14])).lower(), str(bool(r[15])).lower(), r[16], "false",
        ))  # fmt: skip
    columns: tuple[tuple[str, pa.DataType], ...] = SHOW_COLUMNS
    if clauses.terse:
        columns = tuple(c for c in SHOW_COLUMNS if c[0] in _TERSE)
        records = [tuple(r[i] for i, c in enumerate(SHOW_COLUMNS) if c[0] in _TERSE) for r in records]
    return from_records([c for c, _ in columns], records, [t for _, t in columns])


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
