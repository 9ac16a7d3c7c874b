"""What the engine does wrong today, case by case: ``family/id`` -> reason. Each listed case is a strict xfail.

Grouped by cause, so this file is also the list of the engine's gaps. When a fix lands, its cases XPASS (which
fails the run, being strict): delete their lines here. ``python -m tests.conformance`` prints the current state.
"""

from __future__ import annotations

# -- streams and tasks ----------------------------------------------------------------------------------------
CTAS_STREAM = "CREATE TABLE … AS SELECT … FROM <stream> does not advance the stream's offset"
TASK_DEPENDENTS = "SYSTEM$TASK_DEPENDENTS_ENABLE is not emulated (UnsupportedSqlError)"
# -- semi-structured ------------------------------------------------------------------------------------------
FLATTEN_OUTER = "FLATTEN(…, OUTER => TRUE) of an empty array gives no row instead of one row of NULLs"
ARRAY_AGG_NULLS = "ARRAY_AGG keeps NULL inputs (as JSON null); Snowflake omits them"
# -- date and time --------------------------------------------------------------------------------------------
DATE_TRUNC_DATE = "DATE_TRUNC of a DATE returns a TIMESTAMP_NTZ; Snowflake returns a DATE (same type as the input)"
TIMESTAMP_TZ_OFFSET = "TO_TIMESTAMP_TZ converts to UTC and loses the offset written in the input (+02:00)"
INTERVAL_ABBREVIATIONS = (
    "DATE + INTERVAL returns a TIMESTAMP_NTZ; Snowflake keeps a DATE when the interval has no time part"
)
# -- session context ------------------------------------------------------------------------------------------
NO_PUBLIC_SCHEMA = "SHOW SCHEMAS lists fakesnow's information_schema in lower case; Snowflake says INFORMATION_SCHEMA"
QUOTED_IDENTIFIERS = (
    "quoted identifiers match case-insensitively: FROM lower_t finds \"lower_t\"; Snowflake raises 'does not exist'"
)
SHOW_DATABASES_LIKE = "SHOW DATABASES LIKE '<pattern>' ignores the pattern and lists every database"
# -- transactions ---------------------------------------------------------------------------------------------
FAILED_STATEMENT = (
    "a failing statement inside BEGIN … COMMIT rolls back the whole transaction; Snowflake rolls "
    "back only that statement and the transaction stays open"
)
CURRENT_TRANSACTION = "CURRENT_TRANSACTION() is not emulated (UnsupportedSqlError)"
# -- history --------------------------------------------------------------------------------------------------
NO_HISTORY = "time travel on a table without CHANGE_TRACKING = TRUE: the engine kept no history (UnsupportedSqlError)"

_BY_REASON: dict[str, list[str]] = {
    CTAS_STREAM: ["streams/ctas_from_the_stream_consumes_it"],
    TASK_DEPENDENTS: ["tasks/task_dependents_enable_resumes_the_graph"],
    FLATTEN_OUTER: ["semistructured/flatten_outer_keeps_a_row_for_empty_input"],
    ARRAY_AGG_NULLS: ["semistructured/array_agg_skips_nulls"],
    DATE_TRUNC_DATE: ["datetime/date_trunc_of_date_is_a_date", "datetime/date_trunc_quarter"],
    TIMESTAMP_TZ_OFFSET: ["datetime/to_timestamp_tz_keeps_the_offset"],
    INTERVAL_ABBREVIATIONS: ["datetime/interval_on_date_stays_a_date"],
    NO_PUBLIC_SCHEMA: ["session/new_database_has_public_and_information_schema"],
    QUOTED_IDENTIFIERS: ["session/quoted_identifiers_keep_their_case"],
    SHOW_DATABASES_LIKE: ["session/show_databases_lists_a_new_database"],
    FAILED_STATEMENT: ["transactions/failed_statement_leaves_the_transaction_open"],
    CURRENT_TRANSACTION: [
        "transactions/current_transaction_is_null_outside", "transactions/current_transaction_is_set_inside",
    ],
    NO_HISTORY: ["history/at_before_the_table_existed_fails"],
}  # fmt: skip

GAPS: dict[str, str] = {case: reason for reason, cases in _BY_REASON.items() for case in cases}
REASONS: dict[str, list[str]] = _BY_REASON
