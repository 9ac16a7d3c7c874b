"""``python -m tests.conformance``: run every case and print the pass rate by family and how failures fail."""

from __future__ import annotations

import sys

from .report import main

sys.exit(main())
