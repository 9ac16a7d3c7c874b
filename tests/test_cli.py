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
    (tmp_path / "db").mkdir()  # an existing folder with nothing deployed in it
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


# -- bad input: one Error: line, exit code 1, a hint that fits (issue 12.6) --------------------------------------


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.startswith("Error: ")
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err.strip()


def test_a_port_out_of_range_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:  # was: OverflowError from bind() after the URL was printed
        main(["demo", "--port", "99999", "--no-browser"])
    assert caught.value.code == 2
    assert "argument --port: '99999' is not a port: use 1 to 65535" in capsys.readouterr().err


def test_a_port_in_use_is_refused_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port), "--no-browser"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # no URL of a dashboard that never starts
    assert captured.err.startswith(f"Error: port {port} on 127.0.0.1 is in use")
    assert captured.err.endswith(f"pick another with --port, e.g. --port {port + 1}\n")


def test_db_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("")
    assert main(["deploy", "--db", str(tmp_path / "afile" / "d")]) == 1
    assert _one_error_line(capsys).endswith("afile' is a file, not a folder")
    assert main(["deploy", "--db", str(tmp_path / "afile")]) == 1
    assert _one_error_line(capsys).endswith("is a file, not a folder: give a folder for the engine's state")


def test_db_under_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--db", str(tmp_path / "missing" / "x" / "d")]) == 1
    assert _one_error_line(capsys).endswith("x' does not exist; check the path or create it")
    assert not (tmp_path / "missing").exists()


def test_db_under_a_folder_without_write_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    if os.access(locked, os.W_OK):  # root writes anywhere: make the check see what a user would
        monkeypatch.setattr("moviecdc.cli.sessions.os.access", lambda *_args, **_kwargs: False)
    assert main(["deploy", "--db", str(locked / "d")]) == 1
    expected = f"no permission to write in {str(locked)!r}; choose a folder you can write to"
    assert _one_error_line(capsys).endswith(expected)


def test_an_os_error_while_opening_is_translated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "db" / "MOVIES.db"))

    monkeypatch.setattr("moviecdc.cli.sessions.LocalSession", refuse)
    assert main(["deploy", "--db", str(tmp_path / "db")]) == 1
    assert _one_error_line(capsys).endswith("permission denied; choose a folder you can write to")


def test_a_truncated_database_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "db"
    assert main(["deploy", "--db", str(db)]) == 0
    capsys.readouterr()
    (data,) = db.glob("*.db")
    with data.open("r+b") as handle:
        handle.truncate(data.stat().st_size // 2)
    assert main(["status", "--db", str(db)]) == 1
    line = _one_error_line(capsys)
    assert line.startswith(f"Error: cannot open the local engine's state in {str(db)!r}: ")
    assert line.endswith("restore it from a backup, or start again with a new --db folder.")


@pytest.mark.parametrize("command", ["status", "refresh", "teardown"])
def test_commands_on_a_missing_folder_create_nothing(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo" / "a" / "b"
    assert main([command, "--db", str(typo)]) == 1
    assert _one_error_line(capsys) == (
        f"Error: --db {str(typo)!r} does not exist, so nothing was deployed there: check the path, "
        f"or run `moviecdc deploy --db {typo}` first"
    )
    assert not (tmp_path / "typo").exists()


def test_unreachable_host_says_so(tmp_path: Path) -> None:
    # A closed local port: refused at once, no DNS or network needed. A subprocess, because the connector
    # reads SNOWFLAKE_HOME when it is imported.
    import os
    import subprocess
    import sys

    toml = tmp_path / "connections.toml"
    toml.write_text('[down]\naccount = "xy12345"\nuser = "me"\npassword = "pw"\nhost = "127.0.0.1"\nport = 9\n')
    toml.chmod(0o600)
    env = {**os.environ, "SNOWFLAKE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "moviecdc", "status", "--connection", "down"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr  # no retry warnings from the connector
    assert done.stderr.startswith("Error: cannot open Snowflake connection 'down': 250001")
    assert done.stderr.endswith(
        "Snowflake could not be reached: check the account (and host, if set) of 'down' in connections.toml, "
        "and that this machine can reach it (network, proxy, VPN).\n"
    )
