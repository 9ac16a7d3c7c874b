from __future__ import annotations

from pathlib import Path

import pytest

from moviecdc import ConfigError, GoldRefresh, Pipeline, PipelineConfig, RefreshMode, StatementKind
from moviecdc.config import OBJECT_FIELDS
from moviecdc.identifiers import QualifiedName

INJECTIONS = [
    'MOVIES"; DROP DATABASE PROD; --',
    "MOVIES; DROP TABLE X",
    "a b",
    "1ABC",
    "",
    '""',
    '"a""b"',
    "MOVIES.PUBLIC",
    "x'--",
    "X" * 256,
]


def test_defaults_are_the_mission_names() -> None:
    cfg = PipelineConfig()
    assert {f: cfg.name(f).sql for f in OBJECT_FIELDS} == {
        "raw_table": '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"',
        "stream": '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"',
        "bronze_table": '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"',
        "ingest_task": '"MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS"',
        "silver_table": '"MOVIES"."PUBLIC"."MOVIES_BOOKING_FILTERED"',
        "rejected_table": '"MOVIES"."PUBLIC"."MOVIES_BOOKING_REJECTED"',
        "gold_table": '"MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"',
        "gold_refresh_task": '"MOVIES"."PUBLIC"."REFRESH_MOVIES_BOOKING_INSIGHTS"',
    }
    assert (cfg.warehouse, cfg.ingest_schedule, cfg.silver_target_lag, cfg.gold_target_lag) == (
        "COMPUTE_WH",
        "1 MINUTE",
        "DOWNSTREAM",
        "2 minutes",
    )
    assert (cfg.gold_refresh, cfg.refresh_mode, cfg.create_database) == (GoldRefresh.LAG, RefreshMode.INCREMENTAL, True)


def test_identifiers_are_normalised_once() -> None:
    cfg = PipelineConfig(database="analytics", schema_name='"Mixed Case"', raw_table="raw$1")
    assert cfg.name("raw_table") == QualifiedName("ANALYTICS", "Mixed Case", "RAW$1")
    assert cfg.name("raw_table").sql == '"ANALYTICS"."Mixed Case"."RAW$1"'


@pytest.mark.parametrize("field", ["database", "schema_name", "warehouse", "dynamic_table_warehouse", *OBJECT_FIELDS])
@pytest.mark.parametrize("value", INJECTIONS)
def test_every_name_field_rejects_bad_identifiers(field: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^invalid pipeline config:\n  {field}: .*identifier"):
        PipelineConfig(**{field: value})


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError, match="gold_targetlag: unknown config key; did you mean 'gold_target_lag'"):
        PipelineConfig.load({"gold_targetlag": "2 minutes"})


@pytest.mark.parametrize(
    ("lag", "message"),
    [
        ("59 seconds", "below Snowflake's minimum target lag of 60 seconds"),
        ("0 minutes", "below Snowflake's minimum target lag"),
        ("2 mins", "is not a target lag"),
        ("soon", "is not a target lag"),
        ("-5 minutes", "is not a target lag"),
    ],
)
def test_bad_lags_are_rejected(lag: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"gold_target_lag: .*{message}"):
        PipelineConfig(gold_target_lag=lag)


@pytest.mark.parametrize(
    ("lag", "canonical"),
    [
        ("60 seconds", "60 seconds"),
        ("1 MINUTE", "1 minute"),
        ("2 minutes", "2 minutes"),
        ("downstream", "DOWNSTREAM"),
        ("3 Hours", "3 hours"),
        ("1 day", "1 day"),
    ],
)
def test_good_lags_are_canonical(lag: str, canonical: str) -> None:
    assert PipelineConfig(gold_target_lag=lag).gold_target_lag == canonical


@pytest.mark.parametrize(
    "schedule",
    [
        "every minute",
        "5 SECONDS",
        "0 MINUTE",
        "1 WEEK",
        "USING CRON * * * UTC",
        "11521 MINUTES",
        "1 MINUTE; DROP TABLE X",
        "USING CRON 0 * * * * UTC'",
    ],
)
def test_bad_schedules_are_rejected(schedule: str) -> None:
    with pytest.raises(ConfigError, match="ingest_schedule: "):
        PipelineConfig(ingest_schedule=schedule)


@pytest.mark.parametrize(
    ("schedule", "canonical"),
    [
        ("1 minute", "1 MINUTE"),
        ("5 MINUTES", "5 MINUTES"),
        ("30 seconds", "30 SECONDS"),
        ("1 hour", "1 HOUR"),
        ("USING CRON  */5 * * * *  America/Los_Angeles", "USING CRON */5 * * * * America/Los_Angeles"),
    ],
)
def test_good_schedules_are_canonical(schedule: str, canonical: str) -> None:
    assert PipelineConfig(ingest_schedule=schedule).ingest_schedule == canonical


def test_serverless_tasks_need_a_dynamic_table_warehouse() -> None:
    with pytest.raises(ConfigError, match="dynamic tables need a warehouse: set dynamic_table_warehouse"):
        PipelineConfig(warehouse=None)
    cfg = PipelineConfig(warehouse=None, dynamic_table_warehouse="dt_wh")
    assert (cfg.warehouse, cfg.dt_warehouse) == (None, "DT_WH")


