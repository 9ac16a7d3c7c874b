"""Pipeline configuration: one strict, frozen pydantic model.

Everything a deploy depends on is here, validated once: identifiers are normalised to Snowflake's
canonical form (see :mod:`moviecdc.identifiers`), lags and schedules are checked against Snowflake's
rules, and a misspelled key fails loudly instead of being ignored.

>>> cfg = PipelineConfig(database="analytics", gold_target_lag="5 minutes")
>>> cfg.database, cfg.gold_target_lag
('ANALYTICS', '5 minutes')
>>> cfg.name("raw_table").sql
'"ANALYTICS"."PUBLIC"."RAW_MOVIES_BOOKING"'

Load it from a TOML file (:meth:`PipelineConfig.from_toml`) or from ``MOVIECDC_*`` environment variables
(:meth:`PipelineConfig.from_env`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from difflib import get_close_matches
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from moviecdc.errors import ConfigError
from moviecdc.identifiers import QualifiedName, normalise
from moviecdc.schema import Rule, at_most

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ENV_PREFIX = "MOVIECDC_"
_WAREHOUSE_FIELDS = frozenset({"warehouse", "dynamic_table_warehouse"})  # "" in TOML or env: None (serverless)

_SECONDS_PER_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LAG = re.compile(r"\s*(\d+)\s+(second|minute|hour|day)s?\s*", re.IGNORECASE)
_INTERVAL_SCHEDULE = re.compile(r"\s*(\d+)\s*(SECOND|MINUTE|HOUR)S?\s*", re.IGNORECASE)
# USING CRON <min> <hour> <day-of-month> <month> <day-of-week> <time zone>
_CRON_FIELD = r"[0-9A-Za-z*/,\-LW#?]+"
_CRON_SCHEDULE = re.compile(rf"\s*USING\s+CRON((?:\s+{_CRON_FIELD}){{5}})\s+([A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*)\s*")
# TARGET_LAG: at least 1 minute, or DOWNSTREAM; below a minute CREATE DYNAMIC TABLE fails
# (https://docs.snowflake.com/en/sql-reference/sql/create-dynamic-table,
# https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_06/bcr-1247).
MIN_TARGET_LAG_SECONDS = 60
# SCHEDULE = '<num> SECONDS | MINUTES | HOURS': at least 10 seconds, at most 11520 minutes (8 days)
# (https://docs.snowflake.com/en/sql-reference/sql/create-task).
MIN_SCHEDULE_SECONDS = 10
MAX_SCHEDULE_SECONDS = 11520 * 60


def _identifier(value: str) -> str:
    return normalise(value)


Identifier = Annotated[str, AfterValidator(_identifier)]


def lag_seconds(lag: str) -> int | None:
    """Seconds in a ``TARGET_LAG`` value, or ``None`` for ``DOWNSTREAM``.

    >>> lag_seconds("2 minutes"), lag_seconds("DOWNSTREAM")
    (120, None)
    """
    if lag.strip().upper() == "DOWNSTREAM":
        return None
    match = _LAG.fullmatch(lag)
    if match is None:
        raise ConfigError(f"invalid target lag {lag!r}")
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2).lower()]


def _target_lag(value: str) -> str:
    if value.strip().upper() == "DOWNSTREAM":
        return "DOWNSTREAM"
    match = _LAG.fullmatch(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a target lag: write '<n> seconds|minutes|hours|days' (e.g. '2 minutes') or 'DOWNSTREAM'"
        )
    count, unit = int(match.group(1)), match.group(2).lower()
    if count * _SECONDS_PER_UNIT[unit] < MIN_TARGET_LAG_SECONDS:
        raise ValueError(f"{value!r} is below Snowflake's minimum target lag of 60 seconds; use '1 minute' or more")
    return f"{count} {unit}{'' if count == 1 else 's'}"


TargetLag = Annotated[str, AfterValidator(_target_lag)]


def schedule_seconds(schedule: str) -> int | None:
    """Seconds between runs of an interval schedule, or ``None`` for a CRON schedule.

    >>> schedule_seconds("1 MINUTE"), schedule_seconds("USING CRON 0 * * * * UTC")
    (60, None)
    """
    match = _INTERVAL_SCHEDULE.fullmatch(schedule)
    if match is None:
        return None
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2).lower()]


def _schedule(value: str) -> str:
    interval = _INTERVAL_SCHEDULE.fullmatch(value)
    if interval is not None:
        count, unit = int(interval.group(1)), interval.group(2).upper()
        if count * _SECONDS_PER_UNIT[unit.lower()] < MIN_SCHEDULE_SECONDS:
            raise ValueError(f"{value!r} runs more often than Snowflake allows (every 10 seconds at most)")
        if count * _SECONDS_PER_UNIT[unit.lower()] > MAX_SCHEDULE_SECONDS:
            raise ValueError(f"{value!r} is longer than Snowflake's maximum task interval of 11520 minutes (8 days)")
        return f"{count} {unit}{'' if count == 1 else 'S'}"
    cron = _CRON_SCHEDULE.fullmatch(value)
    if cron is not None:
        fields = " ".join(cron.group(1).split())
        return f"USING CRON {fields} {cron.group(2)}"
    raise ValueError(
        f"{value!r} is not a task schedule: write '<n> MINUTE(S)', '<n> SECOND(S)', '<n> HOUR(S)' "
        "or 'USING CRON <min> <hour> <day> <month> <weekday> <time zone>'"
    )


Schedule = Annotated[str, AfterValidator(_schedule)]


class StrictModel(BaseModel):
    """Base of moviecdc's config models: a pydantic error becomes one :class:`ConfigError` that names every bad
    field and its fix (translated here, at the one boundary, so callers catch a single MoviecdcError)."""

    error_title: ClassVar[str] = "invalid config"
    unknown_key: ClassVar[str] = "unknown key"  # how an unknown field is called in messages
    known_keys: ClassVar[str] = "valid keys"

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(describe_errors(exc, type(self))) from exc


def describe_errors(exc: ValidationError, model: type[StrictModel]) -> str:
    """``<title>:`` then one line per problem: ``field: message``, or a suggestion for an unknown key."""
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "config"
        if error["type"] == "extra_forbidden":
            close = get_close_matches(field.lower(), list(model.model_fields), n=1, cutoff=0.75)
            hint = f"did you mean {close[0]!r}?" if close else f"{model.known_keys}: " + ", ".join(model.model_fields)
            problems.append(f"{field}: {model.unknown_key}; {hint}")
        else:
            problems.append(f"{field}: {str(error['msg']).removeprefix('Value error, ')}")
    return f"{model.error_title}:\n  " + "\n  ".join(problems)


class GoldRefresh(str, Enum):
    """How the Gold dynamic table is kept fresh."""

    LAG = "lag"  # Snowflake schedules refreshes to meet gold_target_lag
    TASK = "task"  # a task runs ALTER DYNAMIC TABLE ... REFRESH on gold_refresh_schedule; Gold's lag is DOWNSTREAM


class RefreshMode(str, Enum):
    """``REFRESH_MODE`` of the dynamic tables."""

    INCREMENTAL = "INCREMENTAL"
    FULL = "FULL"
    AUTO = "AUTO"


# The object-name fields, in dependency order; each maps to a QualifiedName through PipelineConfig.name().
OBJECT_FIELDS = (
    "raw_table",
    "stream",
    "bronze_table",
    "ingest_task",
    "silver_table",
    "rejected_table",
    "gold_table",
    "gold_refresh_task",
)


class PipelineConfig(StrictModel):
    """Where and how the pipeline is deployed. Every field has the default from MISSION.md."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    error_title: ClassVar[str] = "invalid pipeline config"
    unknown_key: ClassVar[str] = "unknown config key"
    known_keys: ClassVar[str] = "valid fields"

    database: Identifier = "MOVIES"
    schema_name: Identifier = "PUBLIC"
    create_database: bool = Field(default=True, description="deploy runs CREATE DATABASE/SCHEMA IF NOT EXISTS")
    warehouse: Identifier | None = Field(default="COMPUTE_WH", description="warehouse of the tasks; None = serverless")
    dynamic_table_warehouse: Identifier | None = Field(
        default=None, description="warehouse of the dynamic tables; defaults to `warehouse`"
    )

    raw_table: Identifier = "RAW_MOVIES_BOOKING"
    stream: Identifier = "RAW_MOVIES_BOOKING_STREAM"
    bronze_table: Identifier = "MOVIES_BOOKING_CDC_EVENTS"
    ingest_task: Identifier = "INGEST_MOVIES_BOOKING_CDC_EVENTS"
    silver_table: Identifier = "MOVIES_BOOKING_FILTERED"
    rejected_table: Identifier = "MOVIES_BOOKING_REJECTED"
    gold_table: Identifier = "MOVIES_BOOKING_INSIGHTS"
    gold_refresh_task: Identifier = "REFRESH_MOVIES_BOOKING_INSIGHTS"

    ingest_schedule: Schedule = "1 MINUTE"
    silver_target_lag: TargetLag = "DOWNSTREAM"
    rejected_target_lag: TargetLag = "2 minutes"
    gold_target_lag: TargetLag = "2 minutes"
    gold_refresh: GoldRefresh = GoldRefresh.LAG
    gold_refresh_schedule: Schedule = "2 MINUTES"
    refresh_mode: RefreshMode = RefreshMode.INCREMENTAL
    suspend_task_after_num_failures: int = Field(default=10, ge=0, le=1_000_000)
    # Business bounds: a booking above either is rejected with a reason instead of reaching Gold. The upper
    # limits keep every sum of valid rows inside Gold's NUMBER(38, s) (10^12 tickets x 10^8 per ticket per row).
    max_tickets_per_booking: int = Field(
        default=1_000, ge=1, le=10**12, description="a booking of more tickets is rejected"
    )
    max_ticket_price: Decimal = Field(
        default=Decimal("10000.00"),
        gt=0,
        le=Decimal("99999999.99"),
        decimal_places=2,
        description="a booking with a higher ticket price is rejected (TICKET_PRICE is NUMBER(10, 2))",
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> PipelineConfig:
        if self.dt_warehouse is None:
            raise ValueError(
                "dynamic tables need a warehouse: set dynamic_table_warehouse when warehouse is None (serverless tasks)"
            )
        if self.rejected_target_lag == "DOWNSTREAM":
            raise ValueError(
                "rejected_target_lag cannot be DOWNSTREAM: nothing reads the rejected table, so it would "
                "never refresh; use a time lag such as '2 minutes'"
            )
        self._check_lag_order()
        names = [getattr(self, f) for f in OBJECT_FIELDS]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"object names must differ, but {', '.join(duplicates)} is used twice")
        return self

    def _check_lag_order(self) -> None:
        """Gold reads Silver, and "the target lag must be greater than or equal to the target lag of the dynamic
        table it depends on" (https://docs.snowflake.com/en/user-guide/dynamic-tables/target-lag): Snowflake refuses
        CREATE DYNAMIC TABLE otherwise. DOWNSTREAM on either side has no such bound. The rejected table reads
        Bronze, a plain table, so its lag is free."""
        silver, gold = lag_seconds(self.silver_target_lag), lag_seconds(self.effective_gold_lag)
        if silver is not None and gold is not None and gold < silver:
            raise ValueError(
                f"silver_target_lag {self.silver_target_lag!r} is longer than gold_target_lag "
                f"{self.gold_target_lag!r}, but Gold reads Silver and a dynamic table's target lag must be at least "
                "the lag of the dynamic tables it reads (Snowflake refuses to create Gold). Set silver_target_lag = "
                f"'DOWNSTREAM' (Silver then refreshes when Gold needs it) or at most {self.gold_target_lag!r}, or "
                f"raise gold_target_lag to {self.silver_target_lag!r} or more"
            )

    # -- derived values -------------------------------------------------------------------------------------

    @property
    def dt_warehouse(self) -> str | None:
        """The warehouse the dynamic tables run on."""
        return self.dynamic_table_warehouse or self.warehouse

    @property
    def effective_gold_lag(self) -> str:
        """Gold's ``TARGET_LAG``: its own lag, or ``DOWNSTREAM`` when a task drives its refreshes."""
        return "DOWNSTREAM" if self.gold_refresh is GoldRefresh.TASK else self.gold_target_lag

    @property
    def bound_rules(self) -> tuple[Rule, ...]:
        """The business bounds as validation rules, checked after the schema's own rules.

        >>> [rule.reason for rule in PipelineConfig(max_tickets_per_booking=50).bound_rules]
        ['ticket_count must be at most 50', 'ticket_price must be at most 10,000.00']
        """
        return (
            at_most("TICKET_COUNT", self.max_tickets_per_booking),
            at_most("TICKET_PRICE", self.max_ticket_price),
        )

    def name(self, field: str) -> QualifiedName:
        """The fully qualified name of the object configured in ``field`` (one of ``OBJECT_FIELDS``)."""
        if field not in OBJECT_FIELDS:
            raise ConfigError(f"{field!r} is not an object name field; expected one of {', '.join(OBJECT_FIELDS)}")
        return QualifiedName(self.database, self.schema_name, getattr(self, field))

    # -- loading --------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> PipelineConfig:
        """Validate ``data``, raising :class:`ConfigError` that names each bad field and its fix."""
        return cls(**dict(data))

    @classmethod
    def from_toml(cls, path: str | Path) -> PipelineConfig:
        """Read a TOML file whose top-level keys (or ``[moviecdc]`` table) are the fields; ``warehouse = ""``
        makes the tasks serverless (TOML has no ``None``)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {str(path)!r} does not exist; check the path") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
        if set(data) == {"moviecdc"} and isinstance(data["moviecdc"], dict):
            data = data["moviecdc"]
        # TOML has no null: `warehouse = ""` asks for serverless tasks, as MOVIECDC_WAREHOUSE= does.
        return cls.load({k: None if v == "" and k in _WAREHOUSE_FIELDS else v for k, v in data.items()})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, prefix: str = ENV_PREFIX) -> PipelineConfig:
        """Read ``MOVIECDC_<FIELD>`` variables (e.g. ``MOVIECDC_DATABASE``); unset fields keep defaults.

        A variable with the prefix that names no field is an error, as a misspelled key in a file is.
        ``MOVIECDC_WAREHOUSE=`` (empty) means serverless tasks.
        """
        environ = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        for key, value in environ.items():
            if not key.startswith(prefix):
                continue
            field = key[len(prefix) :].lower()
            if field not in cls.model_fields:
                raise ConfigError(
                    f"environment variable {key} names no config field; "
                    f"valid names are {', '.join(prefix + f.upper() for f in cls.model_fields)}"
                )
            data[field] = None if value == "" and field in _WAREHOUSE_FIELDS else value
        return cls.load(data)
