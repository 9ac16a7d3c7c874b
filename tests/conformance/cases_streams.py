"""Streams: standard, append-only, SHOW_INITIAL_ROWS, offsets and consumption, METADATA$ columns."""

from __future__ import annotations

from .case import ANY, Case, adv, family

INTRO = "https://docs.snowflake.com/en/user-guide/streams-intro"
CREATE = "https://docs.snowflake.com/en/sql-reference/sql/create-stream"
HAS_DATA = "https://docs.snowflake.com/en/sql-reference/functions/system_stream_has_data"
SHOW = "https://docs.snowflake.com/en/sql-reference/sql/show-streams"
MANAGE = "https://docs.snowflake.com/en/user-guide/streams-manage"
INSERT_ONLY = "https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_01/bcr-795"

TABLE = "CREATE TABLE T (ID INT, V VARCHAR)"
SINK = "CREATE TABLE SINK (ID INT, V VARCHAR)"
STREAM = "CREATE STREAM S ON TABLE T"
CHANGES = "SELECT ID, V, METADATA$ACTION, METADATA$ISUPDATE FROM S ORDER BY ID, METADATA$ACTION"
SEEDED = (TABLE, "INSERT INTO T VALUES (1, 'a'), (2, 'b')")

CASES = family(
    "streams",
    [
        Case(
            "insert_is_an_insert_row",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')"),
            query=CHANGES,
            expect=[(1, "a", "INSERT", False)],
        ),
        Case(
            "update_is_a_delete_insert_pair",
            INTRO,
            setup=(*SEEDED, STREAM, "UPDATE T SET V = 'z' WHERE ID = 1"),
            query=CHANGES,
            expect=[(1, "a", "DELETE", True), (1, "z", "INSERT", True)],
        ),
        Case(
            "update_pair_shares_one_row_id",
            INTRO,
            setup=(*SEEDED, STREAM, "UPDATE T SET V = 'z' WHERE ID = 1"),
            query="SELECT COUNT(DISTINCT METADATA$ROW_ID), COUNT(*) FROM S",
            expect=[(1, 2)],
        ),
        Case(
            "two_updates_net_to_offset_and_current_values",
            INTRO,
            setup=(*SEEDED, STREAM, "UPDATE T SET V = 'y' WHERE ID = 1", "UPDATE T SET V = 'z' WHERE ID = 1"),
            query=CHANGES,
            expect=[(1, "a", "DELETE", True), (1, "z", "INSERT", True)],
        ),
        Case(
            "insert_then_update_nets_to_one_insert",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "UPDATE T SET V = 'z' WHERE ID = 1"),
            query=CHANGES,
            expect=[(1, "z", "INSERT", False)],
        ),
        Case(
            "insert_then_delete_nets_to_nothing",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "DELETE FROM T WHERE ID = 1"),
            query="SELECT COUNT(*) FROM S",
            expect=[(0,)],
        ),
        Case(
            "delete_of_existing_row_is_a_delete_row",
            INTRO,
            setup=(*SEEDED, STREAM, "DELETE FROM T WHERE ID = 2"),
            query=CHANGES,
            expect=[(2, "b", "DELETE", False)],
        ),
        Case(
            "rows_before_the_stream_are_not_changes",
            INTRO,
            setup=(*SEEDED, STREAM),
            query="SELECT COUNT(*) FROM S",
            expect=[(0,)],
        ),
        Case(
            "stream_columns_are_table_columns_then_metadata",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')"),
            query="SELECT * FROM S",
            columns=("ID", "V", "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID"),
            expect=[(1, "a", "INSERT", False, ANY)],
        ),
        Case(
            "plain_select_does_not_advance_the_offset",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "SELECT * FROM S"),
            query=CHANGES,
            expect=[(1, "a", "INSERT", False)],
        ),
        Case(
            "dml_reading_the_stream_consumes_it",
            INTRO,
            setup=(TABLE, SINK, STREAM, "INSERT INTO T VALUES (1, 'a')", "INSERT INTO SINK SELECT ID, V FROM S"),
            query="SELECT COUNT(*) FROM S",
            expect=[(0,)],
        ),
        Case(
            "dml_consumption_moves_the_rows",
            INTRO,
            setup=(TABLE, SINK, STREAM, "INSERT INTO T VALUES (1, 'a')", "INSERT INTO SINK SELECT ID, V FROM S"),
            query="SELECT ID, V FROM SINK",
            expect=[(1, "a")],
        ),
        Case(
            "ctas_from_the_stream_consumes_it",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "CREATE TABLE C AS SELECT ID, V FROM S"),
            query="SELECT (SELECT COUNT(*) FROM S), (SELECT COUNT(*) FROM C)",
            expect=[(0, 1)],
        ),
        Case(
            "rolled_back_consumption_keeps_the_offset",
            INTRO,
            setup=(
                TABLE,
                SINK,
                STREAM,
                "INSERT INTO T VALUES (1, 'a')",
                "BEGIN",
                "INSERT INTO SINK SELECT ID, V FROM S",
                "ROLLBACK",
            ),
            query="SELECT ID, METADATA$ACTION FROM S",
            expect=[(1, "INSERT")],
        ),
        Case(
            "changes_after_consumption_are_new_changes",
            INTRO,
            setup=(
                TABLE,
                SINK,
                STREAM,
                "INSERT INTO T VALUES (1, 'a')",
                "INSERT INTO SINK SELECT ID, V FROM S",
                "UPDATE T SET V = 'b' WHERE ID = 1",
            ),
            query=CHANGES,
            expect=[(1, "a", "DELETE", True), (1, "b", "INSERT", True)],
        ),
        Case(
            "streams_on_one_table_have_their_own_offsets",
            INTRO,
            setup=(
                TABLE,
                SINK,
                STREAM,
                "CREATE STREAM S2 ON TABLE T",
                "INSERT INTO T VALUES (1, 'a')",
                "INSERT INTO SINK SELECT ID, V FROM S",
            ),
            query="SELECT (SELECT COUNT(*) FROM S), (SELECT COUNT(*) FROM S2)",
            expect=[(0, 1)],
        ),
        Case(
            "truncate_is_recorded_as_deletes",
            INTRO,
            setup=(*SEEDED, STREAM, "TRUNCATE TABLE T"),
            query="SELECT ID, METADATA$ACTION FROM S ORDER BY ID",
            expect=[(1, "DELETE"), (2, "DELETE")],
        ),
        Case(
            "merge_on_tracked_table_is_captured",
            INTRO,
            setup=(
                *SEEDED,
                STREAM,
                "MERGE INTO T USING (SELECT 1 AS ID, 'z' AS V UNION ALL SELECT 3, 'c') N ON T.ID = N.ID "
                "WHEN MATCHED THEN UPDATE SET V = N.V WHEN NOT MATCHED THEN INSERT (ID, V) VALUES (N.ID, N.V)",
            ),
            query=CHANGES,
            expect=[(1, "a", "DELETE", True), (1, "z", "INSERT", True), (3, "c", "INSERT", False)],
        ),
        Case(
            "append_only_shows_inserts",
            INTRO,
            setup=(
                *SEEDED,
                "CREATE STREAM S ON TABLE T APPEND_ONLY = TRUE",
                "INSERT INTO T VALUES (3, 'c')",
                "UPDATE T SET V = 'z' WHERE ID = 1",
                "DELETE FROM T WHERE ID = 2",
            ),
            query=CHANGES,
            expect=[(3, "c", "INSERT", False)],
        ),
        Case(
            "append_only_keeps_inserts_that_were_deleted",
            INTRO,
            setup=(
                TABLE,
                "CREATE STREAM S ON TABLE T APPEND_ONLY = TRUE",
                "INSERT INTO T VALUES (1, 'a'), (2, 'b')",
                "DELETE FROM T WHERE ID = 1",
            ),
            query=CHANGES,
            expect=[(1, "a", "INSERT", False), (2, "b", "INSERT", False)],
        ),
        Case(
            "append_only_ignores_truncate",
            INTRO,
            setup=(*SEEDED, "CREATE STREAM S ON TABLE T APPEND_ONLY = TRUE", "TRUNCATE TABLE T"),
            query="SELECT COUNT(*) FROM S",
            expect=[(0,)],
        ),
        Case(
            "show_initial_rows_returns_existing_rows_as_inserts",
            CREATE,
            setup=(*SEEDED, "CREATE STREAM S ON TABLE T SHOW_INITIAL_ROWS = TRUE"),
            query=CHANGES,
            expect=[(1, "a", "INSERT", False), (2, "b", "INSERT", False)],
        ),
        Case(
            "show_initial_rows_only_on_first_consumption",
            CREATE,
            setup=(
                *SEEDED,
                SINK,
                "CREATE STREAM S ON TABLE T SHOW_INITIAL_ROWS = TRUE",
                "INSERT INTO SINK SELECT ID, V FROM S",
                "INSERT INTO T VALUES (3, 'c')",
            ),
            query=CHANGES,
            expect=[(3, "c", "INSERT", False)],
        ),
        Case(
            "create_if_not_exists_keeps_the_offset",
            CREATE,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "CREATE STREAM IF NOT EXISTS S ON TABLE T"),
            query="SELECT COUNT(*) FROM S",
            expect=[(1,)],
        ),
        Case(
            "create_or_replace_starts_a_new_offset",
            MANAGE,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "CREATE OR REPLACE STREAM S ON TABLE T"),
            query="SELECT COUNT(*) FROM S",
            expect=[(0,)],
        ),
        Case(
            "stream_has_data_false_when_empty",
            HAS_DATA,
            setup=(TABLE, STREAM),
            query="SELECT SYSTEM$STREAM_HAS_DATA('S')",
            expect=[(False,)],
        ),
        Case(
            "stream_has_data_true_after_a_change",
            HAS_DATA,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')"),
            query="SELECT SYSTEM$STREAM_HAS_DATA('S')",
            expect=[(True,)],
        ),
        Case(
            "insert_only_on_a_standard_table_is_refused",
            INSERT_ONLY,
            setup=(TABLE,),
            query="CREATE STREAM S ON TABLE T INSERT_ONLY = TRUE",
            error="INSERT_ONLY can only be created on external tables",
        ),
        # "The stream uses the current table schema" (Introduction to streams, Offset storage).
        Case(
            "stream_columns_follow_an_added_column",
            INTRO,
            setup=(TABLE, STREAM, "ALTER TABLE T ADD COLUMN N INT", "INSERT INTO T VALUES (1, 'a', 7)"),
            query="SELECT * EXCLUDE (METADATA$ROW_ID) FROM S",
            expect=[(1, "a", 7, "INSERT", False)],
        ),
        Case(
            "stream_columns_follow_a_dropped_column",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "ALTER TABLE T DROP COLUMN V"),
            query="SELECT * EXCLUDE (METADATA$ROW_ID) FROM S",
            expect=[(1, "INSERT", False)],
        ),
        Case(
            "stream_columns_follow_a_renamed_column",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "ALTER TABLE T RENAME COLUMN V TO W"),
            query="SELECT W, METADATA$ACTION FROM S",
            expect=[("a", "INSERT")],
        ),
        # "Renaming a source object does not break a stream or cause it to go stale" (Introduction to streams).
        Case(
            "renamed_source_keeps_its_stream",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", "ALTER TABLE T RENAME TO T2"),
            query="SELECT ID, V, METADATA$ACTION FROM S",
            expect=[(1, "a", "INSERT")],
        ),
        Case(
            "renamed_source_stream_is_not_stale",
            INTRO,
            setup=(TABLE, STREAM, "ALTER TABLE T RENAME TO T2"),
            query="SHOW STREAMS LIKE 'S'",
            pick=("name", "stale"),
            expect=[("S", "false")],
        ),
        # A stream becomes stale once its offset is older than the table's retention, extended for an
        # unconsumed stream up to MAX_DATA_EXTENSION_TIME_IN_DAYS (default 14 days).
        Case(
            "unconsumed_stream_is_stale_after_the_14_day_extension",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", adv(15 * 86_400)),
            query="SHOW STREAMS LIKE 'S'",
            pick=("name", "stale"),
            expect=[("S", "true")],
        ),
        Case(
            "stream_within_the_extension_is_not_stale",
            INTRO,
            setup=(TABLE, STREAM, "INSERT INTO T VALUES (1, 'a')", adv(13 * 86_400)),
            query="SHOW STREAMS LIKE 'S'",
            pick=("name", "stale"),
            expect=[("S", "false")],
        ),
        Case(
            "show_streams_mode_default",
            SHOW,
            setup=(TABLE, STREAM),
            query="SHOW STREAMS LIKE 'S'",
            pick=("name", "mode", "type"),
            expect=[("S", "DEFAULT", "DELTA")],
        ),
        Case(
            "show_streams_mode_append_only",
            SHOW,
            setup=(TABLE, "CREATE STREAM S ON TABLE T APPEND_ONLY = TRUE"),
            query="SHOW STREAMS LIKE 'S'",
            pick=("name", "mode"),
            expect=[("S", "APPEND_ONLY")],
        ),
    ],
)
