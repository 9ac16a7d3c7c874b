"""User-defined functions: SQL UDFs and UDTFs, Python UDFs with an inline handler; Java/JavaScript/Scala refused.

Before the dialect's udfs module, CREATE FUNCTION was accepted and a call answered the function's body as a
string (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

CREATE_FUNCTION = "https://docs.snowflake.com/en/sql-reference/sql/create-function"
SQL_SCALAR = "https://docs.snowflake.com/en/developer-guide/udf/sql/udf-sql-scalar-functions"
SQL_TABULAR = "https://docs.snowflake.com/en/developer-guide/udf/sql/udf-sql-tabular-functions"
PYTHON_UDF = "https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-introduction"
PYTHON_TYPES = "https://docs.snowflake.com/en/developer-guide/udf-stored-procedure-data-type-mapping"


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC") as session:
        session.sql("CREATE TABLE ORDERS (ID INT, CUSTOMER VARCHAR, AMOUNT NUMBER(10,2))").collect()
        session.sql("INSERT INTO ORDERS VALUES (1, 'ann', 10.50), (2, 'bob', 4.25), (3, 'ann', 1.00)").collect()
        yield session


def test_sql_scalar_udf_casts_its_argument_and_result_to_the_declared_types(s: LocalSession) -> None:
    """SQL_SCALAR / CREATE_FUNCTION: the body is an expression over the arguments; the argument is converted to
    its declared type and the result to the RETURNS type (NUMBER(10,2) rounds 2.555 to 2.56 on the way in)."""
    created = s.sql("CREATE FUNCTION ADD_TAX(PRICE NUMBER(10,2)) RETURNS NUMBER(10,2) AS $$ price * 1.2 $$").collect()
    assert created[0][0] == "Function ADD_TAX successfully created."
    row = s.sql("SELECT add_tax(2.555) AS A, ADD_TAX(NULL) AS B, ADD_TAX(10) AS C").collect()[0]
    assert (Decimal("3.07"), None, Decimal("12.00")) == (row.A, row.B, row.C)
    assert s.sql("SELECT ID, ADD_TAX(AMOUNT) AS T FROM ORDERS ORDER BY ID").collect() == [
        (1, Decimal("12.60")), (2, Decimal("5.10")), (3, Decimal("1.20")),
    ]  # fmt: skip


def test_sql_udf_with_a_query_body(s: LocalSession) -> None:
    """SQL_SCALAR: a scalar UDF's body may be a query returning one value."""
    s.sql("CREATE FUNCTION ORDER_COUNT() RETURNS NUMBER AS 'SELECT COUNT(*) FROM ORDERS'").collect()
    assert s.sql("SELECT ORDER_COUNT() AS N").collect()[0].N == 3


def test_create_or_replace_if_not_exists_and_existing(s: LocalSession) -> None:
    """CREATE_FUNCTION: OR REPLACE replaces the body; IF NOT EXISTS keeps the existing function."""
    s.sql("CREATE FUNCTION TWICE(X INT) RETURNS INT AS 'X * 2'").collect()
    s.sql("CREATE OR REPLACE FUNCTION TWICE(X INT) RETURNS INT AS 'X * 3'").collect()
    kept = s.sql("CREATE FUNCTION IF NOT EXISTS TWICE(X INT) RETURNS INT AS 'X * 4'").collect()
    assert kept[0][0] == "TWICE already exists, statement succeeded."
    assert s.sql("SELECT TWICE(5) AS V").collect()[0].V == 15
    with pytest.raises(LocalEngineError, match="already exists"):
        s.sql("CREATE FUNCTION TWICE(X INT) RETURNS INT AS 'X'").collect()
    with pytest.raises(UnsupportedSqlError, match="overloading"):
        s.sql("CREATE FUNCTION TWICE(X VARCHAR) RETURNS VARCHAR AS 'X'").collect()


def test_sql_udtf_renames_and_casts_its_columns(s: LocalSession) -> None:
    """SQL_TABULAR: RETURNS TABLE (…) names the output columns (by position) and their types; the function is
    called as TABLE(f(…)), also laterally with a column of an earlier table in the FROM clause."""
    s.sql(
        "CREATE FUNCTION ORDERS_OF(WHO VARCHAR) RETURNS TABLE (ORDER_ID NUMBER, TOTAL NUMBER(12,1)) "
        "AS 'SELECT ID, AMOUNT FROM ORDERS WHERE CUSTOMER = WHO'"
    ).collect()
    assert s.sql("SELECT * FROM TABLE(ORDERS_OF('ann')) ORDER BY ORDER_ID").collect() == [
        (1, Decimal("10.5")), (3, Decimal("1.0")),
    ]  # fmt: skip
    rows = s.sql("SELECT C.NAME, O.ORDER_ID FROM (SELECT 'bob' AS NAME) AS C, TABLE(ORDERS_OF(C.NAME)) AS O").collect()
    assert [tuple(r) for r in rows] == [("bob", 2)]
    assert rows[0].as_dict() == {"NAME": "bob", "ORDER_ID": 2}


