"""What the CLI draws on a terminal, on ``rich`` (as the Snowflake CLI does): a progress bar, a status line
and tables. When the stream is not a terminal (a pipe, a file, CI) the output is plain text, the same every
time, with no control characters.

>>> import io
>>> out = io.StringIO()
>>> with ProgressBar(2_000, "events", stream=out) as bar:
...     bar.update(500)
...     bar.update(2_000)
>>> out.getvalue()
'[##############################] 2,000/2,000 events (100%)\\n'
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

_WIDTH = 30


class ProgressBar:
    """A progress bar on ``stream`` (default stderr): live on a terminal, one plain line at the end otherwise."""

    def __init__(self, total: int, unit: str, stream: TextIO | None = None) -> None:
        self.total, self.unit, self.stream = total, unit, stream or sys.stderr
        self.done = 0
        self._progress: Progress | None = None
        if self.stream.isatty():
            self._progress = Progress(
                BarColumn(bar_width=_WIDTH),
                MofNCompleteColumn(),
                TextColumn(unit),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
            )
            self._task = self._progress.add_task(unit, total=total)
            self._progress.start()

    def update(self, done: int) -> None:
        self.done = done
        if self._progress is not None:
            self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            return
        share = self.done / self.total if self.total else 1.0
        filled = int(share * _WIDTH)
        line = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {self.done:,}/{self.total:,} {self.unit} ({share:.0%})"
        self.stream.write(line + "\n")
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        elif self._progress is not None:  # leave the terminal clean; the error says what happened
            self._progress.stop()


@contextmanager
def status_line(stream: TextIO | None = None) -> Iterator[Any]:
    """A spinner with a changing message on a terminal (``update(text)``); nothing when not on one."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield lambda _text: None
        return
    with Console(file=stream).status("") as status:
        yield status.update


def print_frame(frame: Any, *, limit: int, stream: TextIO | None = None, what: str = "rows") -> None:
    """The first ``limit`` rows of a pandas DataFrame: a rich table on a terminal (numbers right-aligned with
    thousands separators), ``DataFrame.to_string`` otherwise; then "… and N more <what>" if some were left out.
    """
    stream = stream or sys.stdout
    shown = frame.head(limit)
    more = f"… and {len(frame) - limit} more {what}" if len(frame) > limit else ""
    if not stream.isatty():
        plain = shown.copy()
        for column in plain.columns:
            if plain[column].dtype == object:
                plain[column] = plain[column].astype(str)
        stream.write(str(plain.to_string(index=False)) + ("\n" + more if more else "") + "\n")
        return
    table = Table(show_edge=False, header_style="bold")
    numeric = [_is_number(shown[column]) for column in shown.columns]
    for column, right in zip(shown.columns, numeric, strict=True):
        table.add_column(str(column), justify="right" if right else "left")
    for row in shown.itertuples(index=False):
        table.add_row(*(_cell(value) for value in row))
    console = Console(file=stream)
    console.print(table)
    if more:
        console.print(more, highlight=False)


def _is_number(series: Any) -> bool:
    values = [v for v in series.tolist() if v is not None]
    return bool(values) and all(isinstance(v, (int, float)) or type(v).__name__ == "Decimal" for v in values)


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) or type(value).__name__ == "Decimal":
        return f"{value:,.2f}"
    return str(value)
