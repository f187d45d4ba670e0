"""Reference data shipped with FlagDesk (CPV 2008, ProClass, style sheet, icons).

A package so that the files are found the same way from a source checkout, an installed wheel
and a PyInstaller bundle.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """Absolute path of a bundled resource file."""
    return RESOURCES_DIR / name
