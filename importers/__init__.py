"""Partners' registers (spreadsheets, CSV, OCDS JSON) into canonical import records.

No database and no Qt here: ``read_file`` returns records and row-level problems; applying them
to the register is ``flagdesk.services.imports``.
"""

from __future__ import annotations

from importers.reading import inspect_file, read_file
from importers.records import (
    ERROR,
    WARNING,
    FileInfo,
    ImportFileError,
    ImportRecord,
    Problem,
    ReadResult,
    SupplierRef,
)

__all__ = [
    "ERROR",
    "WARNING",
    "FileInfo",
    "ImportFileError",
    "ImportRecord",
    "Problem",
    "ReadResult",
    "SupplierRef",
    "inspect_file",
    "read_file",
]
