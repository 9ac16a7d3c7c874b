"""The pytest plugin (moviecdc.testing), run as a user's test suite would run it: in a pytester session that
uses only the fixtures and helpers."""

from __future__ import annotations

import pytest

# pytester's in-process runs restore sys.modules afterwards; a C extension (DuckDB) first imported inside one and
# imported again in the next aborts the process. Loaded here, it stays loaded across runs.
import moviecdc.local
import moviecdc.pipeline  # noqa: F401

pytest_plugins = ["pytester"]

USER_TESTS = '''
from decimal import Decimal

from moviecdc.testing import START, advance_to_gold, booking, write_bookings

TEMPLATES = []


def test_local_session_is_fresh_and_in_memory(local_session):
    assert local_session.path is None
    assert local_session.now() == START
    local_session.sql("CREATE DATABASE SCRATCH").collect()


def test_pipeline_is_deployed_and_a_booking_reaches_gold(pipeline, pipeline_template):
    TEMPLATES.append(pipeline_template)
    write_bookings(
        pipeline.session,
        [
            booking("B1", movie_id="M9", ticket_count=2, ticket_price="10.00"),
            booking("B2", movie_id="M9", status="CANCELLED"),
            booking("B3", movie_id="M7", ticket_count=3, ticket_price="12.00"),
        ],
    )
    advance_to_gold(pipeline)
    rows = pipeline.session.sql(
        "SELECT MOVIE_ID, TOTAL_BOOKINGS, TOTAL_TICKETS_SOLD, TOTAL_REVENUE, TOTAL_CANCELLATIONS "
        "FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS ORDER BY MOVIE_ID"
    ).collect()
    assert [tuple(r) for r in rows] == [("M7", 1, 3, Decimal("36.00"), 0), ("M9", 2, 2, Decimal("20.00"), 1)]
    assert pipeline.status().healthy


def test_each_test_starts_from_the_deployed_empty_state(pipeline, pipeline_template):
    TEMPLATES.append(pipeline_template)
    assert pipeline.session.sql("SELECT COUNT(*) FROM MOVIES.PUBLIC.RAW_MOVIES_BOOKING").collect()[0][0] == 0
    assert pipeline.session.sql("SELECT COUNT(*) FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS").collect()[0][0] == 0
    tasks = pipeline.session.sql("SHOW TASKS IN SCHEMA MOVIES.PUBLIC").collect()
    assert {r["name"]: r["state"] for r in tasks} == {"INGEST_MOVIES_BOOKING_CDC_EVENTS": "started"}


def test_the_template_was_deployed_once():
    assert len(TEMPLATES) == 2 and TEMPLATES[0] == TEMPLATES[1]
'''


def test_the_fixtures_serve_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_pipeline=USER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)


def test_a_helper_fails_the_test_when_gold_never_catches_up(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user_stuck="""
from datetime import timedelta

import pytest

from moviecdc.testing import advance_to_gold, booking, write_bookings


def test_suspended_ingest(pipeline):
    pipeline.session.sql("ALTER TASK MOVIES.PUBLIC.INGEST_MOVIES_BOOKING_CDC_EVENTS SUSPEND").collect()
    write_bookings(pipeline.session, [booking("B1")])
    with pytest.raises(AssertionError, match="did not catch up"):
        advance_to_gold(pipeline, limit=timedelta(minutes=5))
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)
