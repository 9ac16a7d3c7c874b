from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import moviecdc


def test_all_matches_what_the_package_exports() -> None:
    # "@py_builtins" / "@pytest_ar": pytest rewrites the asserts of a plugin's distribution (moviecdc.testing is
    # one), and the rewrite adds these two names to every module; they are not the package's.
    public = {name for name in vars(moviecdc) if not name.startswith(("_", "@"))} - {
        # submodules are reachable as attributes once imported; they are not part of __all__
        m.name
        for m in pkgutil.iter_modules(moviecdc.__path__)
    }
    lazy = {"LocalSession"}  # imported on first use (module __getattr__)
    assert sorted(moviecdc.__all__) == moviecdc.__all__
    assert set(moviecdc.__all__) - {"__version__"} == public | lazy


def test_importing_moviecdc_does_not_load_the_local_engine() -> None:
    # Streamlit in Snowflake has no DuckDB/fakesnow: the package must import without them.
    import subprocess
    import sys

    code = "import sys, moviecdc, moviecdc.dashboard; print('duckdb' in sys.modules, 'fakesnow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_every_name_in_all_resolves() -> None:
    for name in moviecdc.__all__:
        assert getattr(moviecdc, name) is not None


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("moviecdc").joinpath("py.typed").is_file()


@pytest.mark.parametrize(
    "module",
    ["moviecdc", "moviecdc.identifiers", "moviecdc.config", "moviecdc.sql", "moviecdc.pipeline", "moviecdc.preflight"],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0
