"""SCD-2 whose MERGE source is a view over a stream (Snowflake blog, "Building a Type 2 Slowly Changing
Dimension in Snowflake Using Streams and Tasks", parts 1 and 2). Views over streams are a known gap of the local
engine (issue "Fidelity, part 2"): the script must stop with a clear UnsupportedSqlError at the view, never run
on with a wrong answer."""

from __future__ import annotations

import pytest
from scenario_helpers import run

from moviecdc import LocalSession
from moviecdc.errors import UnsupportedSqlError

CHANGE_VIEW = """
CREATE OR REPLACE VIEW nation_change_data AS
SELECT n_nationkey, n_name, update_timestamp AS start_time, NULL::TIMESTAMP_NTZ AS end_time,
       TRUE AS current_flag, 'I' AS dml_type
FROM nation_table_changes
WHERE METADATA$ACTION = 'INSERT' AND METADATA$ISUPDATE = FALSE
"""


def test_the_change_view_is_refused_clearly(session: LocalSession) -> None:
    run(
        session,
        "CREATE TABLE nation (n_nationkey INT, n_name VARCHAR, update_timestamp TIMESTAMP_NTZ)",
        "CREATE STREAM nation_table_changes ON TABLE nation",
        "INSERT INTO nation VALUES (1, 'ARGENTINA', '2026-03-01 00:00:00')",
    )
    with pytest.raises(UnsupportedSqlError, match="view over a stream"):
        run(session, CHANGE_VIEW)
