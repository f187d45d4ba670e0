"""Where the shared reference data lives, for tests in any folder (import as `shared_paths`).

A module of its own, not conftest: several folders have a conftest.py, so `from conftest import`
would pick whichever was imported first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path}")
    return path
