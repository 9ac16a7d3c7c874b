"""Snowflake Scripting: anonymous blocks, ``EXECUTE IMMEDIATE``, stored procedures and ``CALL``.

Modules: :mod:`.lexer` (tokens that know strings, comments and ``$$``), :mod:`.nodes` and :mod:`.syntax` (the
block's tree and its parser), :mod:`.binding` (variables into SQL as typed literals), :mod:`.expressions`
(evaluating expressions, casting assignments), :mod:`.state` (scopes, cursors, exception and control-flow
signals), :mod:`.interpreter` (running a block: variables, control flow, exceptions, transactions),
:mod:`.blocks` (anonymous blocks and ``EXECUTE IMMEDIATE``), :mod:`.procedures` (``CREATE/DROP/SHOW
PROCEDURE`` and ``CALL``) over :mod:`.procedure_catalog` (procedures kept in the catalog) and :mod:`.clauses`
(reading their clauses), and :mod:`.python` (Python handlers run in-process with a session that offers
``sql()``).

Stands on :mod:`moviecdc.local.core` (a block's SQL statements go back through the router with
``engine.run``, so they get every family's treatment without this package importing any) and
:mod:`moviecdc.local.dialect` (``describe``: a failed statement's Snowflake code and message, for
``SQLCODE``/``SQLERRM``/``SQLSTATE``).
"""
