"""ALTER SESSION SET / UNSET and SHOW PARAMETERS for the session.

https://docs.snowflake.com/en/sql-reference/sql/alter-session, https://docs.snowflake.com/en/sql-reference/parameters
(names, defaults, types), https://docs.snowflake.com/en/sql-reference/sql/show-parameters (columns).

A parameter that changes what a query answers (time zone, formats, week policy, the non-deterministic DML
errors …) is accepted only at the value the engine emulates, which is Snowflake's default except ``TIMEZONE``
(the engine runs in UTC); any other value raises UnsupportedSqlError naming the parameter, rather than being
recorded and ignored. Parameters that change nothing a local query returns (``QUERY_TAG``, timeouts, client
settings) are recorded at any value. Unknown names are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.account import context
from moviecdc.local.account.clauses import properties
from moviecdc.local.core.results import SUCCESS, Result, from_records, status
from moviecdc.local.core.tokens import Tokens, like_pattern

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement


@dataclass(frozen=True)
class Parameter:
    default: str
    type: str  # STRING | BOOLEAN | NUMBER
    description: str
    emulated: str | None = None  # the only value the engine runs with; None: any value (no effect on results)


_UTC_NAMES = ("UTC", "ETC/UTC", "GMT", "ETC/GMT", "UCT", "ETC/UCT", "UNIVERSAL", "ZULU")
_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM"
PARAMETERS: dict[str, Parameter] = {
    # change query results: only the emulated value
    "TIMEZONE": Parameter("America/Los_Angeles", "STRING", "time zone", "UTC"),
    "TIMESTAMP_OUTPUT_FORMAT": Parameter(_TS_FORMAT, "STRING", "Display format for TIMESTAMP values", _TS_FORMAT),
    "TIMESTAMP_NTZ_OUTPUT_FORMAT": Parameter("", "STRING", "Display format for TIMESTAMP_NTZ values", ""),
    "TIMESTAMP_LTZ_OUTPUT_FORMAT": Parameter("", "STRING", "Display format for TIMESTAMP_LTZ values", ""),
    "TIMESTAMP_TZ_OUTPUT_FORMAT": Parameter("", "STRING", "Display format for TIMESTAMP_TZ values", ""),
    "TIMESTAMP_INPUT_FORMAT": Parameter("AUTO", "STRING", "Input format for timestamps", "AUTO"),
    "TIMESTAMP_TYPE_MAPPING": Parameter(
        "TIMESTAMP_NTZ", "STRING", "The TIMESTAMP_* variation TIMESTAMP stands for", "TIMESTAMP_NTZ"
    ),
    "TIMESTAMP_DAY_IS_ALWAYS_24H": Parameter("false", "BOOLEAN", "Whether a day is always 24 hours", "false"),
    "DATE_INPUT_FORMAT": Parameter("AUTO", "STRING", "Input format for dates", "AUTO"),
    "DATE_OUTPUT_FORMAT": Parameter("YYYY-MM-DD", "STRING", "Display format for dates", "YYYY-MM-DD"),
    "TIME_INPUT_FORMAT": Parameter("AUTO", "STRING", "Input format for times", "AUTO"),
    "TIME_OUTPUT_FORMAT": Parameter("HH24:MI:SS", "STRING", "Display format for times", "HH24:MI:SS"),
    "TWO_DIGIT_CENTURY_START": Parameter("1970", "NUMBER", "Century start for 2-digit years", "1970"),
    "WEEK_START": Parameter("0", "NUMBER", "The first day of the week", "0"),
    "WEEK_OF_YEAR_POLICY": Parameter("0", "NUMBER", "How the first week of a year is chosen", "0"),
    "BINARY_INPUT_FORMAT": Parameter("HEX", "STRING", "Input format for binary", "HEX"),
    "BINARY_OUTPUT_FORMAT": Parameter("HEX", "STRING", "Display format for binary", "HEX"),
    "GEOGRAPHY_OUTPUT_FORMAT": Parameter("GeoJSON", "STRING", "Display format for GEOGRAPHY values", "GEOJSON"),
    "JSON_INDENT": Parameter("2", "NUMBER", "Indentation of JSON output", "2"),
    "STRICT_JSON_OUTPUT": Parameter("false", "BOOLEAN", "Whether JSON output is strict", "false"),
    "ERROR_ON_NONDETERMINISTIC_MERGE": Parameter(
        "true", "BOOLEAN", "Whether MERGE fails when a target row joins several source rows", "true"
    ),
    "ERROR_ON_NONDETERMINISTIC_UPDATE": Parameter(
        "false", "BOOLEAN", "Whether UPDATE fails when a target row joins several source rows", "false"
    ),
    "QUOTED_IDENTIFIERS_IGNORE_CASE": Parameter(
        "false", "BOOLEAN", "If true, the case of quoted identifiers is ignored", "false"
    ),
    "AUTOCOMMIT": Parameter("true", "BOOLEAN", "Whether each statement commits on its own", "true"),
    "TRANSACTION_ABORT_ON_ERROR": Parameter(
        "false", "BOOLEAN", "Whether a failing statement aborts its transaction", "false"
    ),
    "ROWS_PER_RESULTSET": Parameter("0", "NUMBER", "Maximum rows of a result (0: no limit)", "0"),
    "SEARCH_PATH": Parameter(
        "$current, $public", "STRING", "Schemas searched for unqualified names", "$CURRENT, $PUBLIC"
    ),
    # change nothing a local query returns: any value, recorded
    "QUERY_TAG": Parameter("", "STRING", "String to tag queries with"),
    "STATEMENT_TIMEOUT_IN_SECONDS": Parameter("172800", "NUMBER", "Timeout of a statement, in seconds"),
    "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS": Parameter("0", "NUMBER", "Timeout of a queued statement, in seconds"),
    "LOCK_TIMEOUT": Parameter("43200", "NUMBER", "Seconds to wait for a lock"),
    "USE_CACHED_RESULT": Parameter("true", "BOOLEAN", "Whether persisted query results are reused"),
    "ABORT_DETACHED_QUERY": Parameter("false", "BOOLEAN", "Whether a query is aborted when its session ends"),
    "MULTI_STATEMENT_COUNT": Parameter("1", "NUMBER", "Statements a request may hold"),
    "TRANSACTION_DEFAULT_ISOLATION_LEVEL": Parameter("READ COMMITTED", "STRING", "Isolation level of transactions"),
    "CLIENT_SESSION_KEEP_ALIVE": Parameter("false", "BOOLEAN", "Whether the client keeps the session alive"),
    "CLIENT_TIMESTAMP_TYPE_MAPPING": Parameter(
        "TIMESTAMP_LTZ", "STRING", "TIMESTAMP_* variation of client-bound timestamps"
    ),
    "CLIENT_RESULT_CHUNK_SIZE": Parameter("160", "NUMBER", "Result chunk size (MB) for clients"),
    "CLIENT_PREFETCH_THREADS": Parameter("4", "NUMBER", "Threads a client uses to fetch results"),
    "LOG_LEVEL": Parameter("OFF", "STRING", "Severity of log messages recorded"),
    "TRACE_LEVEL": Parameter("OFF", "STRING", "How trace events are recorded"),
}


def _normal(name: str, text: str) -> str:
    value = " ".join(text.split()).upper()
    if name == "TIMEZONE" and value in _UTC_NAMES:
        return "UTC"
    return value


def _check(name: str, text: str) -> None:
    parameter = PARAMETERS.get(name)
    if parameter is None:
        raise UnsupportedSqlError(f"Session parameter {name} is not supported by the local engine.")
    if parameter.emulated is not None and _normal(name, text) != parameter.emulated.upper():
        raise UnsupportedSqlError(
            f"ALTER SESSION SET {name} = {text!r} is not supported by the local engine: it runs with "
            f"{name} = {parameter.emulated!r} only."
        )


def alter_session(engine: Engine, statement: Statement) -> Result:
    """ALTER SESSION SET name = value [name = value …] | ALTER SESSION UNSET name [, name …]."""
    t = Tokens(statement.text)
    t.expect("ALTER", "SESSION")
    kept = context.of(engine).parameters
    if t.accept("SET"):
        given = properties(t)
        for name, value in given.items():
            _check(name, value.text)
        for name, value in given.items():
            kept[name] = value.text
        return status(SUCCESS)
    t.expect("UNSET")
    names = [n.strip().upper() for n in t.rest().split(",")]
    for name in names:
        if name not in PARAMETERS:
            raise UnsupportedSqlError(f"Session parameter {name} is not supported by the local engine.")
    for name in names:
        kept.pop(name, None)
    return status(SUCCESS)


_S = pa.string()
SHOW_COLUMNS = (("key", _S), ("value", _S), ("default", _S), ("level", _S), ("description", _S), ("type", _S))


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW PARAMETERS [LIKE '…'] [IN SESSION]: the parameters above, with this session's values."""
    t = Tokens(statement.text)
    t.expect("SHOW", "PARAMETERS")
    like = like_pattern(t.value().text) if t.accept("LIKE") else None
    if t.accept("IN") and not t.accept("SESSION"):
        raise UnsupportedSqlError(
            f"SHOW PARAMETERS IN {t.rest()} is not supported by the local engine; use IN SESSION."
        )
    if not t.done:
        raise UnsupportedSqlError(f"SHOW PARAMETERS clause {t.rest()!r} is not supported by the local engine.")
    kept = context.of(engine).parameters
    records = []
    for name in sorted(PARAMETERS):
        if like is not None and not like.fullmatch(name):
            continue
        parameter = PARAMETERS[name]
        if name in kept:
            value, level = kept[name], "SESSION"
        elif name == "TIMEZONE":
            value, level = "UTC", "SESSION"  # the engine's session time zone (see the module docstring)
        else:
            value, level = parameter.default, ""
        records.append((name, value, parameter.default, level, parameter.description, parameter.type))
    return from_records([c for c, _ in SHOW_COLUMNS], records, [t for _, t in SHOW_COLUMNS])


def check_task_parameter(name: str, text: str) -> None:
    """A session parameter set on a task (CREATE | ALTER TASK … name = value) follows the session's rule: only the
    emulated value of a parameter that changes results, any value of one that does not, no unknown name."""
    parameter = PARAMETERS.get(name)
    if parameter is None:
        raise UnsupportedSqlError(f"Task property or session parameter {name} is not supported by the local engine.")
    if parameter.emulated is not None and _normal(name, text) != parameter.emulated.upper():
        raise UnsupportedSqlError(
            f"Session parameter {name} = {text!r} on a task is not supported by the local engine: it runs with "
            f"{name} = {parameter.emulated!r} only."
        )
