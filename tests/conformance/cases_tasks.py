"""Tasks and task graphs: created suspended, RESUME/SUSPEND, schedules, WHEN, AFTER, EXECUTE TASK, TASK_HISTORY."""

from __future__ import annotations

from .case import Case, adv, family

CREATE = "https://docs.snowflake.com/en/sql-reference/sql/create-task"
ALTER = "https://docs.snowflake.com/en/sql-reference/sql/alter-task"
EXECUTE = "https://docs.snowflake.com/en/sql-reference/sql/execute-task"
HISTORY = "https://docs.snowflake.com/en/sql-reference/functions/task_history"
SHOW = "https://docs.snowflake.com/en/sql-reference/sql/show-tasks"
INTRO = "https://docs.snowflake.com/en/user-guide/tasks-intro"
GRAPHS = "https://docs.snowflake.com/en/user-guide/tasks-graphs"
DEPENDENTS = "https://docs.snowflake.com/en/sql-reference/functions/system_task_dependents_enable"
SET_RETURN = "https://docs.snowflake.com/en/sql-reference/functions/system_set_return_value"
DEPENDENTS_TABLE = "https://docs.snowflake.com/en/sql-reference/functions/task_dependents"
RUNTIME_INFO = "https://docs.snowflake.com/en/sql-reference/functions/system_task_runtime_info"
DROP = "https://docs.snowflake.com/en/sql-reference/sql/drop-task"
BCR_SINGLETON = "https://docs.snowflake.com/release-notes/bcr-bundles/2026_06/bcr-2363"

LOG = "CREATE TABLE LOG (N INT)"
TASK = "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES (1)"
FAILING = "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' AS INSERT INTO LOG SELECT 1 / 0"
RESUME = "ALTER TASK K RESUME"
COUNT = "SELECT COUNT(*) FROM LOG"
STREAMED = (
    LOG,
    "CREATE TABLE T (ID INT)",
    "CREATE STREAM S ON TABLE T",
    "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('S') "
    "AS INSERT INTO LOG SELECT ID FROM S",
)
RUNS = "SELECT NAME, STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) WHERE STATE <> 'SCHEDULED'"
GRAPH = (
    LOG,
    "CREATE TASK ROOT WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES (1)",
    "CREATE TASK CHILD WAREHOUSE = COMPUTE_WH AFTER ROOT AS INSERT INTO LOG VALUES (2)",
)

