"""Every statement kind the local engine routes by its leading keywords, and the function that runs it.

Read top to bottom: the first pattern that matches a statement's leading keywords (upper case, comments and a
trailing ``;`` removed, at most six words) wins. A statement that no pattern matches is an *ordinary* statement:
fakesnow parses and translates it, and :func:`moviecdc.local.ordinary.statements.run_parsed` runs it with the
engine's additions (stream reads, change capture on tracked tables, DDL's implicit commit).

Patterns are regular expressions over the keywords; order matters where two patterns could match (the
dynamic-table guard comes after the dynamic-table DDL, ``DROP SCHEMA`` goes to tasks, which forget the schema's
tasks and hand the statement on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from moviecdc.local.account.routes import ROUTES as ACCOUNT_ROUTES
from moviecdc.local.context import statements as context
from moviecdc.local.core.router import Route, Router, unsupported
from moviecdc.local.dialect import stages
from moviecdc.local.dynamic_tables import show as dynamic_show
from moviecdc.local.dynamic_tables import statements as dynamic
from moviecdc.local.functions import statements as udfs
from moviecdc.local.ordinary.statements import run_parsed, transaction
from moviecdc.local.scripting import blocks as scripting
from moviecdc.local.scripting import procedure_catalog, procedures
from moviecdc.local.streams import ddl as streams
from moviecdc.local.tasks import alter as task_alter
from moviecdc.local.tasks import functions as task_functions
from moviecdc.local.tasks import show as task_show
from moviecdc.local.tasks import statements as tasks

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.results import Result
    from moviecdc.local.core.router import Statement


def _begin(engine: Engine, statement: Statement) -> Result:
    """``BEGIN`` followed by more words: a block, unless the words were a comment (``BEGIN -- go``)."""
    if scripting.is_transaction_start(statement.text):
        return transaction(engine, statement)
    return scripting.block(engine, statement)


def _drop_schema(engine: Engine, statement: Statement) -> Result:
    """DROP SCHEMA takes the schema's tasks and procedures with it."""
    result = tasks.drop_schema(engine, statement)
    procedure_catalog.forget_schema(engine, statement)
    return result


ROUTES: tuple[Route, ...] = (
    # the session's context (USE ROLE / WAREHOUSE / SECONDARY ROLES are not about it)
    Route(r"USE (?!(ROLE|WAREHOUSE|SECONDARY)\b)", context.use),
    Route(r"CREATE (OR REPLACE )?(TRANSIENT )?DATABASE(?! ROLE)", context.create_database),
    Route(r"DROP DATABASE(?! ROLE)", context.drop_database),
    Route(r"SHOW (TERSE )?(SCHEMAS|DATABASES)", context.show),
    # streams
    Route(r"CREATE (OR REPLACE )?STREAM", streams.create),
    Route(r"DROP STREAM", streams.drop),
    Route(r"SHOW (TERSE )?STREAMS", streams.show),
    Route(r"DESC(RIBE)? STREAM", streams.describe),
    Route(r"ALTER STREAM", unsupported("ALTER STREAM", "Drop the stream and create it again.")),
    # Snowflake Scripting: a block is BEGIN followed by a statement; BEGIN [TRANSACTION|WORK|NAME x] alone is a
    # transaction (scripting.blocks.is_transaction_start decides on the whole text)
    Route(r"BEGIN (?!(TRANSACTION|WORK|NAME)\b)", _begin),
    Route(r"DECLARE", scripting.block),
    Route(r"EXECUTE IMMEDIATE", scripting.execute_immediate),
    Route(r"CREATE (OR REPLACE )?((SECURE|TEMPORARY|TEMP) )*PROCEDURE", procedures.create),
    Route(r"(CALL|SELECT) SYSTEM\$SET_RETURN_VALUE", task_functions.set_return_value),
    Route(r"SELECT SYSTEM\$TASK_DEPENDENTS_ENABLE", task_functions.dependents_enable),
    Route(r"CALL", procedures.call),
    Route(r"DROP PROCEDURE", procedures.drop),
    Route(r"SHOW (TERSE )?(USER )?PROCEDURES", procedures.show),
    Route(r"ALTER PROCEDURE", unsupported("ALTER PROCEDURE", "Create the procedure again with CREATE OR REPLACE.")),
    Route(r"DESC(RIBE)? PROCEDURE", unsupported("DESCRIBE PROCEDURE", "Use SHOW PROCEDURES.")),
    # transactions
    Route(r"BEGIN|START TRANSACTION|COMMIT|ROLLBACK", transaction),
    # tasks
    Route(r"CREATE (OR (REPLACE|ALTER) )?TASK", tasks.create),
    Route(r"ALTER TASK", task_alter.alter),
    Route(r"DROP TASK", tasks.drop),
    Route(r"EXECUTE TASK", tasks.execute),
    Route(r"SHOW (TERSE )?TASKS", task_show.show),
    Route(r"DESC(RIBE)? TASK", task_show.describe),
    Route(r"DROP SCHEMA", _drop_schema),
    # dynamic tables
    Route(r"CREATE (OR (REPLACE|ALTER) )?(TRANSIENT )?DYNAMIC TABLE", dynamic.changing(dynamic.create)),
    Route(r"ALTER DYNAMIC TABLE", dynamic.changing(dynamic.alter)),
    Route(r"DROP DYNAMIC TABLE", dynamic.changing(dynamic.drop)),
    Route(r"SHOW DYNAMIC TABLES", dynamic_show.show),
    Route(
        r"DESC(RIBE)? DYNAMIC TABLE",
        unsupported("DESCRIBE DYNAMIC TABLE", "Use SHOW DYNAMIC TABLES, or DESCRIBE TABLE for the columns."),
    ),
    # DML and table DDL that could touch a dynamic table's rows: refused on one, handed on otherwise
    Route(
        r"INSERT|UPDATE|DELETE|MERGE|TRUNCATE|DROP TABLE|ALTER TABLE"
        r"|CREATE OR REPLACE ((TRANSIENT|TEMPORARY|TEMP|LOCAL|GLOBAL|VOLATILE) )*TABLE",
        dynamic.guard,
    ),
    # warehouses, roles, users, grants, session parameters, governance (moviecdc.local.account.routes)
    *ACCOUNT_ROUTES,
    # user-defined functions
    Route(r"CREATE (OR REPLACE )?((SECURE|TEMP|TEMPORARY) )*FUNCTION", udfs.create),
    Route(r"DROP FUNCTION", udfs.drop),
    Route(r"SHOW USER FUNCTIONS", udfs.show),
    # stages
    Route(r"LIST|LS", stages.list_stage),
    # not emulated
    Route(r"UNDROP", unsupported("UNDROP", "The local engine keeps no dropped objects.")),
)


def default_router() -> Router:
    """The router every LocalSession starts with: :data:`ROUTES`, then ordinary statements."""
    return Router(ROUTES, run_parsed)
