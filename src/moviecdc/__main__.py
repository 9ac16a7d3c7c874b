"""`python -m moviecdc` runs the command line."""

import sys

from moviecdc.cli import main

sys.exit(main())