def test_udtf_argument_that_could_bind_inside_the_function_is_refused(s: LocalSession) -> None:
    """The engine inlines a UDTF's query: a column argument that its query could capture is refused clearly
    rather than answered wrongly (docs/local_engine.md)."""
    s.sql("CREATE FUNCTION ABOVE(N INT) RETURNS TABLE (ID INT) AS 'SELECT ID FROM ORDERS WHERE ID > N'").collect()
    with pytest.raises(UnsupportedSqlError, match="Qualify the column"):
        s.sql("SELECT * FROM ORDERS, TABLE(ABOVE(ORDERS.ID))").collect()
    with pytest.raises(UnsupportedSqlError, match="Qualify the column"):
        s.sql("SELECT * FROM ORDERS AS O, TABLE(ABOVE(ID))").collect()
    rows = s.sql("SELECT O.ID AS A, F.ID AS B FROM ORDERS AS O, TABLE(ABOVE(O.ID)) AS F ORDER BY 1, 2").collect()
    assert [tuple(r) for r in rows] == [(1, 2), (1, 3), (2, 3)]


def test_drop_function_with_its_argument_types(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/drop-function: DROP FUNCTION names the argument types."""
    s.sql("CREATE FUNCTION HALF(X NUMBER(10,2)) RETURNS NUMBER(10,2) AS 'X / 2'").collect()
    with pytest.raises(LocalEngineError, match=r"does not exist"):
        s.sql("DROP FUNCTION HALF(VARCHAR)").collect()
    assert s.sql("DROP FUNCTION HALF(NUMBER)").collect()[0][0] == "HALF successfully dropped."
    with pytest.raises(LocalEngineError):
        s.sql("SELECT HALF(1)").collect()
    assert s.sql("DROP FUNCTION IF EXISTS HALF(NUMBER)").collect()[0][0].startswith("Drop statement executed")


def test_show_user_functions(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/show-user-functions: one row per UDF, with its
    signature and return type in ``arguments``."""
    s.sql("CREATE FUNCTION TWICE(X INT) RETURNS INT AS 'X * 2'").collect()
    s.sql("CREATE FUNCTION ALL_IDS() RETURNS TABLE (ID INT) AS 'SELECT ID FROM ORDERS'").collect()
    rows = s.sql("SHOW USER FUNCTIONS").collect()
    assert [(r.name, r.arguments, r.is_table_function, r.language) for r in rows] == [
        ("ALL_IDS", "ALL_IDS() RETURN TABLE (ID INT)", "Y", "SQL"),
        ("TWICE", "TWICE(NUMBER) RETURN NUMBER", "N", "SQL"),
    ]
    assert [r.name for r in s.sql("SHOW USER FUNCTIONS LIKE 'TW%'").collect()] == ["TWICE"]


def test_python_udf_gets_snowflakes_python_types(s: LocalSession) -> None:
    """PYTHON_UDF / PYTHON_TYPES: NUMBER with scale 0 arrives as int, NUMBER with a scale as Decimal, FLOAT as
    float, VARCHAR as str, DATE as datetime.date; NULL as None (the handler is called on NULL input)."""
    s.sql(
        "CREATE FUNCTION DESCRIBE_ARGS(I NUMBER, D NUMBER(10,2), F FLOAT, S VARCHAR, DT DATE) RETURNS VARCHAR "
        "LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'describe' AS $$\n"
        "def describe(i, d, f, s, dt):\n"
        "    return '|'.join(f'{type(v).__name__}:{v}' for v in (i, d, f, s, dt))\n"
        "$$"
    ).collect()
    row = s.sql("SELECT DESCRIBE_ARGS(3, 1.5, 2.5, 'x', '2024-01-02'::DATE) AS R").collect()[0]
    assert row.R == "int:3|Decimal:1.50|float:2.5|str:x|date:2024-01-02"
    nulls = s.sql("SELECT DESCRIBE_ARGS(NULL, NULL, NULL, NULL, NULL) AS R").collect()[0]
    assert "|".join(["NoneType:None"] * 5) == nulls.R


def test_python_udf_result_is_cast_to_the_return_type(s: LocalSession) -> None:
    """CREATE_FUNCTION: the handler's value becomes the RETURNS type (Decimal for NUMBER(10,2))."""
    s.sql(
        "CREATE FUNCTION SPLIT_BILL(AMOUNT NUMBER(10,2), PEOPLE INT) RETURNS NUMBER(10,2) LANGUAGE PYTHON "
        "RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') HANDLER = 'split' "
        "AS $$\ndef split(amount, people):\n    return amount / people\n$$"
    ).collect()
    rows = s.sql("SELECT ID, SPLIT_BILL(AMOUNT, 2) AS SHARE FROM ORDERS ORDER BY ID").collect()
    assert [tuple(r) for r in rows] == [(1, Decimal("5.25")), (2, Decimal("2.13")), (3, Decimal("0.50"))]


def test_python_udf_variant_arguments_are_python_values(s: LocalSession) -> None:
    """PYTHON_TYPES: VARIANT arrives as the parsed JSON value (dict, list …) and a returned dict is a VARIANT."""
    s.sql(
        "CREATE FUNCTION KEYS_OF(V VARIANT) RETURNS VARIANT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
        "HANDLER = 'keys' AS $$\ndef keys(v):\n    return {'keys': sorted(v)}\n$$"
    ).collect()
    row = s.sql("""SELECT KEYS_OF(PARSE_JSON('{"b": 1, "a": 2}')):keys[0]::VARCHAR AS K""").collect()[0]
    assert row.K == "a"


def test_python_udf_with_a_missing_package_is_refused_naming_it(s: LocalSession) -> None:
    """PYTHON_UDF: PACKAGES names what the handler imports; a package not installed here is refused."""
    with pytest.raises(
        UnsupportedSqlError, match=re.escape("'no-such-package==1.0' named in PACKAGES is not installed")
    ):
        s.sql(
            "CREATE FUNCTION P(X INT) RETURNS INT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
            "PACKAGES = ('no-such-package==1.0') HANDLER = 'f' AS $$\ndef f(x):\n    return x\n$$"
        ).collect()


@pytest.mark.parametrize(
    ("statement", "language"),
    [
        ("CREATE FUNCTION J(X INT) RETURNS INT LANGUAGE JAVA HANDLER = 'A.f' AS $$ class A {} $$", "Java"),
        ("CREATE FUNCTION JS(X FLOAT) RETURNS FLOAT LANGUAGE JAVASCRIPT AS $$ return X; $$", "JavaScript"),
        ("CREATE FUNCTION SC(X INT) RETURNS INT LANGUAGE SCALA RUNTIME_VERSION = '2.12' HANDLER = 'A.f' "
         "AS $$ object A {} $$", "Scala"),
    ],
)  # fmt: skip
def test_java_javascript_and_scala_udfs_are_refused(s: LocalSession, statement: str, language: str) -> None:
    """CREATE_FUNCTION: these languages run on Snowflake's JVM/JavaScript engines; the local engine refuses
    them at CREATE, and nothing is created."""
    with pytest.raises(UnsupportedSqlError, match=f"{language} UDFs are not supported by the local engine"):
        s.sql(statement).collect()
    assert s.sql("SHOW USER FUNCTIONS").collect() == []


def test_udfs_survive_reopening_the_folder(tmp_path: Path) -> None:
    """A SQL and a Python UDF still answer after the folder is reopened (their definitions are stored)."""
    with LocalSession(tmp_path, database="DB", schema="PUBLIC") as first:
        first.sql("CREATE FUNCTION SHOUT(X VARCHAR) RETURNS VARCHAR AS $$ UPPER(X) || '!' $$").collect()
        first.sql(
            "CREATE FUNCTION NEXT_DAY_OF(D DATE) RETURNS TIMESTAMP_NTZ LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
            "HANDLER = 'f' AS $$\nimport datetime\ndef f(d):\n    return datetime.datetime.combine(d, "
            "datetime.time()) + datetime.timedelta(days=1)\n$$"
        ).collect()
    with LocalSession(tmp_path, database="DB", schema="PUBLIC") as again:
        row = again.sql("SELECT SHOUT('hi') AS A, NEXT_DAY_OF('2024-02-28'::DATE) AS B").collect()[0]
    assert ("HI!", datetime(2024, 2, 29)) == (row.A, row.B)
