"""`python -m timeshifter ...`: the `timeshift` command (see timeshifter/cli.py)."""

import sys

from timeshifter.cli import main

sys.exit(main())
