"""Dynamic tables: DDL (:mod:`.ddl`, :mod:`.statements`), their catalog (:mod:`.catalog`) and storage
(:mod:`.storage`: a tracked table whose changes are logged like a stream's source), the refresh graph
(:mod:`.graph`), refresh strategies (:mod:`.refresh`: full, :mod:`.incremental` row-wise, :mod:`.aggregates`
grouped), refresh runs with failures and auto-suspension (:mod:`.runs`), ``DYNAMIC_TABLE_REFRESH_HISTORY``
(:mod:`.history`) and ``SHOW DYNAMIC TABLES`` (:mod:`.show`).

Stands on :mod:`moviecdc.local.core`, :mod:`moviecdc.local.streams` (the change log) and
:mod:`moviecdc.local.ordinary` (a query's first population).
"""
