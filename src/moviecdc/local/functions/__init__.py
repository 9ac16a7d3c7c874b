"""User-defined functions: ``CREATE [OR REPLACE] FUNCTION``, ``DROP FUNCTION`` and ``SHOW USER FUNCTIONS``
(:mod:`.statements`), reading a CREATE FUNCTION (:mod:`.definitions`), and Python UDFs with an inline handler,
called in-process (:mod:`.python`). SQL UDFs and UDTFs become DuckDB macros; Java, JavaScript and Scala UDFs
are refused at CREATE.

Stands on :mod:`moviecdc.local.core` only.
"""
