"""Open a file of any supported kind as sheets of rows, refusing what cannot be a register.

Workbooks go through python-calamine (several times faster than openpyxl and bounded by the
cells that exist, not by the dimension a file claims); CSV is streamed with its encoding and
delimiter detected from the bytes. Every row comes with its 1-based number as the user sees it.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import python_calamine

from importers.records import ImportFileError

Row = tuple[int, list[Any]]  # (1-based row number, cells)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 64 * 1024
# A run of blank rows this long ends a sheet: stray formatting far below the data is not data.
MAX_BLANK_RUN = 5000


def detect_kind(path: Path) -> str:
    """'xlsx' | 'ods' | 'xls' | 'json' | 'csv' from the bytes, not the name; refuses the rest."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise ImportFileError(f"{path.name}: no such file") from None
    except OSError as exc:
        raise ImportFileError(f"{path.name}: cannot be read ({exc.strerror})") from None
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ImportFileError(f"{path.name}: the file is empty")
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(path)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if _looks_binary(head):
        raise ImportFileError(f"{path.name}: not a spreadsheet, CSV or JSON file")
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, EOFError, OSError):
        raise ImportFileError(f"{path.name}: the workbook is corrupt or truncated") from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    raise ImportFileError(f"{path.name}: a zip archive without a spreadsheet in it")


def _ole_kind(path: Path) -> str:
    """An OLE2 file is either a legacy .xls or an encrypted (password-protected) Office file."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            if marker in chunk:
                raise ImportFileError(f"{path.name}: the workbook is password-protected; save it without a password")
    return "xls"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    sample = head[:8192]
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return b"\x00" in sample or control > len(sample) // 100


class Workbook:
    """Sheets of a file and their rows; use as a context manager."""

    def __init__(self, path: Path, kind: str):
        self.path = path
        self.kind = kind
        self._book: Any = None
        self._encoding: str | None = None
        self.total_rows: int | None = None  # known (or estimated) once rows are being read
        if kind in ("xlsx", "xls", "ods"):
            self._book = _open_calamine(path)
            self.sheet_names: list[str] = list(self._book.sheet_names)
        else:
            self.sheet_names = [path.stem]

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._book is not None:
            with suppress(Exception):
                self._book.close()
            self._book = None

    def rows(self, sheet: str) -> Iterator[Row]:
        """Non-blank rows with their 1-based numbers, stopping after MAX_BLANK_RUN blank rows."""
        source = self._sheet_rows(sheet) if self._book is not None else self._csv_rows()
        blank_run = 0
        for number, cells in source:
            if any(c not in ("", None) for c in cells):
                blank_run = 0
                yield number, cells
            else:
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    return

    def _sheet_rows(self, sheet: str) -> Iterator[Row]:
        try:
            data = self._book.get_sheet_by_name(sheet)
        except python_calamine.CalamineError as exc:
            raise ImportFileError(f"{self.path.name}: sheet '{sheet}' cannot be read ({exc})") from None
        start_row, start_col = data.start or (0, 0)
        self.total_rows = data.height
        pad = [""] * start_col  # keep column letters true when the used range starts right of A
        for offset, cells in enumerate(data.iter_rows()):
            yield start_row + offset + 1, pad + list(cells) if pad else list(cells)

    def _csv_rows(self) -> Iterator[Row]:
        encoding = self.encoding()
        # Windows-1252 leaves five byte values undefined; show those as U+FFFD rather than fail.
        with open(self.path, encoding=encoding, errors="replace", newline="") as fh:
            sample = fh.read(_SNIFF_BYTES)
            dialect = _sniff_dialect(sample)
            self.total_rows = _estimate_lines(self.path, sample)
            fh.seek(0)
            reader = csv.reader(fh, dialect)
            try:
                for cells in reader:
                    yield reader.line_num, cells
            except csv.Error as exc:
                raise ImportFileError(f"{self.path.name}: not a readable CSV file ({exc})") from None

    def encoding(self) -> str:
        if self._encoding is None:
            self._encoding = detect_encoding(self.path)
        return self._encoding


def _open_calamine(path: Path) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise ImportFileError(f"{path.name}: the workbook is password-protected; save it without a password") from None
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise ImportFileError(f"{path.name}: the workbook is corrupt or cannot be read ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 when the bytes say so, else Windows-1252.

    The whole file is streamed through an incremental UTF-8 decoder, so a stray byte late in the
    file is found before any row is read rather than half way through.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _estimate_lines(path: Path, sample: str) -> int:
    lines = max(1, sample.count("\n"))
    return max(lines, int(path.stat().st_size / max(1, len(sample.encode("utf-8", "replace")) / lines)))


def _sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    # Sniff on whole lines only: a cut-off quoted field confuses the sniffer.
    lines = sample.splitlines(keepends=True)
    text = "".join(lines[:-1]) if len(lines) > 1 else sample
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def open_text(path: Path) -> io.TextIOWrapper:
    """A text file in its detected encoding (JSON, JSON Lines); the caller closes it."""
    return open(path, encoding=detect_encoding(path), errors="replace")
