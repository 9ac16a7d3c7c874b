"""This family's lines of the routing table (:mod:`moviecdc.local.routes` includes them in order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from moviecdc.local.account import (
    context,
    governance,
    grants,
    parameters,
    roles,
    show_grants,
    unmodelled,
    users,
    warehouses,
)
from moviecdc.local.core.router import Route, unsupported

if TYPE_CHECKING:
    from sqlglot import exp

    from moviecdc.local.core.engine import Engine

ROUTES: tuple[Route, ...] = (
    Route(r"CREATE (OR REPLACE )?WAREHOUSE", warehouses.create),
    Route(r"ALTER WAREHOUSE", warehouses.alter),
    Route(r"DROP WAREHOUSE", warehouses.drop),
    Route(r"USE WAREHOUSE", warehouses.use),
    Route(r"SHOW (TERSE )?WAREHOUSES", warehouses.show),
    Route(
        r"(CREATE (OR REPLACE )?|ALTER |DROP |SHOW )DATABASE ROLES?",
        unsupported("DATABASE ROLE", "Use account roles (CREATE ROLE)."),
    ),
    Route(r"CREATE (OR REPLACE )?ROLE", roles.create),
    Route(r"ALTER ROLE", roles.alter),
    Route(r"DROP ROLE", roles.drop),
    Route(r"USE ROLE", roles.use),
    Route(r"USE SECONDARY ROLES", roles.use_secondary),
    Route(r"SHOW (TERSE )?ROLES", roles.show),
    Route(r"CREATE (OR REPLACE )?USER", users.create),
    Route(r"ALTER USER", users.alter),
    Route(r"DROP USER", users.drop),
    Route(r"SHOW (TERSE )?USERS", users.show),
    Route(r"GRANT", grants.grant),
    Route(r"REVOKE", grants.revoke),
    Route(r"SHOW (FUTURE )?GRANTS", show_grants.show),
    # session parameters
    Route(r"ALTER SESSION", parameters.alter_session),
    Route(r"SHOW PARAMETERS", parameters.show),
    Route(r"ALTER ACCOUNT", unsupported("ALTER ACCOUNT", "Use ALTER SESSION SET for the session's parameters.")),
    # governance: managed access, comments, tags
    Route(r"CREATE (OR REPLACE )?(TRANSIENT )?SCHEMA", governance.create_schema),
    Route(r"ALTER SCHEMA", governance.alter_schema),
    Route(r"COMMENT", governance.comment),
    Route(r"CREATE (OR REPLACE )?TAG", governance.create_tag),
    Route(r"ALTER TAG", governance.alter_tag),
    Route(r"DROP TAG", governance.drop_tag),
    Route(r"SHOW TAGS", governance.show_tags),
    Route(r"SHOW TABLES", governance.show_tables),
    # SHOW of objects the engine cannot create: refused by name
    Route(unmodelled.PATTERN, unmodelled.refuse),
)


def rewriters(engine: Engine) -> list[Callable[[exp.Expr], exp.Expr]]:
    """This family's ``engine.rewriters``: the session's CURRENT_ROLE() & co., and the refusal of tag values."""
    return [context.rewriter(engine), governance.tag_values_rewriter(engine)]
