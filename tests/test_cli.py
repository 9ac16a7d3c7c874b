"""The `moviecdc` command through main([...]): output, exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from moviecdc import Pipeline
from moviecdc.cli import main


def test_plan_prints_every_statement_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    expected = "".join(f"-- {n}. {s.summary}\n{s.sql};\n\n" for n, s in enumerate(Pipeline(None).plan(), start=1))
    assert out == expected


def test_plan_with_a_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "moviecdc.toml"
    config.write_text('database = "analytics"\ncreate_database = false\n')
    assert main(["plan", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith(
        '-- 1. CREATE TABLE "ANALYTICS"."PUBLIC"."RAW_MOVIES_BOOKING"\nCREATE TABLE IF NOT EXISTS "ANALYTICS"'
    )


def test_bad_config_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('databse = "x"\ngold_target_lag = "10 seconds"\n')
    assert main(["plan", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "Error: invalid pipeline config: gold_target_lag: '10 seconds' is below Snowflake's minimum target lag "
        "of 60 seconds; use '1 minute' or more; databse: unknown config key; did you mean 'database'?\n"
    )


def test_unknown_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))  # an empty connections.toml folder
    (tmp_path / "connections.toml").write_text('[other]\naccount = "x"\nuser = "y"\n')
    assert main(["status", "--connection", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot open Snowflake connection 'nosuch': Invalid connection_name 'nosuch'")
    assert err.endswith("defines it, e.g. with `snow connection list`.\n")
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("database = 'a b'\n")
    assert main(["plan", "--config", str(config), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("Error: invalid pipeline config: database: invalid identifier 'a b'")


def test_simulate_before_deploy_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--events", "100", "--db", str(tmp_path / "db")]) == 1
    assert capsys.readouterr().err == (
        "Error: Table 'MOVIES.PUBLIC.RAW_MOVIES_BOOKING' does not exist or not authorized. "
        "Run `moviecdc deploy` (with the same --db/--connection) first.\n"
    )


def test_connection_and_db_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["status", "--connection", "x", "--db", "y"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_bad_numbers_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--events", "-5"])
    assert "'-5' must be greater than 0" in capsys.readouterr().err


def test_simulate_twice_on_one_folder_continues(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 12.4: the second simulate replayed the first one's booking ids.
    from moviecdc import LocalSession

    db = tmp_path / "db"
    assert main(["deploy", "--db", str(db)]) == 0
    assert main(["simulate", "--db", str(db), "--events", "2000", "--rate", "500"]) == 0
    assert main(["simulate", "--db", str(db), "--events", "2000", "--rate", "500"]) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    assert "updates" in second
    with LocalSession(path=db, database="MOVIES", schema="PUBLIC") as session:
        query = "SELECT COUNT(*), COUNT(DISTINCT BOOKING_ID) FROM RAW_MOVIES_BOOKING"
        total, distinct = session.sql(query).collect()[0]
    assert total == distinct > 3_000
