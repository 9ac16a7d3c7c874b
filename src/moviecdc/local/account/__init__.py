"""Account and governance objects: warehouses, roles, users, grants (and, in later modules, session parameters,
tags, comments and the SHOW commands of objects the engine does not model).

Modules: :mod:`.store` (where account objects live and how they persist with a ``path``), :mod:`.context` (the
session's current role and warehouse; ``CURRENT_ROLE()``, ``CURRENT_WAREHOUSE()``), :mod:`.clauses` (the clauses
their DDL shares), :mod:`.warehouses`, :mod:`.roles`, :mod:`.users`, :mod:`.grants`, :mod:`.show_grants`, and
:mod:`.routes` (this family's lines of the routing table).

Stands on :mod:`moviecdc.local.core` only. Everything here is recorded and answered by SHOW as Snowflake answers
it; nothing is enforced: access control is not emulated (a local session may do anything).
"""
