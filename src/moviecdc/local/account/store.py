"""Where account objects live: warehouses, roles, users, grants, tags and object settings.

Snowflake keeps these at the account level, outside every database, so they cannot go into a database's
``_MOVIECDC`` schema (that file would vanish with ``DROP DATABASE``, and SHOW DATABASES would list a database of
ours). They live in fakesnow's in-memory global database, in a schema of their own::

    _fs_global._MOVIECDC_ACCOUNT.WAREHOUSES        one row per warehouse (COMPUTE_WH in a fresh engine)
    _fs_global._MOVIECDC_ACCOUNT.ROLES             the system roles and every CREATE ROLE
    _fs_global._MOVIECDC_ACCOUNT.USERS             the session's user and every CREATE USER
    _fs_global._MOVIECDC_ACCOUNT.GRANTS            privileges and roles granted to roles and users
    _fs_global._MOVIECDC_ACCOUNT.FUTURE_GRANTS     GRANT … ON FUTURE <objects> IN DATABASE | SCHEMA
    _fs_global._MOVIECDC_ACCOUNT.TAGS              CREATE TAG
    _fs_global._MOVIECDC_ACCOUNT.SETTINGS          what DDL set on an object and no other table keeps:
                                                   WITH MANAGED ACCESS, TAG values, CHANGE_TRACKING

With a ``path``, the durable copy is the file ``<path>/_moviecdc_account.duckdb`` (not ``*.db``, so it is never
re-attached as a Snowflake database): read once when the session opens, and rewritten, all tables in one DuckDB
transaction of that file, after every statement that changes account objects. A crash leaves the file as it was
before or after that statement. Account statements are DDL and commit an open transaction first, so they never
share a transaction with the user's data.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from moviecdc.local.core.names import quote

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

DATABASE = "_fs_global"
SCHEMA = "_MOVIECDC_ACCOUNT"
FILE_NAME = "_moviecdc_account.duckdb"
_FILE_ALIAS = "_MOVIECDC_ACCOUNT_FILE"

# https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles: the
# system-defined roles, and the hierarchy between them (SECURITYADMIN and SYSADMIN are granted to ACCOUNTADMIN,
# USERADMIN to SECURITYADMIN; PUBLIC is granted to every role and user implicitly).
SYSTEM_ROLES = ("ACCOUNTADMIN", "ORGADMIN", "PUBLIC", "SECURITYADMIN", "SYSADMIN", "USERADMIN")
SYSTEM_HIERARCHY = (("SECURITYADMIN", "ACCOUNTADMIN"), ("SYSADMIN", "ACCOUNTADMIN"), ("USERADMIN", "SECURITYADMIN"))
LOCAL_USER = "MOVIECDC"
DEFAULT_ROLE = "ACCOUNTADMIN"
DEFAULT_WAREHOUSE = "COMPUTE_WH"

TABLES: dict[str, str] = {
    "WAREHOUSES": "NAME VARCHAR PRIMARY KEY, STATE VARCHAR, SIZE VARCHAR, MIN_CLUSTER_COUNT BIGINT, "
    "MAX_CLUSTER_COUNT BIGINT, AUTO_SUSPEND BIGINT, AUTO_RESUME BOOLEAN, SCALING_POLICY VARCHAR, "
    "ENABLE_QUERY_ACCELERATION BOOLEAN, QUERY_ACCELERATION_MAX_SCALE_FACTOR BIGINT, RESOURCE_MONITOR VARCHAR, "
    "TYPE VARCHAR, COMMENT VARCHAR, OWNER VARCHAR, CREATED_ON TIMESTAMP, RESUMED_ON TIMESTAMP, UPDATED_ON TIMESTAMP",
    "ROLES": "NAME VARCHAR PRIMARY KEY, COMMENT VARCHAR, OWNER VARCHAR, CREATED_ON TIMESTAMP",
    "USERS": "NAME VARCHAR PRIMARY KEY, LOGIN_NAME VARCHAR, DISPLAY_NAME VARCHAR, FIRST_NAME VARCHAR, "
    "LAST_NAME VARCHAR, EMAIL VARCHAR, COMMENT VARCHAR, DISABLED BOOLEAN, MUST_CHANGE_PASSWORD BOOLEAN, "
    "DEFAULT_WAREHOUSE VARCHAR, DEFAULT_NAMESPACE VARCHAR, DEFAULT_ROLE VARCHAR, DEFAULT_SECONDARY_ROLES VARCHAR, "
    "HAS_PASSWORD BOOLEAN, HAS_RSA_PUBLIC_KEY BOOLEAN, TYPE VARCHAR, OWNER VARCHAR, CREATED_ON TIMESTAMP",
    # One row per privilege on one object; a role granted to a role or user is privilege USAGE on ROLE.
    "GRANTS": "PRIVILEGE VARCHAR, GRANTED_ON VARCHAR, NAME VARCHAR, GRANTED_TO VARCHAR, GRANTEE_NAME VARCHAR, "
    "GRANT_OPTION BOOLEAN, GRANTED_BY VARCHAR, CREATED_ON TIMESTAMP",
    # GRANT … ON FUTURE <objects> IN DATABASE | SCHEMA: recorded, answered by SHOW FUTURE GRANTS.
    "FUTURE_GRANTS": "PRIVILEGE VARCHAR, GRANT_ON VARCHAR, SCOPE_KIND VARCHAR, SCOPE_NAME VARCHAR, "
    "GRANT_TO VARCHAR, GRANTEE_NAME VARCHAR, GRANT_OPTION BOOLEAN, CREATED_ON TIMESTAMP",
    "TAGS": "DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR, NAME VARCHAR, ALLOWED_VALUES VARCHAR, COMMENT VARCHAR, "
    "OWNER VARCHAR, CREATED_ON TIMESTAMP",
    "SETTINGS": "OBJECT_KIND VARCHAR, OBJECT_NAME VARCHAR, SETTING VARCHAR, VALUE VARCHAR",
}


def table(name: str) -> str:
    """The quoted name of an account table, for SQL text."""
    return f"{quote(DATABASE)}.{quote(SCHEMA)}.{quote(name)}"


def open_store(engine: Engine) -> None:
    """Create the account tables (and a fresh account's objects), or read them back from ``path``."""
    con = engine.con
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(DATABASE)}.{quote(SCHEMA)}")
    for name, columns in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {table(name)} ({columns})")
    file = engine.path / FILE_NAME if engine.path is not None else None
    if file is not None and file.exists():
        con.execute(f"ATTACH {_string(str(file))} AS {quote(_FILE_ALIAS)} (READ_ONLY)")
        try:
            present = {
                str(r[0])
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ?",
                    [_FILE_ALIAS, SCHEMA],
                ).fetchall()
            }
            for name in TABLES:
                if name in present:
                    con.execute(f"INSERT INTO {table(name)} BY NAME SELECT * FROM {_file_table(name)}")
        finally:
            con.execute(f"DETACH {quote(_FILE_ALIAS)}")
        return
    _seed(engine.con, engine.now())


