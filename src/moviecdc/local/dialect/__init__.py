"""The Snowflake dialect on DuckDB: what fakesnow does not translate, one module per construct family.

- :mod:`.errors`: foreign exceptions (DuckDB, sqlglot, fakesnow, the connector) become moviecdc errors, with
  Snowflake's error code when the failure carries one.
- :mod:`.constraints`: PRIMARY KEY / UNIQUE / FOREIGN KEY accepted and not enforced (a primary key's columns
  NOT NULL), CHANGE_TRACKING recorded.
- :mod:`.context_functions`: ``CURRENT_DATABASE()`` / ``CURRENT_SCHEMA()`` answer the session's context (NULL
  without one), not DuckDB's search path.
- :mod:`.conversions`: VARIANT → text and TO_TIMESTAMP[_NTZ|_TZ|_LTZ] as Snowflake converts them.
- :mod:`.rewrites`: the one-walk AST rewriter (an engine rewriter) that applies :mod:`.conversions`,
  :mod:`.types` (FLOAT(p), AUTOINCREMENT … START = n), :mod:`.intervals` (unit abbreviations), :mod:`.joins`
  (ASOF JOIN … MATCH_CONDITION), :mod:`.variables` (``$v``) and :mod:`.temp_tables` (qualified temporary tables).
- :mod:`.stages`: ``LIST @stage`` with Snowflake's name resolution.
- :mod:`.numbers`: exact NUMBER arithmetic with Snowflake's result types (SUM, AVG, division), a translation
  hook around fakesnow's rewrites.

Stands on :mod:`moviecdc.local.core` only; statement families and the session use it.
"""
