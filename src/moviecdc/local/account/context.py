"""The session's account context: current role, warehouse, secondary roles and session parameters.

Snowflake keeps these per session, not per account, so they are kept in memory for one engine and are not
persisted (a reopened folder starts a new session: the user's default role ACCOUNTADMIN and warehouse
COMPUTE_WH, as a trial account's first user has). ``CURRENT_ROLE()``, ``CURRENT_WAREHOUSE()``,
and ``CURRENT_USER()`` answer from here
(:func:`rewriter`); fakesnow would answer DuckDB's user name, ``'duckdb'``, for the first and fail on the others.
``CURRENT_TRANSACTION()`` and ``LAST_TRANSACTION()`` answer the engine's ``transaction_id`` /
``last_transaction_id`` (a VARCHAR of the id, NULL outside an explicit transaction / before the first one ends).
``CURRENT_SECONDARY_ROLES()`` and ``CURRENT_AVAILABLE_ROLES()`` are refused: secondary roles are recorded by
``USE SECONDARY ROLES`` but not modelled further.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.account import store

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


@dataclass
class AccountContext:
    role: str | None = store.DEFAULT_ROLE
    warehouse: str | None = store.DEFAULT_WAREHOUSE
    secondary_roles: str = "ALL"  # ALL | NONE | a comma-separated list
    parameters: dict[str, str] = field(default_factory=dict)


_CONTEXTS: weakref.WeakKeyDictionary[Engine, AccountContext] = weakref.WeakKeyDictionary()


def of(engine: Engine) -> AccountContext:
    """The account context of ``engine``'s session (created with the defaults on first use)."""
    found = _CONTEXTS.get(engine)
    if found is None:
        found = _CONTEXTS[engine] = AccountContext()
    return found


_FUNCTIONS = (
    exp.CurrentRole,
    exp.CurrentWarehouse,
    exp.CurrentUser,
    exp.CurrentSecondaryRoles,
    exp.CurrentAvailableRoles,
    exp.CurrentTransaction,
)
# sqlglot parses LAST_TRANSACTION() as an anonymous function.
_ANONYMOUS = frozenset({"LAST_TRANSACTION"})


def rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """Replace the account-context functions by literals of this session's context.

    https://docs.snowflake.com/en/sql-reference/functions/current_role (VARCHAR, NULL without a role),
    https://docs.snowflake.com/en/sql-reference/functions/current_warehouse (NULL when none is in use),
    https://docs.snowflake.com/en/sql-reference/functions/current_transaction (the open transaction's id),
    https://docs.snowflake.com/en/sql-reference/functions/last_transaction (the last committed or rolled back
    transaction's id). Each is a value of the moment, so ordinary/plans.py never caches a statement with one.
    """

    def rewrite(ast: exp.Expr) -> exp.Expr:
        if not _mentions(ast):
            return ast
        context = of(engine)

        def visit(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, _FUNCTIONS) and not _is_anonymous(node):
                return node
            value = _value(engine, context, node)
            literal: exp.Expr = exp.Literal.string(value) if value is not None else exp.Null()
            if value is None:
                literal = exp.cast(literal, exp.DataType.Type.VARCHAR)
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                return exp.alias_(literal, node.sql(dialect="snowflake"), quoted=True)
            return literal

        return ast.transform(visit, copy=False)

    return rewrite


_FUNCTION_TYPES = frozenset(_FUNCTIONS)


def _mentions(root: exp.Expr) -> bool:
    """Does the tree hold one of the functions? Every ordinary statement asks, so this is a tight walk over
    ``args`` (about 2.5 times as fast as ``Expression.find``, which builds a generator and checks each node with
    ``isinstance`` against a tuple)."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _FUNCTION_TYPES or (kind is exp.Anonymous and _is_anonymous(node)):
            return True
        for value in node.args.values():
            if isinstance(value, exp.Expr):
                stack.append(value)
            elif type(value) is list:
                stack.extend(item for item in value if isinstance(item, exp.Expr))
    return False


def _is_anonymous(node: exp.Expr) -> bool:
    return isinstance(node, exp.Anonymous) and not node.expressions and str(node.this).upper() in _ANONYMOUS


def _value(engine: Engine, context: AccountContext, node: exp.Expr) -> str | None:
    if isinstance(node, exp.CurrentTransaction):
        return engine.transaction_id
    if isinstance(node, exp.Anonymous):
        return engine.last_transaction_id
    if isinstance(node, exp.CurrentRole):
        return context.role
    if isinstance(node, exp.CurrentWarehouse):
        return context.warehouse
    if isinstance(node, exp.CurrentUser):
        return store.LOCAL_USER
    raise UnsupportedSqlError(
        f"{node.sql(dialect='snowflake')} is not supported by the local engine (secondary roles are not emulated). "
        "Use CURRENT_ROLE()."
    )


def user_roles(engine: Engine, user: str) -> list[str]:
    """The roles granted to ``user`` directly, in name order."""
    found = store.rows(
        engine,
        "SELECT NAME FROM {T}.GRANTS WHERE GRANTED_ON = 'ROLE' AND GRANTED_TO = 'USER' AND GRANTEE_NAME = ? "
        "ORDER BY NAME",
        [user],
    )
    return [str(r[0]) for r in found]
