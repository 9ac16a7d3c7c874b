from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from scenario_helpers import run

from moviecdc import LocalSession


@pytest.fixture
def session() -> Iterator[LocalSession]:
    """A fresh engine, the clock at 04:00 UTC on a Monday, in a new database as a worksheet begins."""
    with LocalSession(start=datetime(2026, 3, 2, 4, 0)) as s:
        run(s, "CREATE DATABASE CDC_DEMO", "USE SCHEMA CDC_DEMO.PUBLIC")
        yield s
