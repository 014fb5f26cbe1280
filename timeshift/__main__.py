"""`python -m timeshift ...`: the `timeshift` command (see timeshift/cli.py)."""

import sys

from timeshift.cli import main

sys.exit(main())
