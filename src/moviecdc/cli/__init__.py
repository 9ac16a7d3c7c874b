"""The ``moviecdc`` command line: :mod:`.commands` (argument parsing and each command), :mod:`.sessions`
(the session a command runs on: a Snowflake connection name or a local folder) and :mod:`.console` (progress bar,
status line and tables: rich on a terminal, plain text when piped)."""

from moviecdc.cli.commands import main

__all__ = ["main"]
