"""Alembic environment and revisions for the FlagDesk register.

Loaded in code by flagdesk.store.migrate (script location resolved from this package), so it
works from a source checkout, an installed wheel and a frozen build alike.
"""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent
