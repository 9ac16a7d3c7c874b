"""The ``moviecdc`` command line: :mod:`.commands` (argument parsing and each command) and :mod:`.console`
(progress bar, status line and tables: rich on a terminal, plain text when piped)."""

from moviecdc.cli.commands import main

__all__ = ["main"]
