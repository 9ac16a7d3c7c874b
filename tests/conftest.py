from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current code")


# Long tests that are not marked slow (mostly real subprocesses, each importing the engine): under pytest-xdist
# they start with the slow ones, so the two workers finish together instead of one waiting on a late long test.
_LONG = (
    "tests/local/test_reopen.py::test_cli_steps",
    "tests/local/test_reopen.py::test_local_session_without_database",
    "tests/test_simulate.py::test_end_to_end_on",
    "tests/test_simulate.py::test_a_second",
    "tests/local/dynamic_tables/test_dynamic_incremental.py::test_pipeline_incremental",
    "tests/local/dynamic_tables/test_dynamic_incremental.py::test_generic_incremental",
    "tests/test_cli.py::test_unreachable_host",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist (``-n``, the default in pyproject.toml), run the longest tests first: static checks, then tests
    marked slow, then the other long ones; the order inside each class is kept. A plain serial run keeps file
    order. Every xdist worker computes the same order, as xdist requires."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return

    def rank(item: pytest.Item) -> int:
        if item.nodeid.startswith("tests/test_quality.py"):
            return 0  # mypy --strict on a cold cache is the longest single test
        if "realtime" in item.name:
            return 3  # these measure real elapsed time: short, and kept away from the crowded start (cold mypy)
        if item.get_closest_marker("slow") is not None:
            return 1
        return 2 if item.nodeid.startswith(_LONG) else 3

    items.sort(key=rank)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def snowpark_local() -> Iterator[Any]:
    """A Snowpark session in local testing mode (no Snowflake account, no SQL)."""
    from snowflake.snowpark import Session

    session = Session.builder.config("local_testing", True).create()
    yield session
    session.close()


@pytest.fixture(autouse=True)
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot warns when it falls back to an opaque Command (CREATE STREAM, ALTER TASK): expected here."""
    import logging

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
