"""What the engine does wrong today, case by case: ``family/id`` -> reason. Each listed case is a strict xfail.

Grouped by cause, so this file is also the list of the engine's gaps. When a fix lands, its cases XPASS (which
fails the run, being strict): delete their lines here. ``python -m tests.conformance`` prints the current state.
"""

from __future__ import annotations

# -- numbers ------------------------------------------------------------------------------------------------
SUM_DOUBLE = (
    "SUM returns DOUBLE (a Python float) for NUMBER/INT input; Snowflake returns NUMBER(38, s), exact "
    "(Decimal with the input's scale, or int)"
)
AVG_DOUBLE = "AVG returns DOUBLE; Snowflake returns NUMBER with scale max(s, min(s + 6, 12)), e.g. Decimal('3.600000')"
DIVISION_DOUBLE = (
    "NUMBER / NUMBER returns DOUBLE; Snowflake returns NUMBER with scale max(s1, min(s1 + 6, 12)), "
    "e.g. 1/4 = Decimal('0.250000')"
)
# -- DML ------------------------------------------------------------------------------------------------------
MERGE_FS_GLOBAL = (
    "MERGE fails on any table with DuckDB's raw 'TransactionContext Error: Attempting to write to "
    'database "_fs_global" in a transaction that has already modified database …\''
)
QUALIFIED_SET = (
    "UPDATE t SET t.col = … (a qualified SET target, as the UPDATE page's own example writes it) fails with a "
    "raw DuckDB parser error"
)
MERGE_ALL_BY_NAME = "MERGE … UPDATE ALL BY NAME / INSERT ALL BY NAME fails with a raw parser error ('Unexpected token')"
MULTI_TABLE_INSERT = "INSERT ALL / INSERT FIRST (multi-table insert) fails with a raw DuckDB parser error"
MULTI_JOINED = (
    "UPDATE … FROM where one target row joins two source rows answers (2, 0); Snowflake counts 1 row "
    "updated and 1 multi-joined row updated"
)
CONSTRAINTS_ENFORCED = (
    "PRIMARY KEY / UNIQUE / FOREIGN KEY are enforced by DuckDB (raw 'Constraint Error'); "
    "Snowflake enforces only NOT NULL"
)
RELY = "PRIMARY KEY (…) RELY fails with a raw DuckDB parser error"
# -- streams and tasks ----------------------------------------------------------------------------------------
CTAS_STREAM = "CREATE TABLE … AS SELECT … FROM <stream> does not advance the stream's offset"
INSERT_ONLY = (
    "CREATE STREAM … INSERT_ONLY = TRUE on a table raises UnsupportedSqlError; Snowflake rejects it as "
    "invalid ('Streams of type INSERT_ONLY can only be created on external tables.')"
)
TASK_DEPENDENTS = "SYSTEM$TASK_DEPENDENTS_ENABLE is missing (raw 'Scalar Function … does not exist')"
# -- semi-structured ------------------------------------------------------------------------------------------
VARIANT_QUOTES = "a VARIANT string cast to or stored as VARCHAR keeps its JSON quotes ('\"green\"' instead of 'green')"
TYPEOF_JSON = "TYPEOF(<variant>) answers 'JSON' for every value instead of INTEGER/DECIMAL/VARCHAR/BOOLEAN/ARRAY/OBJECT"
FLATTEN_OUTER = "FLATTEN(…, OUTER => TRUE) of an empty array gives no row instead of one row of NULLs"
ARRAY_AGG_NULLS = "ARRAY_AGG keeps NULL inputs (as JSON null); Snowflake omits them"
# -- date and time --------------------------------------------------------------------------------------------
DATE_TRUNC_DATE = "DATE_TRUNC of a DATE returns a TIMESTAMP_NTZ; Snowflake returns a DATE (same type as the input)"
TO_TIMESTAMP_FRACTION = "TO_TIMESTAMP_NTZ(<decimal seconds>) rounds to whole seconds (1700000000.5 gives …:21)"
TIMESTAMP_TZ_OFFSET = "TO_TIMESTAMP_TZ converts to UTC and loses the offset written in the input (+02:00)"
ALTER_SESSION = "ALTER SESSION SET <parameter> raises UnsupportedSqlError (fakesnow does not translate it)"
INTERVAL_ABBREVIATIONS = (
    "INTERVAL with Snowflake's unit abbreviations is misread silently: '30 MIN' adds 30 seconds, '2 wk' adds 2 seconds"
)
INTERVAL_LIST = "INTERVAL with comma-separated parts ('1 d, 2 h') fails with a raw DuckDB 'Conversion Error'"
# -- session context ------------------------------------------------------------------------------------------
NO_DATABASE_NULL = (
    "with no current database CURRENT_DATABASE() / CURRENT_SCHEMA() answer DuckDB's 'memory' / "
    "'main'; Snowflake answers NULL"
)
CREATE_DATABASE_CURRENT = "CREATE DATABASE does not make the new database current (with PUBLIC as current schema)"
NO_PUBLIC_SCHEMA = (
    "CREATE DATABASE creates no PUBLIC schema (SHOW SCHEMAS lists only a lower-case "
    "information_schema; USE SCHEMA db.PUBLIC is a raw catalog error)"
)
USE_DATABASE_SCHEMA = "USE [DATABASE] <db> leaves the current schema at DuckDB's 'main' instead of PUBLIC"
USE_MISSING_DATABASE = (
    "USE DATABASE of a missing database gives a raw DuckDB catalog error ('No catalog + schema "
    "named …') instead of Snowflake's 'does not exist' error"
)
MACROS_NEED_DATABASE = (
    "without a current database CAST(… AS TIMESTAMP_NTZ) fails with raw 'Scalar Function "
    "_fs_to_timestamp does not exist'"
)
QUOTED_IDENTIFIERS = (
    "quoted identifiers match case-insensitively: FROM lower_t finds \"lower_t\"; Snowflake raises 'does not exist'"
)
SHOW_DATABASES_LIKE = "SHOW DATABASES LIKE '<pattern>' ignores the pattern and lists every database"
VARIABLES_IN_DML = (
    "$variable in DML on a table with a stream fails with raw 'Values were not provided for the following parameters'"
)
# -- account DDL ----------------------------------------------------------------------------------------------
CURRENT_ROLE = "CURRENT_ROLE() answers 'duckdb': no roles are modelled, USE ROLE is not recorded"
CURRENT_WAREHOUSE = "CURRENT_WAREHOUSE() is missing (raw 'Scalar Function … does not exist')"
SHOW_ROLES = "SHOW ROLES [LIKE …] fails with a raw DuckDB parser error; the system roles are not modelled"
WAREHOUSE_DDL = "CREATE WAREHOUSE fails with a raw DuckDB parser error"
USE_MISSING_OBJECT = "USE WAREHOUSE / USE ROLE of an object that does not exist succeeds; Snowflake raises an error"
ROLE_DDL = "CREATE ROLE fails with a raw DuckDB parser error"
GRANT = "GRANT … TO ROLE fails with a raw DuckDB parser error"
USER_DDL = "CREATE USER … PASSWORD = … raises UnsupportedSqlError (fakesnow does not translate it)"
MANAGED_ACCESS = "CREATE SCHEMA … WITH MANAGED ACCESS fails with a raw DuckDB parser error"
CHANGE_TRACKING = "ALTER TABLE … SET CHANGE_TRACKING = TRUE fails with a raw DuckDB parser error"
COMMENT_RESULT = "COMMENT ON TABLE answers [(1,)] instead of 'Statement executed successfully.'"
# -- transactions ---------------------------------------------------------------------------------------------
FAILED_STATEMENT = (
    "a failing statement inside BEGIN … COMMIT rolls back the whole transaction; Snowflake rolls "
    "back only that statement and the transaction stays open"
)
CURRENT_TRANSACTION = "CURRENT_TRANSACTION() is missing (raw 'Scalar Function … does not exist')"