CASES = family(
    "tasks",
    [
        Case(
            "created_suspended",
            CREATE,
            setup=(LOG, TASK),
            query="SHOW TASKS LIKE 'K'",
            pick=("name", "state"),
            expect=[("K", "suspended")],
        ),
        Case(
            "resume_starts_it",
            ALTER,
            setup=(LOG, TASK, RESUME),
            query="SHOW TASKS LIKE 'K'",
            pick=("state",),
            expect=[("started",)],
        ),
        Case(
            "suspend_stops_it",
            ALTER,
            setup=(LOG, TASK, RESUME, "ALTER TASK K SUSPEND"),
            query="SHOW TASKS LIKE 'K'",
            pick=("state",),
            expect=[("suspended",)],
        ),
        Case("suspended_task_never_runs", INTRO, setup=(LOG, TASK, adv(300)), query=COUNT, expect=[(0,)]),
        Case(
            "resumed_task_runs_on_its_schedule", INTRO, setup=(LOG, TASK, RESUME, adv(60)), query=COUNT, expect=[(1,)]
        ),
        Case(
            "minute_schedule_runs_every_minute", CREATE, setup=(LOG, TASK, RESUME, adv(150)), query=COUNT, expect=[(2,)]
        ),
        Case(
            "suspended_task_stops_running",
            ALTER,
            setup=(LOG, TASK, RESUME, adv(60), "ALTER TASK K SUSPEND", adv(300)),
            query=COUNT,
            expect=[(1,)],
        ),
        Case(
            "cron_schedule_runs_at_the_cron_time",
            CREATE,
            setup=(
                LOG,
                "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = 'USING CRON 0 * * * * UTC' "
                "AS INSERT INTO LOG VALUES (1)",
                RESUME,
                adv(3600),
            ),
            query=COUNT,
            expect=[(1,)],
        ),
        Case(
            "execute_task_runs_a_suspended_task_once",
            EXECUTE,
            setup=(LOG, TASK, "EXECUTE TASK K", adv(5)),
            query=COUNT,
            expect=[(1,)],
        ),
        Case(
            "execute_task_does_not_resume_it",
            EXECUTE,
            setup=(LOG, TASK, "EXECUTE TASK K", adv(5)),
            query="SHOW TASKS LIKE 'K'",
            pick=("state",),
            expect=[("suspended",)],
        ),
        Case(
            "when_false_skips_the_run",
            CREATE,
            setup=(*STREAMED, RESUME, adv(60)),
            query=RUNS,
            expect=[("K", "SKIPPED")],
        ),
        Case(
            "when_false_does_not_run_the_body", CREATE, setup=(*STREAMED, RESUME, adv(60)), query=COUNT, expect=[(0,)]
        ),
        Case(
            "when_true_runs_the_body",
            CREATE,
            setup=(*STREAMED, "INSERT INTO T VALUES (7)", RESUME, adv(60)),
            query="SELECT N FROM LOG",
            expect=[(7,)],
        ),
        Case(
            "task_dml_consumes_the_stream",
            INTRO,
            setup=(*STREAMED, "INSERT INTO T VALUES (7)", RESUME, adv(60)),
            query="SELECT SYSTEM$STREAM_HAS_DATA('S')",
            expect=[(False,)],
        ),
        Case(
            "history_records_success",
            HISTORY,
            setup=(LOG, TASK, RESUME, adv(60)),
            query=RUNS,
            expect=[("K", "SUCCEEDED")],
        ),
        Case(
            "history_records_failure",
            HISTORY,
            setup=(LOG, FAILING, RESUME, adv(60)),
            query=RUNS,
            expect=[("K", "FAILED")],
        ),
        Case(
            "history_lists_the_next_scheduled_run",
            HISTORY,
            setup=(LOG, TASK, RESUME),
            query="SELECT NAME, STATE, QUERY_ID FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())",
            expect=[("K", "SCHEDULED", None)],
        ),
        Case(
            "failed_run_leaves_target_unchanged",
            HISTORY,
            setup=(LOG, FAILING, RESUME, adv(60)),
            query=COUNT,
            expect=[(0,)],
        ),
        Case(
            "suspend_after_num_failures",
            CREATE,
            setup=(
                LOG,
                "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' "
                "SUSPEND_TASK_AFTER_NUM_FAILURES = 1 AS INSERT INTO LOG SELECT 1 / 0",
                RESUME,
                adv(60),
            ),
            query="SHOW TASKS LIKE 'K'",
            pick=("state",),
            expect=[("suspended",)],
        ),
        Case(
            "graph_root_run_triggers_resumed_child",
            GRAPHS,
            setup=(*GRAPH, "ALTER TASK CHILD RESUME", "ALTER TASK ROOT RESUME", adv(60)),
            query="SELECT N FROM LOG ORDER BY N",
            expect=[(1,), (2,)],
        ),
        Case(
            "graph_suspended_child_does_not_run",
            GRAPHS,
            setup=(*GRAPH, "ALTER TASK ROOT RESUME", adv(60)),
            query="SELECT N FROM LOG ORDER BY N",
            expect=[(1,)],
        ),
        Case(
            "graph_resuming_root_leaves_child_suspended",
            GRAPHS,
            setup=(*GRAPH, "ALTER TASK ROOT RESUME"),
            query="SHOW TASKS LIKE 'CHILD'",
            pick=("state",),
            expect=[("suspended",)],
        ),
        Case(
            "graph_execute_task_cascades_to_child",
            EXECUTE,
            setup=(*GRAPH, "ALTER TASK CHILD RESUME", "EXECUTE TASK ROOT", adv(5)),
            query="SELECT N FROM LOG ORDER BY N",
            expect=[(1,), (2,)],
        ),
        Case(
            "task_dependents_enable_resumes_the_graph",
            DEPENDENTS,
            setup=(*GRAPH, "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('ROOT')"),
            query="SHOW TASKS",
            pick=("name", "state"),
            ordered=False,
            expect=[("ROOT", "started"), ("CHILD", "started")],
        ),
        Case(
            "task_runs_in_its_own_schema_context",
            CREATE,
            setup=(LOG, TASK, RESUME, "CREATE DATABASE OTHER", adv(60)),
            query="SELECT COUNT(*) FROM CONF.PUBLIC.LOG",
            expect=[(1,)],
        ),
        Case(
            "alter_set_schedule_shows_in_show_tasks",
            ALTER,
            setup=(LOG, TASK, "ALTER TASK K SET SCHEDULE = '5 MINUTES' COMMENT = 'every five'"),
            query="SHOW TASKS LIKE 'K'",
            pick=("schedule", "comment"),
            expect=[("5 MINUTES", "every five")],
        ),
        Case(
            "alter_set_schedule_changes_the_runs",
            ALTER,
            setup=(LOG, TASK, "ALTER TASK K SET SCHEDULE = '5 MINUTES'", RESUME, adv(600)),
            query=COUNT,
            expect=[(2,)],
        ),
        Case(
            "alter_unset_comment",
            ALTER,
            setup=(LOG, TASK, "ALTER TASK K SET COMMENT = 'x'", "ALTER TASK K UNSET COMMENT"),
            query="SHOW TASKS LIKE 'K'",
            pick=("comment",),
            expect=[(None,)],
        ),
        Case(
            "alter_a_started_task_fails",
            BCR_SINGLETON,
            setup=(LOG, TASK, RESUME),
            query="ALTER TASK K SET SCHEDULE = '5 MINUTES'",
            error="suspend",
        ),
        Case(
            "alter_modify_as_changes_the_definition",
            ALTER,
            setup=(LOG, TASK, "ALTER TASK K MODIFY AS INSERT INTO LOG VALUES (2)", "EXECUTE TASK K"),
            query="SELECT N FROM LOG",
            expect=[(2,)],
        ),
        Case(
            "alter_modify_when_sets_the_condition",
            ALTER,
            setup=(LOG, TASK, "ALTER TASK K MODIFY WHEN 1 = 2", RESUME, adv(60)),
            query=RUNS,
            expect=[("K", "SKIPPED")],
        ),
        Case(
            "alter_remove_after_makes_a_suspended_root",
            ALTER,
            setup=(*GRAPH, "ALTER TASK CHILD RESUME", "ALTER TASK CHILD REMOVE AFTER ROOT"),
            query="SHOW TASKS LIKE 'CHILD'",
            pick=("predecessors", "state"),
            expect=[("[]", "suspended")],
        ),
        Case(
            "alter_add_after_needs_the_root_suspended",
            ALTER,
            setup=(LOG, TASK, "CREATE TASK C AS SELECT 1", RESUME),
            query="ALTER TASK C ADD AFTER K",
            error="root task .* is not suspended",
        ),
        Case(
            "finalizer_runs_after_a_failed_child",
            GRAPHS,
            setup=(
                LOG,
                "CREATE TASK ROOT WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES (1)",
                "CREATE TASK CHILD WAREHOUSE = COMPUTE_WH AFTER ROOT AS INSERT INTO LOG SELECT 1 / 0",
                "CREATE TASK FIN WAREHOUSE = COMPUTE_WH FINALIZE = ROOT AS INSERT INTO LOG VALUES (3)",
                "ALTER TASK CHILD RESUME",
                "ALTER TASK FIN RESUME",
                "ALTER TASK ROOT RESUME",
                adv(60),
            ),
            query=RUNS + " ORDER BY COMPLETED_TIME",
            expect=[("ROOT", "SUCCEEDED"), ("CHILD", "FAILED"), ("FIN", "SUCCEEDED")],
        ),
        Case(
            "return_value_reaches_the_child",
            SET_RETURN,
            setup=(
                "CREATE TABLE RETURN_VALUES (STR VARCHAR)",
                "CREATE TASK SETTER WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' "
                "AS CALL SYSTEM$SET_RETURN_VALUE('The quick brown fox jumps over the lazy dog')",
                "CREATE TASK GETTER WAREHOUSE = COMPUTE_WH AFTER SETTER "
                "AS INSERT INTO RETURN_VALUES VALUES (SYSTEM$GET_PREDECESSOR_RETURN_VALUE())",
                "ALTER TASK GETTER RESUME",
                "ALTER TASK SETTER RESUME",
                adv(60),
            ),
            query="SELECT STR FROM RETURN_VALUES",
            expect=[("The quick brown fox jumps over the lazy dog",)],
        ),
        Case(
            "task_dependents_direct_children_only",
            DEPENDENTS_TABLE,
            setup=(*GRAPH, "CREATE TASK GRANDCHILD WAREHOUSE = COMPUTE_WH AFTER CHILD AS SELECT 1"),
            query='SELECT "name" FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS('
            "TASK_NAME => 'ROOT', RECURSIVE => FALSE))",
            expect=[("ROOT",), ("CHILD",)],
        ),
        Case(
            "task_dependents_recursive_by_default",
            DEPENDENTS_TABLE,
            setup=(*GRAPH, "CREATE TASK GRANDCHILD WAREHOUSE = COMPUTE_WH AFTER CHILD AS SELECT 1"),
            query="SELECT \"name\" FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS(TASK_NAME => 'ROOT'))",
            expect=[("ROOT",), ("CHILD",), ("GRANDCHILD",)],
        ),
        Case(
            "task_runtime_info_fails_outside_a_task_run",
            RUNTIME_INFO,
            query="SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME')",
            error="",
        ),
        Case(
            "drop_task_removes_it",
            DROP,
            setup=(LOG, TASK, "DROP TASK K"),
            query="SHOW TASKS LIKE 'K'",
            pick=("name",),
            expect=[],
        ),
    ],
)
