"""The Snowflake dialect on DuckDB: what fakesnow does not translate, one module per construct family.

- :mod:`.errors`: foreign exceptions (DuckDB, sqlglot, fakesnow, the connector) become moviecdc errors, with
  Snowflake's error code when the failure carries one.
- :mod:`.numbers`: exact NUMBER arithmetic with Snowflake's result types (SUM, AVG, division), a translation
  hook around fakesnow's rewrites.

Stands on :mod:`moviecdc.local.core` only; statement families and the session use it.
"""
