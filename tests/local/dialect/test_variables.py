"""Session variables in DML on a table with a stream (issue 10: "Values were not provided for the following
parameters").

https://docs.snowflake.com/en/sql-reference/session-variables: ``SET v = …`` then ``$v`` in a statement.
"""

from __future__ import annotations

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession


def test_variables_in_dml_on_a_tracked_table(session: LocalSession) -> None:
    session.sql("SET NEW_ID = 7").collect()
    session.sql("SET LABEL = 'seven'").collect()
    session.sql("INSERT INTO T VALUES ($NEW_ID, $label)").collect()
    session.sql("UPDATE T SET VAL = $LABEL || '!' WHERE ID = $NEW_ID").collect()
    assert [tuple(r) for r in session.sql("SELECT ID, VAL FROM T").collect()] == [(7, "seven!")]
    assert [tuple(r) for r in session.sql('SELECT ID, VAL, "METADATA$ACTION" FROM S').collect()] == [
        (7, "seven!", "INSERT")
    ]
    session.sql("DELETE FROM T WHERE ID = $NEW_ID").collect()
    assert session.sql("SELECT COUNT(*) AS N FROM T").collect()[0].N == 0


def test_an_unset_variable_is_snowflakes_error(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match=r"Session variable '\$NOPE' does not exist"):
        session.sql("INSERT INTO T VALUES ($NOPE, 'x')").collect()


def test_the_same_statement_sees_the_variables_current_value(session: LocalSession) -> None:
    """A repeated statement text is not taken from a cache with an old value of its variable."""
    for value in (1, 2):
        session.sql(f"SET N = {value}").collect()
        session.sql("INSERT INTO T VALUES ($N, 'x')").collect()
    assert [r.ID for r in session.sql("SELECT ID FROM T ORDER BY ID").collect()] == [1, 2]