_BY_REASON: dict[str, list[str]] = {
    SUM_DOUBLE: [
        "numeric/sum_of_number_keeps_scale_exactly", "numeric/sum_of_integers_is_an_integer",
        "numeric/sum_of_large_integers_is_exact", "numeric/sum_of_products_keeps_scale",
        "numeric/sum_of_iff_is_an_integer", "window/sum_over_partition_of_integers",
        "window/sum_over_partition_of_number_keeps_scale", "window/running_sum_with_rows_frame",
        "dynamic_tables/sum_column_keeps_the_number_type",
    ],
    AVG_DOUBLE: [
        "numeric/avg_of_integers_has_scale_six", "numeric/avg_of_integers_rounds_at_scale_six",
        "window/avg_over_integers_has_scale_six",
    ],
    DIVISION_DOUBLE: [
        "numeric/integer_division_has_scale_six", "numeric/integer_division_one_third",
        "numeric/division_scale_is_numerator_scale_plus_six",
    ],
    MERGE_FS_GLOBAL: [
        "dml/merge_update_only_result_row", "dml/merge_upsert_result_row", "dml/merge_upsert_with_qualified_set_target",
        "dml/merge_several_matched_clauses_result_row", "dml/merge_several_matched_clauses_first_true_wins",
        "dml/merge_delete_result_row", "dml/merge_not_matched_with_and_condition", "dml/merge_from_subquery_source",
        "dml/merge_nondeterministic_update_is_an_error", "dml/merge_stream_into_history_with_qualified_targets",
    ],
    MERGE_ALL_BY_NAME: ["dml/merge_all_by_name"],
    MULTI_TABLE_INSERT: [
        "dml/insert_all_unconditional_into_two_tables", "dml/insert_first_takes_the_first_true_branch",
        "dml/insert_all_conditional_takes_every_true_branch",
    ],
    MULTI_JOINED: ["dml/update_from_multi_joined_row_is_counted"],
    QUALIFIED_SET: ["dml/update_qualified_set_target"],
    CONSTRAINTS_ENFORCED: [
        "dml/primary_key_is_not_enforced", "dml/unique_is_not_enforced", "dml/foreign_key_is_not_enforced",
    ],
    RELY: ["dml/primary_key_rely_is_accepted"],
    CTAS_STREAM: ["streams/ctas_from_the_stream_consumes_it"],
    INSERT_ONLY: ["streams/insert_only_on_a_standard_table_is_refused"],
    TASK_DEPENDENTS: ["tasks/task_dependents_enable_resumes_the_graph"],
    VARIANT_QUOTES: [
        "semistructured/cast_to_string_drops_json_quotes",
        "semistructured/variant_string_stored_in_varchar_has_no_quotes",
    ],
    TYPEOF_JSON: ["semistructured/typeof_of_parsed_values"],
    FLATTEN_OUTER: ["semistructured/flatten_outer_keeps_a_row_for_empty_input"],
    ARRAY_AGG_NULLS: ["semistructured/array_agg_skips_nulls"],
    DATE_TRUNC_DATE: ["datetime/date_trunc_of_date_is_a_date", "datetime/date_trunc_quarter"],
    TO_TIMESTAMP_FRACTION: ["datetime/to_timestamp_ntz_keeps_decimal_fraction"],
    TIMESTAMP_TZ_OFFSET: ["datetime/to_timestamp_tz_keeps_the_offset"],
    ALTER_SESSION: [
        "datetime/to_timestamp_ltz_in_session_time_zone", "account/alter_session_set_parameter",
        "account/alter_session_set_query_tag",
    ],
    INTERVAL_ABBREVIATIONS: ["datetime/interval_min_abbreviation", "datetime/interval_on_date_stays_a_date"],
    INTERVAL_LIST: ["datetime/interval_several_parts", "datetime/interval_hrs_and_secs"],
    NO_DATABASE_NULL: ["session/no_current_database_is_null", "session/no_current_schema_is_null"],
    CREATE_DATABASE_CURRENT: [
        "session/create_database_makes_it_current_with_public", "session/create_database_replaces_the_current_one",
        "session/new_database_has_public_for_tables",
    ],
    NO_PUBLIC_SCHEMA: [
        "session/new_database_has_public_and_information_schema", "session/use_schema_public_of_new_database",
    ],
    USE_DATABASE_SCHEMA: [
        "session/use_database_sets_schema_public", "session/use_without_keyword_is_use_database",
        "session/objects_land_in_the_current_database",
    ],
    USE_MISSING_DATABASE: ["session/use_of_a_missing_database_is_an_error"],
    MACROS_NEED_DATABASE: ["session/cast_to_timestamp_without_a_database"],
    QUOTED_IDENTIFIERS: ["session/quoted_identifiers_keep_their_case"],
    SHOW_DATABASES_LIKE: ["session/show_databases_lists_a_new_database"],
    VARIABLES_IN_DML: ["session/session_variable_in_dml_on_a_tracked_table"],
    CURRENT_ROLE: ["account/use_role_accountadmin_on_a_fresh_account"],
    CURRENT_WAREHOUSE: ["account/use_warehouse_compute_wh_on_a_fresh_account"],
    SHOW_ROLES: [
        "account/sysadmin_is_a_system_role", "account/securityadmin_is_a_system_role",
        "account/useradmin_is_a_system_role",
    ],
    WAREHOUSE_DDL: [
        "account/create_warehouse_result_row", "account/create_warehouse_makes_it_current",
        "account/show_warehouses_lists_it", "account/alter_warehouse_resize", "account/drop_warehouse_removes_it",
    ],
    USE_MISSING_OBJECT: ["account/use_of_a_missing_warehouse_is_an_error", "account/use_of_a_missing_role_is_an_error"],
    ROLE_DDL: [
        "account/create_role_result_row", "account/show_roles_lists_a_new_role", "account/grant_role_to_role",
        "account/grant_usage_on_warehouse", "account/grant_select_on_all_tables_in_schema", "account/revoke_role",
    ],
    GRANT: ["account/grant_to_a_missing_role_is_an_error"],
    USER_DDL: ["account/create_user_result_row", "account/show_users_lists_a_new_user"],
    MANAGED_ACCESS: ["account/create_schema_with_managed_access"],
    CHANGE_TRACKING: ["account/alter_table_set_change_tracking"],
    COMMENT_RESULT: ["account/comment_on_table"],
    FAILED_STATEMENT: ["transactions/failed_statement_leaves_the_transaction_open"],
    CURRENT_TRANSACTION: [
        "transactions/current_transaction_is_null_outside", "transactions/current_transaction_is_set_inside",
    ],
}  # fmt: skip

GAPS: dict[str, str] = {case: reason for reason, cases in _BY_REASON.items() for case in cases}
REASONS: dict[str, list[str]] = _BY_REASON
