"""The CLI's terminal output on rich, and its plain form when not on a terminal."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd

from moviecdc.cli.console import ProgressBar, print_frame, status_line


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


GOLD = pd.DataFrame(
    {"MOVIE_ID": ["M1", "M2", "M3"], "TOTAL_TICKETS_SOLD": [12_345, 7, 1], "TOTAL_REVENUE": [Decimal("1234567.50")] * 3}
)


def test_plain_progress_is_one_line_without_control_characters() -> None:
    out = io.StringIO()
    with ProgressBar(10_000, "events", stream=out) as bar:
        for done in range(0, 10_001, 2_500):
            bar.update(done)
    assert out.getvalue() == "[##############################] 10,000/10,000 events (100%)\n"


def test_progress_on_a_terminal_is_drawn_by_rich() -> None:
    out = Terminal()
    with ProgressBar(10_000, "events", stream=out) as bar:
        bar.update(10_000)
    text = out.getvalue()
    assert "10000/10000" in text
    assert "events" in text
    assert "\x1b[" in text  # redrawn in place


def test_status_line_is_silent_off_a_terminal() -> None:
    out = io.StringIO()
    with status_line(out) as show:
        show("deploy 1/12: CREATE DATABASE")
    assert out.getvalue() == ""


def test_tables_use_thousands_separators_on_a_terminal_and_plain_text_otherwise() -> None:
    plain, terminal = io.StringIO(), Terminal()
    print_frame(GOLD, limit=2, stream=plain, what="movies")
    print_frame(GOLD, limit=2, stream=terminal, what="movies")
    assert plain.getvalue() == GOLD.head(2).astype({"TOTAL_REVENUE": str}).to_string(index=False) + (
        "\n… and 1 more movies\n"
    )
    assert "12,345" in terminal.getvalue()
    assert "1,234,567.50" in terminal.getvalue()
    assert terminal.getvalue().rstrip().endswith("… and 1 more movies")
