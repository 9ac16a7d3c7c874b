"""moviecdc: a real-time CDC pipeline for movie bookings on Snowflake, as code.

>>> from moviecdc import Pipeline
>>> statements = Pipeline(session=None).plan()
>>> statements[2].kind.value
'CREATE TABLE'
"""

from moviecdc.config import GoldRefresh, PipelineConfig, RefreshMode
from moviecdc.errors import (
    ConfigError,
    DeployError,
    LocalEngineError,
    MoviecdcError,
    SessionError,
    UnsupportedSqlError,
)
from moviecdc.identifiers import QualifiedName
from moviecdc.layers import BronzeLayer, GoldLayer, RawSource, SilverLayer
from moviecdc.local import LocalSession
from moviecdc.pipeline import DeployReport, Pipeline, StepResult
from moviecdc.schema import BOOKINGS, EntitySchema
from moviecdc.statements import Statement, StatementKind

__version__ = "0.1.0"

__all__ = [
    "BOOKINGS",
    "BronzeLayer",
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
