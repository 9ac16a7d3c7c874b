"""Pipeline.check() and deploy()'s preflight against a recording session that answers as Snowflake documents.

``SHOW GRANTS TO ROLE`` rows have the columns ``created_on, privilege, granted_on, name, granted_to,
grantee_name, grant_option, granted_by`` (https://docs.snowflake.com/en/sql-reference/sql/show-grants,
https://docs.snowflake.com/en/release-notes/bcr-bundles/2025_01/bcr-1803); a role granted to another shows as
``privilege USAGE, granted_on ROLE``. The same layout answers ``SHOW GRANTS ON ACCOUNT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from pytest_mock import MockerFixture
from snowflake.snowpark import Row

from moviecdc import CheckReport, LocalSession, Pipeline, PipelineConfig, PreflightError
from moviecdc.cli import main

CREATED = dt.datetime(2026, 1, 5, 9, 0)
CONTEXT = 'SELECT CURRENT_ROLE() AS "ROLE", CURRENT_WAREHOUSE() AS "WAREHOUSE"'


def grant(privilege: str, granted_on: str, name: str, role: str, granted_by: str = "SECURITYADMIN") -> Row:
    return Row(
        created_on=CREATED,
        privilege=privilege,
        granted_on=granted_on,
        name=name,
        granted_to="ROLE",
        grantee_name=role,
        grant_option="false",
        granted_by=granted_by,
    )


def show_object(name: str) -> Row:
    """A SHOW DATABASES / SHOW SCHEMAS row (only the columns the check reads matter)."""
    return Row(created_on=CREATED, name=name, is_default="N", is_current="N", owner="SYSADMIN", comment="")


def snowflake(
    grants: dict[str, list[Row]],
    *,
    role: str | None,
    warehouse: str | None = "COMPUTE_WH",
    objects: tuple[str, ...] = (),
) -> Callable[[str], list[Row]]:
    """Answers like Snowflake: ``grants`` per role, ``objects`` the databases and ``DB.SCHEMA`` that exist."""

    def answer(text: str) -> list[Row]:
        if text == CONTEXT:
            return [Row(ROLE=role, WAREHOUSE=warehouse)]
        if text.startswith("SHOW GRANTS TO ROLE "):
            return grants.get(text.removeprefix("SHOW GRANTS TO ROLE ").strip('"'), [])
        if text.startswith("SHOW DATABASES LIKE "):
            name = text.split("'")[1]
            return [show_object(name)] if name in objects else []
        if text.startswith("SHOW SCHEMAS LIKE "):
            schema, database = text.split("'")[1], text.split('"')[1]
            return [show_object(schema)] if f"{database}.{schema}" in objects else []
        return [Row(status="Statement executed successfully.")]

    return answer


def recording(mocker: MockerFixture, answer: Callable[[str], list[Row]]) -> Any:
    session = mocker.Mock(spec=["sql"])

    def sql(text: str) -> Any:
        result = mocker.Mock(spec=["collect"])
        result.collect.side_effect = lambda: answer(text)
        return result

    session.sql.side_effect = sql
    return session


def sent(session: Any) -> list[str]:
    return [call.args[0] for call in session.sql.call_args_list]


# SYSADMIN as a new account has it: CREATE DATABASE and CREATE WAREHOUSE, USAGE on the warehouse it made; no
# EXECUTE TASK (only ACCOUNTADMIN holds it by default).
SYSADMIN = [
    grant("CREATE DATABASE", "ACCOUNT", "AB12345", "SYSADMIN", "ACCOUNTADMIN"),
    grant("CREATE WAREHOUSE", "ACCOUNT", "AB12345", "SYSADMIN", "ACCOUNTADMIN"),
    grant("OWNERSHIP", "WAREHOUSE", "COMPUTE_WH", "SYSADMIN", "SYSADMIN"),
]


def test_a_sysadmin_without_execute_task_is_stopped_before_step_1(mocker: MockerFixture) -> None:
    # Before: deploy applied eleven steps and failed at ALTER TASK … RESUME ("EXECUTE TASK privilege must be
    # granted to owner role").
    session = recording(mocker, snowflake({"SYSADMIN": SYSADMIN}, role="SYSADMIN"))
    with pytest.raises(PreflightError) as caught:
        Pipeline(session).deploy()
    assert sent(session) == [
        CONTEXT,
        'SHOW GRANTS TO ROLE "SYSADMIN"',
        'SHOW GRANTS TO ROLE "PUBLIC"',
        "SHOW DATABASES LIKE 'MOVIES'",
    ]
    report = caught.value.report
    assert isinstance(report, CheckReport)
    assert [(r.privilege, r.target, r.granted) for r in report.requirements] == [
        ("CREATE DATABASE", "ACCOUNT", True),
        ("USAGE", 'WAREHOUSE "COMPUTE_WH"', True),
        ("EXECUTE TASK", "ACCOUNT", False),
    ]
    assert report.grants == ['GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SYSADMIN"']
    message = str(caught.value)
    assert message.startswith("deploy stopped before step 1: the preflight found what the role lacks; nothing")
    assert message.endswith(
        "An administrator (e.g. ACCOUNTADMIN or SECURITYADMIN) runs, to grant what is missing:\n"
        '  GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SYSADMIN";'
    )


def test_privileges_inherited_through_roles_and_public_count(mocker: MockerFixture) -> None:
    grants = {
        "MOVIECDC_DEPLOYER": [
            grant("USAGE", "ROLE", "MOVIECDC_LOADER", "MOVIECDC_DEPLOYER"),
            grant("EXECUTE TASK", "ACCOUNT", "AB12345", "MOVIECDC_DEPLOYER", "ACCOUNTADMIN"),
        ],
        "MOVIECDC_LOADER": [
            grant("USAGE", "DATABASE", "MOVIES", "MOVIECDC_LOADER"),
            grant("OWNERSHIP", "SCHEMA", "MOVIES.PUBLIC", "MOVIECDC_LOADER", "SYSADMIN"),
        ],
        "PUBLIC": [grant("USAGE", "WAREHOUSE", "COMPUTE_WH", "PUBLIC")],
    }
    session = recording(mocker, snowflake(grants, role="MOVIECDC_DEPLOYER", objects=("MOVIES", "MOVIES.PUBLIC")))
    report = Pipeline(session, PipelineConfig(create_database=False)).check()
    assert report.ok
    assert report.roles == ("MOVIECDC_DEPLOYER", "PUBLIC", "MOVIECDC_LOADER")
    assert report.grants == []
    assert all(r.granted for r in report.requirements)
    assert sent(session) == [
        CONTEXT,
        'SHOW GRANTS TO ROLE "MOVIECDC_DEPLOYER"',
        'SHOW GRANTS TO ROLE "PUBLIC"',
        'SHOW GRANTS TO ROLE "MOVIECDC_LOADER"',
        "SHOW DATABASES LIKE 'MOVIES'",
        "SHOW SCHEMAS LIKE 'PUBLIC' IN DATABASE \"MOVIES\"",
    ]
    assert str(report).splitlines()[:3] == [
        "check: passed",
        "  role: MOVIECDC_DEPLOYER (inherits PUBLIC, MOVIECDC_LOADER)",
        "  session warehouse: COMPUTE_WH",
    ]
    # ... and deploy then sends the plan after the preflight's read-only statements.
    session.sql.reset_mock()
    pipeline = Pipeline(session, PipelineConfig(create_database=False))
    pipeline.deploy()
    assert sent(session)[6:] == [s.sql for s in pipeline.plan()]


def test_every_missing_privilege_gets_its_exact_grant(mocker: MockerFixture) -> None:
    # An existing database and schema owned by someone else, a role with nothing, serverless tasks.
    config = PipelineConfig(
        database="analytics", schema_name='"Cdc Demo"', warehouse=None, dynamic_table_warehouse="transform_wh"
    )
    session = recording(
        mocker, snowflake({}, role="loader", warehouse=None, objects=("ANALYTICS", "ANALYTICS.Cdc Demo"))
    )
    report = Pipeline(session, config).check()
    assert not report.ok
    assert report.grants == [
        'GRANT CREATE DATABASE, EXECUTE TASK, EXECUTE MANAGED TASK ON ACCOUNT TO ROLE "loader"',
        'GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "loader"',
        'GRANT USAGE, CREATE TABLE, CREATE STREAM, CREATE TASK, CREATE DYNAMIC TABLE ON SCHEMA "ANALYTICS"."Cdc Demo" '
        'TO ROLE "loader"',
        'GRANT USAGE ON WAREHOUSE "TRANSFORM_WH" TO ROLE "loader"',
    ]
    text = str(report)
    assert "session warehouse: (none)" in text
    assert "note: ANALYTICS.Cdc Demo exists: with create_database = false deploy skips CREATE DATABASE/SCHEMA" in text
    assert "note: the session has no current warehouse" in text


def test_a_schema_to_create_needs_create_schema_on_the_database(mocker: MockerFixture) -> None:
    grants = {
        "R": [
            grant("CREATE DATABASE", "ACCOUNT", "AB12345", "R"),
            grant("USAGE", "DATABASE", "MOVIES", "R"),
            grant("USAGE", "WAREHOUSE", "COMPUTE_WH", "R"),
            grant("EXECUTE TASK", "ACCOUNT", "AB12345", "R"),
        ]
    }
    report = Pipeline(recording(mocker, snowflake(grants, role="R", objects=("MOVIES",)))).check()
    assert report.grants == ['GRANT CREATE SCHEMA ON DATABASE "MOVIES" TO ROLE "R"']


def test_problems_no_grant_fixes(mocker: MockerFixture) -> None:
    no_role = Pipeline(recording(mocker, snowflake({}, role=None))).check()
    assert not no_role.ok
    assert no_role.problems == (
        "the session has no current role: set `role` in the connection, or run USE ROLE <role>",
    )
    everything = [grant("EXECUTE TASK", "ACCOUNT", "AB12345", "R"), grant("USAGE", "WAREHOUSE", "COMPUTE_WH", "R")]
    missing_db = Pipeline(
        recording(mocker, snowflake({"R": everything}, role="R")), PipelineConfig(create_database=False)
    ).check()
    assert missing_db.problems == (
        'database "MOVIES" does not exist or this role cannot see it: create it and grant USAGE on it, or set '
        "create_database = true",
    )
    assert missing_db.grants == []


def test_deploy_can_skip_the_preflight(mocker: MockerFixture) -> None:
    session = recording(mocker, snowflake({}, role="R"))
    pipeline = Pipeline(session)
    pipeline.deploy(check=False)
    assert sent(session) == [s.sql for s in pipeline.plan()]


def test_on_the_local_engine_the_default_role_owns_everything() -> None:
    with LocalSession() as session:
        report = Pipeline(session).check()
        assert report.ok
        assert not report.enforced
        assert report.role == "ACCOUNTADMIN"
        assert str(report) == (
            "check: passed; on the local engine (LocalSession) the current role is the default ACCOUNTADMIN, which "
            "owns everything it works with; after USE ROLE <role> this checks the grants recorded locally, as "
            "against Snowflake"
        )
        Pipeline(session).deploy()  # the preflight passes, the deploy runs


def test_on_the_local_engine_a_role_of_the_users_is_checked_against_the_recorded_grants() -> None:
    """The grants recorded by GRANT, read back with SHOW GRANTS TO ROLE, as on Snowflake
    (https://docs.snowflake.com/en/sql-reference/sql/show-grants)."""
    with LocalSession() as session:
        for statement in (
            "CREATE DATABASE MOVIES",
            "CREATE ROLE DEPLOYER",
            "GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE DEPLOYER",
            "GRANT USAGE ON DATABASE MOVIES TO ROLE DEPLOYER",
            "GRANT USAGE ON SCHEMA MOVIES.PUBLIC TO ROLE DEPLOYER",
            "GRANT CREATE TABLE, CREATE STREAM ON SCHEMA MOVIES.PUBLIC TO ROLE DEPLOYER",
            "GRANT CREATE DATABASE ON ACCOUNT TO ROLE DEPLOYER",
            "USE ROLE DEPLOYER",
        ):
            session.sql(statement).collect()
        report = Pipeline(session).check()
        assert report.enforced
        assert not report.ok
        assert report.role == "DEPLOYER"
        assert report.roles == ("DEPLOYER", "PUBLIC")
        assert [(r.privilege, r.kind, r.parts) for r in report.missing] == [
            ("CREATE TASK", "SCHEMA", ("MOVIES", "PUBLIC")),
            ("CREATE DYNAMIC TABLE", "SCHEMA", ("MOVIES", "PUBLIC")),
            ("EXECUTE TASK", "ACCOUNT", ()),
        ]
        assert report.grants == [
            'GRANT CREATE TASK, CREATE DYNAMIC TABLE ON SCHEMA "MOVIES"."PUBLIC" TO ROLE "DEPLOYER"',
            'GRANT EXECUTE TASK ON ACCOUNT TO ROLE "DEPLOYER"',
        ]
        with pytest.raises(PreflightError):
            Pipeline(session).deploy()
        session.sql("USE ROLE ACCOUNTADMIN").collect()
        for statement in report.grants:  # what the report says an administrator runs
            session.sql(statement).collect()
        session.sql("USE ROLE DEPLOYER").collect()
        assert Pipeline(session).check().ok


def test_cli_check_prints_the_grants_and_exits_2(
    mocker: MockerFixture, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session = recording(mocker, snowflake({"SYSADMIN": SYSADMIN}, role="SYSADMIN"))
    session.close = lambda: None
    monkeypatch.setattr("moviecdc.cli.commands.open_session", lambda **_: session)
    assert main(["check", "--connection", "myconn"]) == 2
    out = capsys.readouterr().out
    assert out.endswith('  GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SYSADMIN";\n')
    assert "MISSING EXECUTE TASK on ACCOUNT: ALTER TASK … RESUME checks it on the task owner's role" in out

    assert main(["deploy", "--connection", "myconn"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("Error: deploy stopped before step 1")
    assert captured.err.endswith('  GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SYSADMIN";\n')
    assert not any(text.startswith("CREATE") for text in sent(session))

    session.sql.reset_mock()
    assert main(["deploy", "--connection", "myconn", "--skip-check"]) == 0
    assert sent(session)[0].startswith("CREATE DATABASE IF NOT EXISTS")


def test_cli_check_on_the_local_engine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("check: passed; on the local engine (LocalSession) the current role")