def test_rejected_table_cannot_be_downstream() -> None:
    with pytest.raises(ConfigError, match="rejected_target_lag cannot be DOWNSTREAM: nothing reads"):
        PipelineConfig(rejected_target_lag="DOWNSTREAM")


def test_gold_lag_must_be_at_least_silvers() -> None:
    # "the target lag must be greater than or equal to the target lag of the dynamic table it depends on"
    # (https://docs.snowflake.com/en/user-guide/dynamic-tables/target-lag): Gold reads Silver.
    with pytest.raises(ConfigError) as caught:
        PipelineConfig(silver_target_lag="5 minutes", gold_target_lag="2 minutes")
    assert str(caught.value) == (
        "invalid pipeline config:\n  config: silver_target_lag '5 minutes' is longer than gold_target_lag "
        "'2 minutes', but Gold reads Silver and a dynamic table's target lag must be at least the lag of the dynamic "
        "tables it reads (Snowflake refuses to create Gold). Set silver_target_lag = 'DOWNSTREAM' (Silver then "
        "refreshes when Gold needs it) or at most '2 minutes', or raise gold_target_lag to '5 minutes' or more"
    )
    with pytest.raises(ConfigError, match="is longer than gold_target_lag '59 minutes'"):
        PipelineConfig(silver_target_lag="1 hour", gold_target_lag="59 minutes")
    for silver, gold in [("2 minutes", "2 minutes"), ("1 minute", "1 hour"), ("DOWNSTREAM", "1 minute")]:
        assert PipelineConfig(silver_target_lag=silver, gold_target_lag=gold).silver_target_lag == silver
    # Task-driven Gold has lag DOWNSTREAM: no bound on Silver's lag.
    assert PipelineConfig(silver_target_lag="5 minutes", gold_refresh="task").effective_gold_lag == "DOWNSTREAM"
    # The rejected table reads Bronze (a plain table): its lag is free.
    assert PipelineConfig(rejected_target_lag="1 minute", silver_target_lag="1 hour", gold_target_lag="1 hour")


def test_object_names_must_differ() -> None:
    with pytest.raises(ConfigError, match="object names must differ, but GOLD is used twice"):
        PipelineConfig(silver_table="gold", gold_table="GOLD")


def test_config_is_frozen() -> None:
    cfg = PipelineConfig()
    with pytest.raises(Exception, match="frozen"):
        cfg.database = "OTHER"  # type: ignore[misc]


def test_from_toml(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "moviecdc.toml"  # type: ignore[operator]
    path.write_text('database = "analytics"\ngold_refresh = "task"\nwarehouse = "etl_wh"\n')
    cfg = PipelineConfig.from_toml(path)
    assert (cfg.database, cfg.gold_refresh, cfg.warehouse) == ("ANALYTICS", GoldRefresh.TASK, "ETL_WH")
    path.write_text('[moviecdc]\ndatabase = "nested"\n')
    assert PipelineConfig.from_toml(path).database == "NESTED"


def test_from_toml_errors(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(ConfigError, match="does not exist; check the path"):
        PipelineConfig.from_toml(tmp_path / "missing.toml")  # type: ignore[operator]
    bad = tmp_path / "bad.toml"  # type: ignore[operator]
    bad.write_text("database = \n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        PipelineConfig.from_toml(bad)
    bad.write_text('databse = "x"\n')
    with pytest.raises(ConfigError, match="databse: unknown config key; did you mean 'database'"):
        PipelineConfig.from_toml(bad)


def test_from_env() -> None:
    env = {
        "MOVIECDC_DATABASE": "envdb",
        "MOVIECDC_WAREHOUSE": "",
        "MOVIECDC_DYNAMIC_TABLE_WAREHOUSE": "dtwh",
        "MOVIECDC_SUSPEND_TASK_AFTER_NUM_FAILURES": "3",
        "OTHER": "ignored",
    }
    cfg = PipelineConfig.from_env(env)
    assert (cfg.database, cfg.warehouse, cfg.dt_warehouse, cfg.suspend_task_after_num_failures) == (
        "ENVDB",
        None,
        "DTWH",
        3,
    )
    with pytest.raises(ConfigError, match="MOVIECDC_DATABSE names no config field"):
        PipelineConfig.from_env({"MOVIECDC_DATABSE": "x"})


def test_a_toml_config_can_ask_for_serverless_tasks(tmp_path: Path) -> None:
    # Issue 12.10: TOML has no null, so `warehouse = None` could not be written in a file.
    path = tmp_path / "moviecdc.toml"
    path.write_text('warehouse = ""\ndynamic_table_warehouse = "dt_wh"\n')
    cfg = PipelineConfig.from_toml(path)
    assert (cfg.warehouse, cfg.dt_warehouse) == (None, "DT_WH")
    task = next(s for s in Pipeline(None, cfg).plan() if s.kind is StatementKind.CREATE_TASK)
    assert "WAREHOUSE" not in task.sql.split("\nAS\n")[0]
