"""Streams: CREATE / DROP / SHOW / DESCRIBE STREAM (:mod:`.ddl`), reading a stream and moving its offset
(:mod:`.reads`), the net-change query over the change log (:mod:`.delta`), and the capture of every DML form on
a tracked table into that log (:mod:`.capture`).

Stands on :mod:`moviecdc.local.core` only.
"""
