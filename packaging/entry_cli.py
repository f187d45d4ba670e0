"""Frozen console program `flagdesk`: the command line, errors on stderr (no arguments opens the window)."""

import sys

from flagdesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
