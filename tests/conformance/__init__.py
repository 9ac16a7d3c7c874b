"""Conformance suite: documented Snowflake behaviour, one case per behaviour, each citing its docs page.

See README.md in this folder. Run the report with ``python -m tests.conformance``.
"""