def _seed(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """What a fresh Snowflake trial account holds: the system roles, the first user, a COMPUTE_WH warehouse."""
    for role in SYSTEM_ROLES:
        con.execute(f"INSERT INTO {table('ROLES')} VALUES (?, NULL, '', ?)", [role, now])
    for child, parent in SYSTEM_HIERARCHY:
        add_grant(con, ("USAGE", "ROLE", child), ("ROLE", parent), now, granted_by="")
    for role in ("ACCOUNTADMIN", "ORGADMIN"):
        add_grant(con, ("USAGE", "ROLE", role), ("USER", LOCAL_USER), now, granted_by="")
    con.execute(
        f"INSERT INTO {table('USERS')} (NAME, LOGIN_NAME, DISPLAY_NAME, DISABLED, MUST_CHANGE_PASSWORD, "
        "DEFAULT_WAREHOUSE, DEFAULT_ROLE, HAS_PASSWORD, HAS_RSA_PUBLIC_KEY, OWNER, CREATED_ON) "
        "VALUES (?, ?, ?, FALSE, FALSE, ?, ?, TRUE, FALSE, 'ACCOUNTADMIN', ?)",
        [LOCAL_USER, LOCAL_USER, LOCAL_USER, DEFAULT_WAREHOUSE, DEFAULT_ROLE, now],
    )
    con.execute(
        f"INSERT INTO {table('WAREHOUSES')} VALUES "
        "(?, 'STARTED', 'X-Small', 1, 1, 600, TRUE, 'STANDARD', FALSE, 8, NULL, 'STANDARD', NULL, 'ACCOUNTADMIN', "
        "?, ?, ?)",
        [DEFAULT_WAREHOUSE, now, now, now],
    )


def add_grant(
    con: duckdb.DuckDBPyConnection,
    grant: tuple[str, str, str],
    grantee: tuple[str, str],
    now: datetime,
    *,
    grant_option: bool = False,
    granted_by: str,
) -> None:
    """Record one grant of (privilege, object kind, object name) to (ROLE | USER, name); a repeated grant is
    one row, as in Snowflake."""
    privilege, granted_on, name = grant
    granted_to, grantee_name = grantee
    con.execute(
        f"DELETE FROM {table('GRANTS')} WHERE PRIVILEGE = ? AND GRANTED_ON = ? AND NAME = ? AND GRANTED_TO = ? "
        "AND GRANTEE_NAME = ?",
        [privilege, granted_on, name, granted_to, grantee_name],
    )
    con.execute(
        f"INSERT INTO {table('GRANTS')} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [privilege, granted_on, name, granted_to, grantee_name, grant_option, granted_by, now],
    )


def rows(engine: Engine, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Read account tables (``{T}`` in ``sql`` names the schema: ``FROM {T}.ROLES``)."""
    return engine.con.execute(sql.replace("{T}", f"{quote(DATABASE)}.{quote(SCHEMA)}"), params).fetchall()


def write(engine: Engine, statements: list[tuple[str, list[Any]]]) -> None:
    """Run changes to account tables as one transaction, then save the durable copy (see the module doc)."""
    engine.implicit_commit()
    con = engine.con
    con.begin()
    try:
        for sql, params in statements:
            con.execute(sql.replace("{T}", f"{quote(DATABASE)}.{quote(SCHEMA)}"), params)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    save(engine)


def save(engine: Engine) -> None:
    """Rewrite ``<path>/_moviecdc_account.duckdb`` from the account tables, in one transaction of that file."""
    if engine.path is None:
        return
    con = engine.con
    con.execute(f"ATTACH {_string(str(engine.path / FILE_NAME))} AS {quote(_FILE_ALIAS)}")
    try:
        con.begin()
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(_FILE_ALIAS)}.{quote(SCHEMA)}")
            for name in TABLES:
                con.execute(f"CREATE OR REPLACE TABLE {_file_table(name)} AS SELECT * FROM {table(name)}")
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        with suppress(duckdb.Error):
            con.execute(f"DETACH {quote(_FILE_ALIAS)}")


def _file_table(name: str) -> str:
    return f"{quote(_FILE_ALIAS)}.{quote(SCHEMA)}.{quote(name)}"


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
