"""The session's context: its current database and schema, set by ``USE``, ``CREATE DATABASE`` and
``DROP DATABASE`` (:mod:`.statements`).

Stands on :mod:`moviecdc.local.core` only (``Engine.use`` / ``Engine.database`` / ``Engine.schema``).
``CREATE SCHEMA`` is an ordinary statement: fakesnow makes the new schema current, as Snowflake does.
"""
