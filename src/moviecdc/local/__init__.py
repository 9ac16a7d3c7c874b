"""The embedded engine: Snowflake SQL on DuckDB (through fakesnow) with faithful streams.

>>> from moviecdc.local import LocalSession
>>> session = LocalSession()          # in memory; LocalSession(path="moviecdc.duckdb") persists to a folder
>>> session.close()
"""

from moviecdc.local.core.results import LocalDataFrame
from moviecdc.local.session import LocalSession

__all__ = ["LocalDataFrame", "LocalSession"]
