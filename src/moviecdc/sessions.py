"""Opening a session: Snowflake through a named connection, or the embedded engine.

Snowflake connections come the Snowflake way: ``~/.snowflake/connections.toml`` (or the file
``SNOWFLAKE_HOME`` points to) holds named connections, and Snowpark opens one with
``Session.builder.config("connection_name", NAME).create()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moviecdc.errors import SessionError
from moviecdc.local import LocalSession


def snowflake_session(connection_name: str) -> Any:
    """A Snowpark ``Session`` for the named connection in ``connections.toml``."""
    from snowflake.snowpark import Session  # noqa: PLC0415 - importing Snowpark's builder is slow; only here

    try:
        return Session.builder.config("connection_name", connection_name).create()
    except Exception as exc:  # the connector raises several unrelated types; translate them all here
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SessionError(
            f"cannot open Snowflake connection {connection_name!r}: {first}. Check that "
            "~/.snowflake/connections.toml (or $SNOWFLAKE_HOME/connections.toml) defines it, e.g. with "
            "`snow connection list`."
        ) from exc


def open_session(*, connection: str | None = None, db: str | Path | None = None) -> Any:
    """Snowflake when ``connection`` is given, else a ``LocalSession`` (kept in the folder ``db`` if given)."""
    if connection is not None and db is not None:
        raise SessionError("give either a Snowflake connection or a local --db folder, not both")
    if connection is not None:
        return snowflake_session(connection)
    return LocalSession(path=db)
