"""Date and time: DATEADD, DATEDIFF, DATE_TRUNC, TIME_SLICE, TO_TIMESTAMP_*, INTERVAL constants and parts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from .case import Case, family

F = "https://docs.snowflake.com/en/sql-reference/functions/"
DATEADD = F + "dateadd"
DATEDIFF = F + "datediff"
DATE_TRUNC = F + "date_trunc"
TIME_SLICE = F + "time_slice"
TO_TIMESTAMP = F + "to_timestamp"
TO_DATE = F + "to_date"
LAST_DAY = F + "last_day"
EXTRACT = F + "extract"
DATE_PART = F + "date_part"
DAYNAME = F + "dayname"
MONTHNAME = F + "monthname"
TIMEADD = F + "timeadd"
PARTS = "https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts"
INTERVALS = "https://docs.snowflake.com/en/sql-reference/data-types-datetime#interval-constants"
ARITHMETIC = "https://docs.snowflake.com/en/sql-reference/operators-arithmetic"

TS = "'2024-01-01 10:00:00'::TIMESTAMP_NTZ"

CASES = family(
    "datetime",
    [
        Case(
            "dateadd_day_on_date_is_a_date",
            DATEADD,
            query="SELECT DATEADD(day, 1, '2024-02-28'::DATE)",
            expect=[(date(2024, 2, 29),)],
        ),
        Case(
            "dateadd_month_clamps_to_month_end",
            DATEADD,
            query="SELECT DATEADD(month, 1, '2023-01-31'::DATE)",
            expect=[(date(2023, 2, 28),)],
        ),
        Case(
            "dateadd_hour_on_timestamp",
            DATEADD,
            query=f"SELECT DATEADD(hour, 3, {TS})",
            expect=[(datetime(2024, 1, 1, 13, 0),)],
        ),
        Case(
            "dateadd_negative_amount",
            DATEADD,
            query="SELECT DATEADD(day, -1, '2024-03-01'::DATE)",
            expect=[(date(2024, 2, 29),)],
        ),
        Case(
            "dateadd_part_abbreviation_mi",
            PARTS,
            query=f"SELECT DATEADD(mi, 30, {TS})",
            expect=[(datetime(2024, 1, 1, 10, 30),)],
        ),
        Case(
            "dateadd_part_abbreviation_yy",
            PARTS,
            query="SELECT DATEADD(yy, 1, '2024-02-29'::DATE)",
            expect=[(date(2025, 2, 28),)],
        ),
        Case(
            "timeadd_is_dateadd",
            TIMEADD,
            query=f"SELECT TIMEADD(minute, 5, {TS})",
            expect=[(datetime(2024, 1, 1, 10, 5),)],
        ),
        Case(
            "datediff_counts_year_boundaries",
            DATEDIFF,
            query="SELECT DATEDIFF(year, '2023-12-31'::DATE, '2024-01-01'::DATE)",
            expect=[(1,)],
        ),
        Case(
            "datediff_counts_hour_boundaries",
            DATEDIFF,
            query="SELECT DATEDIFF(hour, '2024-01-01 09:59:00'::TIMESTAMP_NTZ, '2024-01-01 10:01:00'::TIMESTAMP_NTZ)",
            expect=[(1,)],
        ),
        Case(
            "datediff_days",
            DATEDIFF,
            query="SELECT DATEDIFF(day, '2024-02-01'::DATE, '2024-03-01'::DATE)",
            expect=[(29,)],
        ),
        Case(
            "date_minus_date_is_days",
            ARITHMETIC,
            query="SELECT '2024-03-01'::DATE - '2024-02-01'::DATE",
            expect=[(29,)],
        ),
        Case(
            "date_trunc_month_of_timestamp",
            DATE_TRUNC,
            query="SELECT DATE_TRUNC('MONTH', '2024-03-17 15:45:00'::TIMESTAMP_NTZ)",
            expect=[(datetime(2024, 3, 1, 0, 0),)],
        ),
        Case(
            "date_trunc_of_date_is_a_date",
            DATE_TRUNC,
            query="SELECT DATE_TRUNC('YEAR', '2024-05-17'::DATE)",
            expect=[(date(2024, 1, 1),)],
        ),
        Case(
            "date_trunc_quarter",
            DATE_TRUNC,
            query="SELECT DATE_TRUNC('QUARTER', '2024-05-17'::DATE)",
            expect=[(date(2024, 4, 1),)],
        ),
        Case(
            "time_slice_minutes_start",
            TIME_SLICE,
            query="SELECT TIME_SLICE('2024-01-01 10:37:12'::TIMESTAMP_NTZ, 15, 'MINUTE')",
            expect=[(datetime(2024, 1, 1, 10, 30),)],
        ),
        Case(
            "time_slice_minutes_end",
            TIME_SLICE,
            query="SELECT TIME_SLICE('2024-01-01 10:37:12'::TIMESTAMP_NTZ, 15, 'MINUTE', 'END')",
            expect=[(datetime(2024, 1, 1, 10, 45),)],
        ),
        Case(
            "time_slice_months_of_date_aligned_to_1970",
            TIME_SLICE,
            query="SELECT TIME_SLICE('2024-06-15'::DATE, 4, 'MONTH'), "
            "TIME_SLICE('2024-06-15'::DATE, 4, 'MONTH', 'END')",
            expect=[(date(2024, 5, 1), date(2024, 9, 1))],
        ),
        Case(
            "to_timestamp_ntz_from_string",
            TO_TIMESTAMP,
            query="SELECT TO_TIMESTAMP_NTZ('2024-01-15 10:30:00')",
            expect=[(datetime(2024, 1, 15, 10, 30),)],
        ),
        Case(
            "to_timestamp_ntz_from_epoch_seconds",
            TO_TIMESTAMP,
            query="SELECT TO_TIMESTAMP_NTZ(1700000000)",
            expect=[(datetime(2023, 11, 14, 22, 13, 20),)],
        ),
        Case(
            "to_timestamp_ntz_with_scale_milliseconds",
            TO_TIMESTAMP,
            query="SELECT TO_TIMESTAMP_NTZ(1700000000123, 3)",
            expect=[(datetime(2023, 11, 14, 22, 13, 20, 123000),)],
        ),
        Case(
            "to_timestamp_ntz_keeps_decimal_fraction",
            TO_TIMESTAMP,
            query="SELECT TO_TIMESTAMP_NTZ(1700000000.5)",
            expect=[(datetime(2023, 11, 14, 22, 13, 20, 500000),)],
        ),
        Case(
            "to_timestamp_tz_keeps_the_offset",
            TO_TIMESTAMP,
            query="SELECT TO_TIMESTAMP_TZ('2024-01-15 10:30:00 +02:00')",
            expect=[(datetime(2024, 1, 15, 10, 30, tzinfo=timezone(timedelta(hours=2))),)],
        ),
        Case(
            "to_timestamp_ltz_in_session_time_zone",
            TO_TIMESTAMP,
            setup=("ALTER SESSION SET TIMEZONE = 'UTC'",),
            query="SELECT TO_TIMESTAMP_LTZ('2024-01-15 10:30:00')",
            expect=[(datetime(2024, 1, 15, 10, 30, tzinfo=timezone.utc),)],
        ),
        Case(
            "to_date_with_format",
            TO_DATE,
            query="SELECT TO_DATE('15/01/2024', 'DD/MM/YYYY')",
            expect=[(date(2024, 1, 15),)],
        ),
        Case(
            "interval_min_abbreviation",
            INTERVALS,
            query=f"SELECT {TS} + INTERVAL '30 MIN'",
            expect=[(datetime(2024, 1, 1, 10, 30),)],
        ),
        Case(
            "interval_several_parts",
            INTERVALS,
            query=f"SELECT {TS} + INTERVAL '1 d, 2 h'",
            expect=[(datetime(2024, 1, 2, 12, 0),)],
        ),
        Case(
            "interval_hrs_and_secs",
            INTERVALS,
            query=f"SELECT {TS} - INTERVAL '2 hrs, 30 secs'",
            expect=[(datetime(2024, 1, 1, 7, 59, 30),)],
        ),
        Case(
            "interval_on_date_stays_a_date",
            INTERVALS,
            query="SELECT '2024-01-31'::DATE + INTERVAL '2 wk'",
            expect=[(date(2024, 2, 14),)],
        ),
        Case("last_day_of_month", LAST_DAY, query="SELECT LAST_DAY('2024-02-10'::DATE)", expect=[(date(2024, 2, 29),)]),
        Case(
            "extract_year_is_an_integer",
            EXTRACT,
            query="SELECT EXTRACT(year FROM '2024-05-17'::DATE)",
            expect=[(2024,)],
        ),
        Case("date_part_month", DATE_PART, query="SELECT DATE_PART('month', '2024-05-17'::DATE)", expect=[(5,)]),
        Case("dayname_three_letters", DAYNAME, query="SELECT DAYNAME('2024-01-15'::DATE)", expect=[("Mon",)]),
        Case("monthname_three_letters", MONTHNAME, query="SELECT MONTHNAME('2024-01-15'::DATE)", expect=[("Jan",)]),
    ],
)
