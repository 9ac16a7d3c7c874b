"""Semi-structured data: VARIANT, PARSE_JSON, `:` paths and `::` casts, FLATTEN, OBJECT_CONSTRUCT, ARRAY_AGG."""

from __future__ import annotations

from decimal import Decimal

from .case import Case, family

DOCS = "https://docs.snowflake.com/en/sql-reference/functions/"
QUERYING = "https://docs.snowflake.com/en/user-guide/querying-semistructured"
VARIANT = "https://docs.snowflake.com/en/sql-reference/data-types-semistructured"
PARSE_JSON = DOCS + "parse_json"
TRY_PARSE_JSON = DOCS + "try_parse_json"
FLATTEN = DOCS + "flatten"
OBJECT_CONSTRUCT = DOCS + "object_construct"
KEEP_NULL = DOCS + "object_construct_keep_null"
ARRAY_AGG = DOCS + "array_agg"
ARRAY_SIZE = DOCS + "array_size"
ARRAY_CONSTRUCT = DOCS + "array_construct"
ARRAY_CONTAINS = DOCS + "array_contains"
OBJECT_KEYS = DOCS + "object_keys"
TO_JSON = DOCS + "to_json"
TYPEOF = DOCS + "typeof"
GET_PATH = DOCS + "get_path"
IS_NULL_VALUE = DOCS + "is_null_value"

DOC = 'PARSE_JSON(\'{"a": 1, "b": {"c": "x"}, "arr": [10, 20, 30], "p": 12.5, "s": "42"}\')'
ORDERS = (
    "CREATE TABLE O (ID INT, J VARIANT)",
    'INSERT INTO O SELECT 1, PARSE_JSON(\'["a", "b"]\') UNION ALL SELECT 2, PARSE_JSON(\'["c"]\')',
)

