"""The README stays true: its Python snippets run as written, and every ``moviecdc`` option it names exists.

A snippet that needs a Snowflake account (it opens a named connection) is the one kind not run. A ```toml
block whose first line is ``# <name>.toml`` is written to that file first, in the snippets' working folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from moviecdc.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.DOTALL)
PYTHON = [code for kind, code in BLOCKS if kind == "python"]
NEEDS_ACCOUNT = "connection_name"
COMMANDS = ("plan", "deploy", "status", "refresh", "teardown", "simulate", "run", "demo")


def _help(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main([command, "--help"])
    return out.getvalue()


def _named_options() -> dict[str, set[str]]:
    """``moviecdc <command> … --flag …`` wherever the README writes one (code spans, blocks, tables)."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(r"moviecdc ([a-z]+)((?:\\\||[^`\n|])*)", README):
        command, rest = match.group(1), match.group(2)
        if command in COMMANDS:
            found.setdefault(command, set()).update(re.findall(r"(--[a-z][a-z-]*)", rest))
    return found


def test_the_readme_has_snippets_and_commands() -> None:
    assert len([code for code in PYTHON if NEEDS_ACCOUNT not in code]) >= 3
    assert set(_named_options()) == set(COMMANDS)


@pytest.mark.parametrize(("command", "options"), sorted(_named_options().items()))
def test_every_named_option_exists(command: str, options: set[str]) -> None:
    listed = set(re.findall(r"(--[a-z][a-z-]*)", _help(command)))
    assert options - listed == set(), f"moviecdc {command} --help lists {sorted(listed)}"


def test_the_options_each_command_takes_are_all_documented() -> None:
    named = _named_options()
    for command in COMMANDS:
        listed = set(re.findall(r"(--[a-z][a-z-]*)", _help(command))) - {"--help", "--config", "--debug"}
        assert listed <= named[command], f"README does not show {sorted(listed - named[command])} for {command}"


@pytest.mark.slow
@pytest.mark.parametrize("code", [c for c in PYTHON if NEEDS_ACCOUNT not in c], ids=lambda c: c.split("\n")[0][:40])
def test_python_snippet_runs_as_written(code: str, tmp_path: Path) -> None:
    for kind, block in BLOCKS:
        first = block.splitlines()[0]
        if kind == "toml" and re.fullmatch(r"# [\w.-]+\.toml(:.*)?", first):
            (tmp_path / first[2:].split(":")[0]).write_text(block, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
