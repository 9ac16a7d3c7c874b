"""Account and governance objects: warehouses, roles, users, grants, managed-access schemas, comments and tags.

Modules: :mod:`.store` (where account objects live and how they persist with a ``path``), :mod:`.context` (the
session's current role and warehouse; ``CURRENT_ROLE()``, ``CURRENT_WAREHOUSE()``), :mod:`.clauses` (the
clauses their DDL shares), :mod:`.warehouses`, :mod:`.roles`, :mod:`.users`, :mod:`.grants`,
:mod:`.show_grants`, :mod:`.governance` (managed access, comments, tags), :mod:`.parameters` (ALTER SESSION,
SHOW PARAMETERS), :mod:`.unmodelled` (SHOW of objects the engine cannot create) and :mod:`.routes` (this
family's lines of the routing table, and its rewriters).

Stands on :mod:`moviecdc.local.core`; :mod:`.governance` hands ``CREATE SCHEMA``, ``ALTER SCHEMA``,
``COMMENT ON`` a table and ``SHOW TABLES`` to :mod:`moviecdc.local.ordinary` (it adds to those statements, it
does not change how they run), and reads CHANGE_TRACKING from :mod:`moviecdc.local.dialect.constraints`.
Everything here is recorded and answered by SHOW as Snowflake answers it; nothing is enforced: access control is
not emulated (a local session may do anything).
"""
