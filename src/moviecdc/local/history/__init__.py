"""History: statement ids and the results they produced (:mod:`.queries`: ``LAST_QUERY_ID``,
``TABLE(RESULT_SCAN(…))``), and a table's past: time travel ``AT | BEFORE`` and the ``CHANGES`` clause
(:mod:`.travel`), read from the change log the streams family keeps.

Stands on :mod:`moviecdc.local.core` and on :mod:`moviecdc.local.streams` (its net-change query over the change
log is what ``CHANGES(INFORMATION => DEFAULT)`` returns, and a stream's offset is a point in time for
``AT(STREAM => …)``), and on :mod:`moviecdc.local.dialect` (``DATA_RETENTION_TIME_IN_DAYS`` and CHANGE_TRACKING as
its constraints module records them).
"""
