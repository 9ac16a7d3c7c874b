"""The exceptions moviecdc raises.

Every error the library raises on purpose is a :class:`MoviecdcError`; catching it catches them all.
Foreign exceptions (pydantic, sqlglot, Snowpark, DuckDB) are translated at the boundary where they
occur and chained with ``raise ... from``, so the original is never lost::

    MoviecdcError
    ├── ConfigError            bad configuration: a field, an identifier, a lag or a schedule
    ├── SessionError           the session cannot run the pipeline (e.g. Snowpark local testing)
    ├── DeployError            a statement failed during deploy / teardown / refresh
    │   └── PreflightError         the role lacks a privilege deploy needs (nothing was changed)
    └── LocalEngineError       the embedded engine (LocalSession) refused or failed a statement
        └── UnsupportedSqlError    Snowflake SQL the local engine does not emulate

Messages end with what to do about it.
"""

from __future__ import annotations


class MoviecdcError(Exception):
    """Root of every error moviecdc raises on purpose."""


class ConfigError(MoviecdcError, ValueError):
    """The pipeline configuration is invalid; the message names the field and the fix."""


class SessionError(MoviecdcError):
    """The session given to :class:`~moviecdc.Pipeline` cannot run SQL statements."""


class DeployError(MoviecdcError):
    """A statement sent by :class:`~moviecdc.Pipeline` failed; the message quotes it."""

    def __init__(self, message: str, *, statement: object | None = None) -> None:
        super().__init__(message)
        self.statement = statement


class PreflightError(DeployError):
    """``deploy()``'s preflight found a missing privilege; nothing was changed. ``report`` holds the
    :class:`~moviecdc.CheckReport` and its GRANT statements."""

    def __init__(self, message: str, *, report: object) -> None:
        super().__init__(message)
        self.report = report


class LocalEngineError(MoviecdcError):
    """The embedded engine could not execute a statement; the message quotes it."""


class UnsupportedSqlError(LocalEngineError):
    """The statement is valid Snowflake SQL that the embedded engine does not emulate."""