CASES = family(
    "semistructured",
    [
        Case("colon_path_cast_to_int", QUERYING, query=f"SELECT {DOC}:a::INT", expect=[(1,)]),
        Case("dot_path_into_nested_object", QUERYING, query=f"SELECT {DOC}:b.c::STRING", expect=[("x",)]),
        Case("bracket_path_into_nested_object", QUERYING, query=f"SELECT {DOC}['b']['c']::STRING", expect=[("x",)]),
        Case("array_index_is_zero_based", QUERYING, query=f"SELECT {DOC}:arr[1]::INT", expect=[(20,)]),
        Case("missing_path_is_null", QUERYING, query=f"SELECT {DOC}:nope", expect=[(None,)]),
        Case(
            "path_names_are_case_sensitive",
            QUERYING,
            query='SELECT PARSE_JSON(\'{"Name": "x"}\'):name IS NULL, PARSE_JSON(\'{"Name": "x"}\'):Name::STRING',
            expect=[(True, "x")],
        ),
        Case(
            "cast_path_to_number_with_scale",
            VARIANT,
            query=f"SELECT {DOC}:p::NUMBER(10,2)",
            expect=[(Decimal("12.50"),)],
        ),
        Case("cast_string_value_to_int", VARIANT, query=f"SELECT {DOC}:s::INT", expect=[(42,)]),
        Case(
            "cast_to_string_drops_json_quotes",
            VARIANT,
            query="SELECT PARSE_JSON('\"green\"')::STRING",
            expect=[("green",)],
        ),
        Case(
            "to_json_keeps_json_quotes", TO_JSON, query="SELECT TO_JSON(PARSE_JSON('\"green\"'))", expect=[('"green"',)]
        ),
        Case(
            "variant_string_stored_in_varchar_has_no_quotes",
            VARIANT,
            setup=("CREATE TABLE C (V VARCHAR)", 'INSERT INTO C SELECT PARSE_JSON(\'{"c": "green"}\'):c'),
            query="SELECT V FROM C",
            expect=[("green",)],
        ),
        Case(
            "json_null_is_not_sql_null",
            IS_NULL_VALUE,
            query="SELECT PARSE_JSON('{\"a\": null}'):a IS NULL, IS_NULL_VALUE(PARSE_JSON('{\"a\": null}'):a)",
            expect=[(False, True)],
        ),
        Case(
            "typeof_of_parsed_values",
            TYPEOF,
            query="SELECT TYPEOF(PARSE_JSON('1')), TYPEOF(PARSE_JSON('1.5')), TYPEOF(PARSE_JSON('\"s\"')), "
            "TYPEOF(PARSE_JSON('true')), TYPEOF(PARSE_JSON('[1]')), TYPEOF(PARSE_JSON('{}'))",
            expect=[("INTEGER", "DECIMAL", "VARCHAR", "BOOLEAN", "ARRAY", "OBJECT")],
        ),
        Case(
            "try_parse_json_of_invalid_text_is_null",
            TRY_PARSE_JSON,
            query="SELECT TRY_PARSE_JSON('{not json')",
            expect=[(None,)],
        ),
        Case("parse_json_of_invalid_text_is_an_error", PARSE_JSON, query="SELECT PARSE_JSON('{not json')", error=""),
        Case(
            "get_path_with_array_step",
            GET_PATH,
            query="SELECT GET_PATH(PARSE_JSON('{\"a\": {\"b\": [1, 2]}}'), 'a.b[1]')::INT",
            expect=[(2,)],
        ),
        Case(
            "flatten_array_value_and_index",
            FLATTEN,
            query="SELECT F.VALUE::INT, F.INDEX FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[7, 8, 9]'))) F "
            "ORDER BY F.INDEX",
            expect=[(7, 0), (8, 1), (9, 2)],
        ),
        Case(
            "flatten_object_keys",
            FLATTEN,
            query='SELECT F.KEY, F.VALUE::INT FROM TABLE(FLATTEN(INPUT => PARSE_JSON(\'{"x": 1, "y": 2}\'))) F '
            "ORDER BY F.KEY",
            expect=[("x", 1), ("y", 2)],
        ),
        Case(
            "lateral_flatten_over_table_rows",
            FLATTEN,
            setup=ORDERS,
            query="SELECT O.ID, F.VALUE::STRING FROM O, LATERAL FLATTEN(INPUT => O.J) F ORDER BY 1, 2",
            expect=[(1, "a"), (1, "b"), (2, "c")],
        ),
        Case(
            "flatten_of_empty_array_gives_no_rows",
            FLATTEN,
            query="SELECT COUNT(*) FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[]')))",
            expect=[(0,)],
        ),
        Case(
            "flatten_outer_keeps_a_row_for_empty_input",
            FLATTEN,
            query="SELECT S.ID, F.VALUE FROM (SELECT 1 AS ID, PARSE_JSON('[]') AS J) S, "
            "LATERAL FLATTEN(INPUT => S.J, OUTER => TRUE) F",
            expect=[(1, None)],
        ),
        Case(
            "object_construct_to_json",
            OBJECT_CONSTRUCT,
            query="SELECT TO_JSON(OBJECT_CONSTRUCT('a', 1, 'b', 'x'))",
            expect=[('{"a":1,"b":"x"}',)],
        ),
        Case(
            "object_construct_drops_null_values",
            OBJECT_CONSTRUCT,
            query="SELECT TO_JSON(OBJECT_CONSTRUCT('a', 1, 'b', NULL))",
            expect=[('{"a":1}',)],
        ),
        Case(
            "object_construct_keep_null_keeps_them",
            KEEP_NULL,
            query="SELECT TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL('a', 1, 'b', NULL))",
            expect=[('{"a":1,"b":null}',)],
        ),
        Case(
            "object_keys_lists_keys",
            OBJECT_KEYS,
            query='SELECT TO_JSON(OBJECT_KEYS(PARSE_JSON(\'{"a": 1, "b": 2}\')))',
            expect=[('["a","b"]',)],
        ),
        Case(
            "array_agg_within_group_order",
            ARRAY_AGG,
            query="SELECT TO_JSON(ARRAY_AGG(N) WITHIN GROUP (ORDER BY N)) FROM (SELECT 3 AS N UNION ALL SELECT 1 "
            "UNION ALL SELECT 2)",
            expect=[("[1,2,3]",)],
        ),
        Case(
            "array_agg_skips_nulls",
            ARRAY_AGG,
            query="SELECT TO_JSON(ARRAY_AGG(N) WITHIN GROUP (ORDER BY N)) FROM (SELECT 2 AS N UNION ALL "
            "SELECT NULL UNION ALL SELECT 1)",
            expect=[("[1,2]",)],
        ),
        Case("array_size", ARRAY_SIZE, query=f"SELECT ARRAY_SIZE({DOC}:arr)", expect=[(3,)]),
        Case(
            "array_construct_to_json",
            ARRAY_CONSTRUCT,
            query="SELECT TO_JSON(ARRAY_CONSTRUCT(1, 2, 3))",
            expect=[("[1,2,3]",)],
        ),
        Case(
            "array_contains",
            ARRAY_CONTAINS,
            query="SELECT ARRAY_CONTAINS(2::VARIANT, ARRAY_CONSTRUCT(1, 2, 3))",
            expect=[(True,)],
        ),
        Case(
            "variant_column_stored_into_varchar_loses_its_quotes",
            QUERYING,
            setup=(
                "CREATE TABLE RAWV (V VARIANT)",
                "INSERT INTO RAWV SELECT PARSE_JSON('\"green\"')",
                "CREATE TABLE COLORS (C VARCHAR)",
                "INSERT INTO COLORS SELECT V FROM RAWV",
            ),
            query="SELECT C FROM COLORS",
            expect=[("green",)],
        ),
        Case(
            "typeof_of_a_stored_number_with_an_exponent_is_double",
            TYPEOF,
            setup=("CREATE TABLE NUMS (V VARIANT)", "INSERT INTO NUMS SELECT PARSE_JSON('1.5e2')"),
            query="SELECT TYPEOF(V) FROM NUMS",
            expect=[("DOUBLE",)],
        ),
    ],
)
