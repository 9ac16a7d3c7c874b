"""What the engine does wrong today, case by case: ``family/id`` -> reason. Each listed case is a strict xfail.

Grouped by cause, so this file is also the list of the engine's gaps. When a fix lands, its cases XPASS (which
fails the run, being strict): delete their lines here. ``python -m tests.conformance`` prints the current state.
"""

from __future__ import annotations

# -- streams and tasks ----------------------------------------------------------------------------------------
CTAS_STREAM = "CREATE TABLE … AS SELECT … FROM <stream> does not advance the stream's offset"
STALE_BY_CLOCK = (
    "a stream is not made stale when the clock passes STALE_AFTER (reported only): the engine does not record "
    "when each change was made"
)
# -- semi-structured ------------------------------------------------------------------------------------------
EXPONENT_LOST = (
    "PARSE_JSON stores a number written with an exponent (1.5e2) as 150.0 (DuckDB's json() normalises it): "
    "TYPEOF of the stored value reads DECIMAL, not DOUBLE"
)
# -- numbers --------------------------------------------------------------------------------------------------
INT64_COLUMNS = "integer columns are 64-bit (BIGINT): a value beyond int64 raises UnsupportedSqlError naming the limit"
# -- date and time --------------------------------------------------------------------------------------------
TIMESTAMP_TZ_OFFSET = (
    "TIMESTAMP_TZ values are kept in UTC (DuckDB has no per-value offset): a non-UTC offset raises UnsupportedSqlError"
)
# -- transactions ---------------------------------------------------------------------------------------------
FAILED_STATEMENT = (
    "a failing statement inside BEGIN … COMMIT rolls back the whole transaction (DuckDB cannot undo one statement): "
    "UnsupportedSqlError says so; Snowflake rolls back only that statement and the transaction stays open"
)
# -- history --------------------------------------------------------------------------------------------------
NO_HISTORY = "time travel on a table without CHANGE_TRACKING = TRUE: the engine kept no history (UnsupportedSqlError)"

_BY_REASON: dict[str, list[str]] = {
    CTAS_STREAM: ["streams/ctas_from_the_stream_consumes_it"],
    EXPONENT_LOST: ["semistructured/typeof_of_a_stored_number_with_an_exponent_is_double"],
    INT64_COLUMNS: ["numeric/number_38_0_holds_38_digits"],
    STALE_BY_CLOCK: ["streams/unconsumed_stream_is_stale_after_the_14_day_extension"],
    TIMESTAMP_TZ_OFFSET: ["datetime/to_timestamp_tz_keeps_the_offset"],
    FAILED_STATEMENT: ["transactions/failed_statement_leaves_the_transaction_open"],
    NO_HISTORY: ["history/at_before_the_table_existed_fails"],
}  # fmt: skip

GAPS: dict[str, str] = {case: reason for reason, cases in _BY_REASON.items() for case in cases}
REASONS: dict[str, list[str]] = _BY_REASON
