"""Ordinary statements: everything the router does not send elsewhere. fakesnow parses and translates them;
this package adds what Snowflake does around them: ``BEGIN`` / ``COMMIT`` / ``ROLLBACK``, DDL's implicit commit,
DDL that would break a tracked table, stream reads and their consumption by DML, and the capture of DML on a
tracked table (:mod:`moviecdc.local.streams.capture`).

Modules: :mod:`.statements` (``run_parsed``, transaction control), :mod:`.dml` (the DML forms fakesnow runs
wrongly or not at all: MERGE without a stream, INSERT ALL / FIRST, INSERT OVERWRITE), :mod:`.plans` (queries and
``INSERT … VALUES`` cached by shape: a repeated one skips sqlglot) and :mod:`.values` (a bulk ``INSERT … VALUES``
of literals without a tree per literal).

Stands on :mod:`moviecdc.local.core`, :mod:`moviecdc.local.streams` and :mod:`moviecdc.local.dialect` (a statement
is parsed with the dialect's rewrites, :func:`moviecdc.local.dialect.rewrites.parse`; table DDL passes its
constraint rules, :mod:`moviecdc.local.dialect.constraints`).
"""
