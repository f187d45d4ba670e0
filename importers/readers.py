"""Open a file of any supported kind as sheets of rows, refusing what cannot be a register.

Workbooks go through python-calamine (several times faster than openpyxl and bounded by the
cells that exist, not by the dimension a file claims); CSV is streamed with its encoding and
delimiter detected from the bytes. Every row comes with its 1-based number as the user sees it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
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
# calamine holds a sheet's whole bounding box in memory (about 30 bytes a cell); one stray cell at
# XFD1048576 would ask for gigabytes, so such sheets are streamed with openpyxl instead.
MAX_CALAMINE_CELLS = 10_000_000
_SCAN_UNDECLARED_UP_TO = 16 << 20  # bytes of sheet XML


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
            if cells.count("") + cells.count(None) < len(cells):  # counted in C: 100k rows
                blank_run = 0
                yield number, cells
            else:
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    return

    def _sheet_rows(self, sheet: str) -> Iterator[Row]:
        if self.kind == "xlsx" and not _bounding_box_fits(self.path, sheet):
            yield from self._streamed_rows(sheet)
            return
        try:
            data = self._book.get_sheet_by_name(sheet)
        except python_calamine.CalamineError as exc:
            raise ImportFileError(f"{self.path.name}: sheet '{sheet}' cannot be read ({exc})") from None
        start_row, start_col = data.start or (0, 0)
        self.total_rows = data.height
        pad = [""] * start_col  # keep column letters true when the used range starts right of A
        for offset, cells in enumerate(data.iter_rows()):
            yield start_row + offset + 1, pad + list(cells) if pad else list(cells)

    def _streamed_rows(self, sheet: str) -> Iterator[Row]:
        """openpyxl read-only: slower, but memory stays flat whatever the sheet's extent."""
        import openpyxl

        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken package
            raise ImportFileError(f"{self.path.name}: the workbook cannot be read ({_short(exc)})") from None
        try:
            ws = book[sheet]
            ws.reset_dimensions()  # never trust the declared dimension
            for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            book.close()

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


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row r="(\d+)"')
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,3})\d')


def _bounding_box_fits(path: Path, sheet: str) -> bool:
    """Is the sheet's real extent small enough for calamine?

    A declared dimension that fits is trusted (cheap). A sheet that declares a huge extent is
    scanned for where its cells really are. A sheet that declares none (streaming writers) is
    scanned when small; a large one is dense with real rows, and scanning it would cost a third
    of the read.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, sheet)
            if part is None:
                return True
            with zf.open(part) as fh:
                head = fh.read(1 << 16)
                m = _DIMENSION.search(head)
                if m and m.group(4) and _area(m.group(3), m.group(4)) <= MAX_CALAMINE_CELLS:
                    return True
                if not m and zf.getinfo(part).file_size > _SCAN_UNDECLARED_UP_TO:
                    return True
                return _scan_extent(head, fh) <= MAX_CALAMINE_CELLS
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return True  # calamine will report the damage in its own words


def _area(column: bytes, row: bytes) -> int:
    return _column_number(column) * int(row)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.decode():
        number = number * 26 + ord(ch) - 64
    return number


def _scan_extent(head: bytes, fh: Any) -> int:
    max_row, max_col, tail = 0, 26, b""  # one-letter columns are not tracked: assume up to Z
    chunk = head
    while chunk:
        window = tail + chunk
        rows = _ROW_NUMBER.findall(window)
        if rows:
            max_row = max(max_row, int(rows[-1]))
        for letters in set(_WIDE_CELL.findall(window)):
            max_col = max(max_col, _column_number(letters))
        tail, chunk = window[-64:], fh.read(1 << 20)
    return max_row * max_col


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet, found through workbook.xml and its relationships."""
    workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)>", workbook):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
        if _xml_unescape(attrs.get("name", "")) != sheet:
            continue
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        for rel in re.finditer(r"<Relationship\b([^>]*)>", rels):
            rattrs = dict(re.findall(r'(\w+)="([^"]*)"', rel.group(1)))
            if rattrs.get("Id") == rid:
                target = rattrs.get("Target", "")
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


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
