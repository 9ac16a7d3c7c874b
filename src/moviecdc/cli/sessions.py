"""Opening a session: Snowflake through a named connection, or the embedded engine.

Snowflake connections come the Snowflake way: ``~/.snowflake/connections.toml`` (or the file
``SNOWFLAKE_HOME`` points to) holds named connections, and Snowpark opens one with
``Session.builder.config("connection_name", NAME).create()``.

Every way opening can fail becomes one :class:`~moviecdc.errors.SessionError` whose message names the
cause and the fix: an unknown connection name, an unreachable host, a ``--db`` folder that is missing, a
file, not writable, or damaged. A command that only reads (``status``) never creates a folder.
"""

from __future__ import annotations

import errno
import os
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
            f"cannot open Snowflake connection {connection_name!r}: {first.rstrip('.')}. "
            f"{_connection_hint(connection_name, first)}"
        ) from exc


def _connection_hint(name: str, message: str) -> str:
    """The fix that fits the connector's message (its error numbers are stable: 250001 = no connection)."""
    text = message.lower()
    if "connection_name" in text or "connections.toml" in text:
        return (
            "Check that ~/.snowflake/connections.toml (or $SNOWFLAKE_HOME/connections.toml) defines it, "
            "e.g. with `snow connection list`."
        )
    if "250001" in text or "could not connect" in text or "failed to resolve" in text or "timed out" in text:
        return (
            f"Snowflake could not be reached: check the account (and host, if set) of {name!r} in "
            "connections.toml, and that this machine can reach it (network, proxy, VPN)."
        )
    if "password" in text or "authenticat" in text or "390100" in text:
        return f"Check the user and the authenticator or password of {name!r} in connections.toml."
    return f"Check connection {name!r} in connections.toml, e.g. with `snow connection test -c {name}`."


def local_session(
    db: str | Path | None = None, *, create: bool = True, realtime: bool = False, speed: float = 60.0
) -> LocalSession:
    """A ``LocalSession``, in memory or kept in the folder ``db``.

    With ``create=False`` (commands that only read or need an earlier deploy) a missing folder is an error
    rather than a new, empty one. A new folder is made only inside an existing, writable folder.
    """
    options: dict[str, Any] = {"realtime": True, "speed": speed} if realtime else {}
    if db is None:
        return LocalSession(**options)
    folder = Path(db)
    _check_folder(folder, create=create)
    try:
        return LocalSession(path=folder, **options)
    except OSError as exc:
        raise SessionError(_os_error(folder, exc)) from exc
    except Exception as exc:  # DuckDB's IOException and friends: a file that is not a database (any more)
        if type(exc).__module__.split(".")[0] not in {"duckdb", "_duckdb"}:
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SessionError(
            f"cannot open the local engine's state in {str(folder)!r}: {first}. The folder's database looks "
            "damaged (e.g. a truncated copy): restore it from a backup, or start again with a new --db folder."
        ) from exc


def _check_folder(folder: Path, *, create: bool) -> None:
    shown = str(folder)
    if folder.exists():
        if not folder.is_dir():
            raise SessionError(f"--db {shown!r} is a file, not a folder: give a folder for the engine's state")
        if create and not os.access(folder, os.W_OK | os.X_OK):
            raise SessionError(f"cannot write to --db {shown!r}: permission denied; choose a folder you can write to")
        return
    if not create:
        raise SessionError(
            f"--db {shown!r} does not exist, so nothing was deployed there: check the path, "
            f"or run `moviecdc deploy --db {shown}` first"
        )
    parent = folder.parent
    if not parent.exists():
        raise SessionError(
            f"cannot create --db {shown!r}: the folder {str(parent)!r} does not exist; check the path or create it"
        )
    if not parent.is_dir():
        raise SessionError(f"cannot create --db {shown!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SessionError(
            f"cannot create --db {shown!r}: no permission to write in {str(parent)!r}; "
            "choose a folder you can write to"
        )


def _os_error(folder: Path, exc: OSError) -> str:
    reason = {
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "permission denied; choose a folder you can write to",
        errno.ENOENT: "a folder on its path does not exist; check the path",
        errno.ENOTDIR: "a part of its path is a file, not a folder; check the path",
        errno.ENOSPC: "the disk is full; free some space or use a folder on another disk",
        errno.EROFS: "the file system is read-only; choose a folder you can write to",
    }.get(exc.errno or 0, f"{exc.strerror or exc}; check the path")
    return f"cannot use --db {str(folder)!r}: {reason}"


def open_session(*, connection: str | None = None, db: str | Path | None = None, create: bool = True) -> Any:
    """Snowflake when ``connection`` is given, else a ``LocalSession`` (kept in the folder ``db`` if given)."""
    if connection is not None and db is not None:
        raise SessionError("give either a Snowflake connection or a local --db folder, not both")
    if connection is not None:
        return snowflake_session(connection)
    return local_session(db, create=create)
