"""Tasks: CREATE / DROP / EXECUTE (:mod:`.statements`, reading clauses: :mod:`.ddl`), ALTER TASK in every form
(:mod:`.alter`), graph rules and finalizers (:mod:`.graph`), schedules and cron (:mod:`.schedule`), the task catalog
(:mod:`.catalog`), task graphs and their runs (:mod:`.runs`), ``TASK_HISTORY`` (:mod:`.history`) and
``SHOW TASKS`` / ``DESCRIBE TASK`` (:mod:`.show`).

Stands on :mod:`moviecdc.local.core`; a task's body runs as an ordinary statement
(:mod:`moviecdc.local.ordinary`), and ``WHEN SYSTEM$STREAM_HAS_DATA`` asks :mod:`moviecdc.local.streams`. A body
that is Snowflake Scripting commits statement by statement, so a run asks :mod:`moviecdc.local.scripting` whether
it is one (``runs_own_transactions``). A session parameter set on a task follows the session's rules
(:mod:`moviecdc.local.account`'s ``parameters``).
"""
