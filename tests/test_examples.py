"""The examples a new user runs first: the notebook executes top to bottom in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from pytest_mock import MockerFixture

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _builder() -> Any:
    import sys

    sys.path.insert(0, str(EXAMPLES))
    try:
        import build_notebook
    finally:
        sys.path.remove(str(EXAMPLES))
    return build_notebook


def test_notebook_is_built_from_its_source() -> None:
    on_disk = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    assert [c.source for c in on_disk.cells] == [c.source for c in _builder().build().cells]


def test_notebook_is_stored_with_its_outputs() -> None:
    """So that it reads on a repository page: every code cell ran, and the cells that print show it."""
    on_disk = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    code = [c for c in on_disk.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert sum(1 for c in code if c.outputs) >= len(code) - 1  # only the last (close) prints nothing


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_and_its_stored_outputs_are_current(tmp_path: Path) -> None:
    """Executed again in a fresh kernel, it gives the outputs stored in it (up to timings and generated ids):
    outputs that drifted from the code fail here; `python examples/build_notebook.py` writes them again."""
    builder = _builder()
    stored = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    notebook = builder.execute(nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4), tmp_path)
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors == []
    gold_cell = next(c for c in notebook.cells if c.source.startswith("gold = "))
    assert "M7" in gold_cell.outputs[0]["data"]["text/plain"]
    assert builder.comparable(notebook) == builder.comparable(stored)


def test_deploy_script_has_a_helpful_usage() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "deploy_to_snowflake.py"), "--help"], capture_output=True, text=True, check=True
    )
    assert "--connection" in result.stdout
    assert "connections.toml" in result.stdout


def _example() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_to_snowflake", EXAMPLES / "deploy_to_snowflake.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deploy_script_checks_deploys_writes_logical_timestamps_and_waits_for_gold(mocker: MockerFixture) -> None:
    """The script against a recording session answering as Snowflake: preflight, deploy, bookings written with
    use_logical_type=True (naive datetimes otherwise load as wrong dates), Gold awaited through status()."""
    import datetime as dt

    import pandas as pd
    from snowflake.snowpark import Row

    t0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone.utc)
    polls: list[int] = []

    def answer(text: str) -> list[Row]:
        if text.startswith("SELECT CURRENT_ROLE()"):
            return [Row(ROLE="SYSADMIN", WAREHOUSE="COMPUTE_WH")]
        if text == 'SHOW GRANTS TO ROLE "SYSADMIN"':
            return [
                Row(privilege=p, granted_on=on, name=name, granted_to="ROLE", grantee_name="SYSADMIN")
                for p, on, name in [
                    ("CREATE DATABASE", "ACCOUNT", "AB12345"),
                    ("EXECUTE TASK", "ACCOUNT", "AB12345"),
                    ("USAGE", "WAREHOUSE", "COMPUTE_WH"),
                ]
            ]
        if text.startswith(("SHOW GRANTS", "SHOW DATABASES")):
            return []
        if text.startswith('SELECT CURRENT_TIMESTAMP() AS "NOW"'):
            return [Row(NOW=t0)]
        if text.startswith("SHOW STREAMS"):
            polls.append(1)
            return [Row(name="RAW_MOVIES_BOOKING_STREAM", schema_name="PUBLIC", stale="false", mode="DEFAULT")]
        if text.startswith("SELECT SYSTEM$STREAM_HAS_DATA"):
            return [Row(HAS_DATA=len(polls) < 2)]  # the first poll still sees pending changes
        if text.startswith("SHOW TASKS"):
            name = "INGEST_MOVIES_BOOKING_CDC_EVENTS"
            return [Row(name=name, schema_name="PUBLIC", state="started", schedule="1 MINUTE")]
        if "TASK_HISTORY" in text:
            end = t0 + dt.timedelta(seconds=70)
            return [
                Row(NAME="INGEST_MOVIES_BOOKING_CDC_EVENTS", DATABASE_NAME="MOVIES", SCHEMA_NAME="PUBLIC",
                    STATE="SUCCEEDED", SCHEDULED_TIME=end, COMPLETED_TIME=end, ERROR_MESSAGE=None,
                    SCHEDULED_FROM="SCHEDULE")
            ]  # fmt: skip
        if text.startswith("SHOW DYNAMIC TABLES"):
            name = text.split("LIKE '")[1].split("'", maxsplit=1)[0]
            return [
                Row(name=name, schema_name="PUBLIC", target_lag="2 minutes", refresh_mode="INCREMENTAL",
                    scheduling_state="ACTIVE", data_timestamp=t0 + dt.timedelta(minutes=2))
            ]  # fmt: skip
        if "DYNAMIC_TABLE_REFRESH_HISTORY" in text or text.startswith('SELECT "REJECT_REASON"'):
            return []
        return [Row(status="Statement executed successfully.")]

    session = mocker.Mock(spec=["sql", "write_pandas"])

    def sql(text: str) -> Any:
        result = mocker.Mock(spec=["collect", "to_pandas"])
        result.collect.side_effect = lambda: answer(text)
        result.to_pandas.return_value = pd.DataFrame({"MOVIE_ID": ["M7"], "TOTAL_REVENUE": [36]})
        return result

    session.sql.side_effect = sql
    from moviecdc import PipelineConfig

    naps: list[float] = []
    assert _example().deploy_and_show(session, PipelineConfig(), events=50, sleep=naps.append) == 0
    sent = [call.args[0] for call in session.sql.call_args_list]
    assert sent[0].startswith("SELECT CURRENT_ROLE()")
    first_change = next(i for i, text in enumerate(sent) if text.startswith("CREATE"))
    assert all(text.startswith(("SELECT CURRENT_ROLE()", "SHOW ")) for text in sent[:first_change])
    assert session.write_pandas.call_args_list
    assert all(call.kwargs["use_logical_type"] is True for call in session.write_pandas.call_args_list)
    assert naps == [20.0]  # one poll saw pending changes, the next a current Gold
