"""The Snowflake dialect on DuckDB: what fakesnow does not translate, one module per construct family.

- :mod:`.errors`: foreign exceptions (DuckDB, sqlglot, fakesnow, the connector) become moviecdc errors, with
  Snowflake's error code when the failure carries one.
- :mod:`.constraints`: PRIMARY KEY / UNIQUE / FOREIGN KEY accepted and not enforced (a primary key's columns
  NOT NULL), CHANGE_TRACKING recorded.
- :mod:`.context_functions`: ``CURRENT_DATABASE()`` / ``CURRENT_SCHEMA()`` answer the session's context (NULL
  without one), not DuckDB's search path.

Stands on :mod:`moviecdc.local.core` only; statement families and the session use it.
"""
