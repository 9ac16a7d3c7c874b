"""SHOW of objects the local engine does not model: refused by name, never "Table … does not exist".

fakesnow translates a SHOW it does not know into a query of a table named after the objects, which fails with
DuckDB's "Table with name CHANNELS does not exist!". The objects below cannot be created locally (CREATE PIPE,
Snowpipe Streaming channels, integrations, policies …), so their SHOW raises UnsupportedSqlError naming it.
``SHOW PRIMARY | UNIQUE | IMPORTED | EXPORTED KEYS`` are refused too: keys are accepted and not enforced, but not
recorded (:mod:`moviecdc.local.dialect.constraints`), so an empty answer would be wrong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from moviecdc.errors import UnsupportedSqlError

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.results import Result
    from moviecdc.local.core.router import Statement

# The plural names after SHOW [TERSE] (one regex alternative each, longest first where one begins another).
OBJECTS = (
    "CHANNELS", "PIPES", "ALERTS", "NOTEBOOKS", "STREAMLITS", "SHARES", "SECRETS", "CONNECTIONS", "LISTINGS",
    "(API |STORAGE |NOTIFICATION |SECURITY |CATALOG |EXTERNAL ACCESS )?INTEGRATIONS", "NETWORK (POLICIES|RULES)",
    "RESOURCE MONITORS", "(MASKING|ROW ACCESS|PASSWORD|SESSION|AGGREGATION|PROJECTION|AUTHENTICATION) POLICIES",
    "(EXTERNAL|EVENT|ICEBERG|HYBRID) TABLES", "MATERIALIZED VIEWS", "EXTERNAL (FUNCTIONS|VOLUMES)",
    "REPLICATION (DATABASES|ACCOUNTS|GROUPS)", "FAILOVER GROUPS", "APPLICATION PACKAGES", "APPLICATIONS",
    "COMPUTE POOLS", "SERVICES", "IMAGE REPOSITORIES", "GIT REPOSITORIES", "MODELS", "CORTEX SEARCH SERVICES",
    "SEMANTIC VIEWS", "DATA METRIC FUNCTIONS", "SNAPSHOTS", "DATASETS", "ORGANIZATION ACCOUNTS",
    "(PRIMARY|UNIQUE|IMPORTED|EXPORTED) KEYS",
)  # fmt: skip
PATTERN = rf"SHOW (TERSE )?({'|'.join(OBJECTS)})"


def refuse(engine: Engine, statement: Statement) -> Result:
    """Raise UnsupportedSqlError naming the objects of ``SHOW <objects> …``."""
    what = _object_words(statement.keywords)
    if what.endswith("KEYS"):
        hint = "Keys are accepted and not enforced, but not recorded by the local engine."
    else:
        hint = "The local engine cannot create these objects."
    raise UnsupportedSqlError(f"SHOW {what} is not supported by the local engine. {hint}")


def _object_words(keywords: str) -> str:
    """The object words of a SHOW's keywords (``SHOW TERSE NETWORK POLICIES LIKE …`` → ``NETWORK POLICIES``)."""
    words = keywords.split(" ")[1:]
    if words and words[0] == "TERSE":
        words = words[1:]
    for count in (3, 2, 1):
        phrase = " ".join(words[:count])
        if any(re.fullmatch(pattern, phrase) for pattern in OBJECTS):
            return phrase
    return " ".join(words[:1])
