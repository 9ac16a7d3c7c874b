"""moviecdc: a real-time CDC pipeline for movie bookings on Snowflake, as code.

>>> from moviecdc import Pipeline
>>> statements = Pipeline(session=None).plan()
>>> statements[2].kind.value
'CREATE TABLE'
"""

import typing as _typing

from moviecdc.config import GoldRefresh, PipelineConfig, RefreshMode
from moviecdc.errors import (
    ConfigError,
    DeployError,
    LocalEngineError,
    MoviecdcError,
    PreflightError,
    SessionError,
    UnsupportedSqlError,
)
from moviecdc.identifiers import QualifiedName
from moviecdc.layers import BronzeLayer, GoldLayer, RawSource, SilverLayer
from moviecdc.pipeline import DeployReport, Pipeline, StepResult
from moviecdc.preflight import CheckReport
from moviecdc.schema import BOOKINGS, EntitySchema
from moviecdc.sql import Statement, StatementKind

__version__ = "0.1.0"

if _typing.TYPE_CHECKING:
    from moviecdc.local import LocalSession


def __getattr__(name: str) -> _typing.Any:
    # LocalSession is imported on first use (PEP 562): the embedded engine needs DuckDB and fakesnow, which
    # Streamlit in Snowflake cannot install, and the rest of the library must import there without them.
    if name == "LocalSession":
        from moviecdc.local import LocalSession  # noqa: PLC0415

        return LocalSession
    raise AttributeError(f"module 'moviecdc' has no attribute {name!r}")

__all__ = [
    "BOOKINGS",
    "BronzeLayer",
    "CheckReport",
    "ConfigError",
    "DeployError",
    "DeployReport",
    "EntitySchema",
    "GoldLayer",
    "GoldRefresh",
    "LocalEngineError",
    "LocalSession",
    "MoviecdcError",
    "Pipeline",
    "PipelineConfig",
    "PreflightError",
    "QualifiedName",
    "RawSource",
    "RefreshMode",
    "SessionError",
    "SilverLayer",
    "Statement",
    "StatementKind",
    "StepResult",
    "UnsupportedSqlError",
    "__version__",
]
