"""read_file and inspect_file: choose the sheet, find the header, map, convert every row."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, islice
from os import PathLike
from pathlib import Path
from typing import Any

from flagdesk.errors import CancelledError
from importers import ocds
from importers.mapping import (
    HEADER_SEARCH_ROWS,
    auto_map,
    column_names,
    detect_profile,
    find_header,
    header_match_count,
    header_signature,
    profile_mapping,
)
from importers.readers import Row, Workbook, detect_kind
from importers.records import WARNING, FileInfo, ImportFileError, ImportRecord, Problem, ReadResult
from importers.rows import RowConverter, as_published

Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None
SavedMappings = Callable[[str], dict[str, str] | None] | None

SAMPLE_ROWS = 200  # rows judged when mapping columns by their values and deciding date order
_REPORT_EVERY = 2000  # rows between progress reports and cancel checks
# A usable register names its contracts and says something about them.
_NAMING_FIELDS = {"title", "description"}
_DESCRIBING_FIELDS = {"supplier", "total_value", "annual_value", "reference", "start_date", "end_date"}


def read_file(
    path: str | PathLike[str],
    *,
    sheet: str | None = None,
    profile: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
    saved_mappings: SavedMappings = None,
) -> ReadResult:
    """Every data row of a register file as an ImportRecord, or a Problem saying why not.

    ``mapping`` (source column -> field) overrides everything; else ``profile``; else a mapping
    saved for this header layout (``saved_mappings(signature)``); else a built-in profile the
    headers match; else automatic mapping. Raises ImportFileError for files that cannot be
    imported at all and CancelledError when ``cancel()`` turns True.
    """
    path = Path(path)
    kind = detect_kind(path)
    if kind == "json":
        return _read_json(path, profile=profile, mapping=mapping, progress=progress, cancel=cancel)
    with Workbook(path, kind) as book:
        name = _choose_sheet(book, sheet)
        table = _Table(path, book.rows(name), None if kind == "csv" else name)
        result = table.read(profile, mapping, saved_mappings, progress, cancel, lambda: book.total_rows)
    result.file_kind = kind
    return result


def inspect_file(path: str | PathLike[str], sheet: str | None = None) -> FileInfo:
    """What the import wizard shows: sheets, the chosen one, header, suggested mapping, samples."""
    path = Path(path)
    kind = detect_kind(path)
    if kind == "json":
        result = read_file(path)
        samples = [[r.partner or "", r.title, ", ".join(s.name for s in r.suppliers)] for r in result.records[:5]]
        return FileInfo(result.file_kind, [], None, None, result.header, result.mapping, result.profile, samples)
    with Workbook(path, kind) as book:
        name = _choose_sheet(book, sheet)
        table = _Table(path, book.rows(name), None if kind == "csv" else name)
        table.locate()
        chosen_mapping, profile = table.suggest(None, None, None)
        samples = [[_shown(c) for c in cells] for _, cells in table.sample[:5]]
        return FileInfo(
            kind,
            list(book.sheet_names),
            name if kind != "csv" else None,
            table.header_row,
            table.headers,
            chosen_mapping,
            profile,
            samples,
        )


def _shown(value: Any) -> str:
    return str(as_published(value))


def _choose_sheet(book: Workbook, sheet: str | None) -> str:
    if sheet is not None:
        if sheet not in book.sheet_names:
            raise ImportFileError(f"no sheet named '{sheet}' (sheets: {', '.join(book.sheet_names)})")
        return sheet
    if not book.sheet_names:
        raise ImportFileError(f"{book.path.name}: the workbook has no sheets")
    if len(book.sheet_names) == 1:
        return book.sheet_names[0]
    # The sheet that looks most like a register: most header words in its first rows.
    scores = {
        name: max((header_match_count(cells) for _, cells in islice(book.rows(name), HEADER_SEARCH_ROWS)), default=0)
        for name in book.sheet_names
    }
    return max(book.sheet_names, key=lambda n: scores[n])


class _Table:
    """One sheet's rows: header found, columns mapped, every data row converted."""

    def __init__(self, path: Path, rows: Iterator[Row], sheet: str | None):
        self.path, self.sheet, self._rows = path, sheet, rows
        self.header_index: int | None = None
        self.header_row: int | None = None
        self.headers: list[str] = []
        self.sample: list[Row] = []

    def locate(self, mapping: dict[str, str] | None = None, saved: SavedMappings = None) -> None:
        head = list(islice(self._rows, HEADER_SEARCH_ROWS))
        if not head:
            raise ImportFileError(f"{self.path.name}: no rows to import")
        index = _header_named_by(head, mapping, saved) if mapping or saved else None
        if index is None:
            index = find_header(head)
        if index is None:
            raise ImportFileError(
                f"{self.path.name}: no recognisable columns (no row names a title, supplier, value or date)"
            )
        self.header_index = index
        self.header_row = head[index][0]
        after = head[index + 1 :]
        self.sample = after + list(islice(self._rows, max(0, SAMPLE_ROWS - len(after))))
        width = max([len(head[index][1])] + [len(cells) for _, cells in self.sample])
        self.headers = column_names(head[index][1], width)

    def suggest(
        self, profile: str | None, mapping: dict[str, str] | None, saved: SavedMappings
    ) -> tuple[dict[str, str], str | None]:
        if mapping is not None:
            return {h: mapping.get(h, "") for h in self.headers}, profile
        if profile is not None:
            return _profile_or_error(profile, self.headers), profile
        stored = saved(header_signature(self.headers)) if saved else None
        if stored is not None:
            return {h: stored.get(h, "") for h in self.headers}, None
        detected = detect_profile(self.headers)
        if detected:
            return profile_mapping(detected, self.headers), detected
        return auto_map(self.headers, [cells for _, cells in self.sample]), None

    def read(
        self,
        profile: str | None,
        mapping: dict[str, str] | None,
        saved: SavedMappings,
        progress: Progress,
        cancel: Cancel,
        total_rows: Callable[[], int | None],
    ) -> ReadResult:
        self.locate(mapping, saved)
        chosen, used_profile = self.suggest(profile, mapping, saved)
        _require_usable(self.path, chosen)
        converter = RowConverter(self.headers, chosen, self.sheet, [cells for _, cells in self.sample])
        records: list[ImportRecord] = []
        problems: list[Problem] = []
        rows_read = 0
        for number, cells in chain(self.sample, self._rows):
            rows_read += 1
            if rows_read % _REPORT_EVERY == 0:
                total = total_rows()
                _tick(progress, cancel, rows_read / total if total else 0.5)
            record, row_problems = converter.convert(number, cells)
            problems.extend(row_problems)
            if record is not None:
                records.append(record)
        finish_records(records, problems)
        _tick(progress, None, 1.0)
        return ReadResult(records, problems, rows_read, self.sheet, used_profile, chosen, self.headers)


def _header_named_by(head: list[Row], mapping: dict[str, str] | None, saved: SavedMappings) -> int | None:
    """The header row a given or saved mapping speaks of, however unusual its words."""
    for index, (_, cells) in enumerate(head):
        names = column_names(cells, len(cells))
        if mapping and sum(1 for n in names if mapping.get(n)) >= max(1, len([f for f in mapping.values() if f]) // 2):
            return index
        if not mapping and saved and saved(header_signature(names)) is not None:
            return index
    return None


def _profile_or_error(profile: str, headers: Sequence[str]) -> dict[str, str]:
    try:
        return profile_mapping(profile, headers)
    except ValueError as exc:
        raise ImportFileError(str(exc)) from None


def _require_usable(path: Path, mapping: dict[str, str]) -> None:
    fields = set(mapping.values())
    if not fields & _NAMING_FIELDS or not fields & _DESCRIBING_FIELDS:
        found = ", ".join(sorted(f for f in fields if f)) or "none"
        raise ImportFileError(
            f"{path.name}: no recognisable columns: a register needs a title or description column and a "
            f"supplier, value, reference or date column (recognised: {found})"
        )


def _tick(progress: Progress, cancel: Cancel, fraction: float) -> None:
    if cancel is not None and cancel():
        raise CancelledError("import cancelled; nothing was written")
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)))


def finish_records(records: list[ImportRecord], problems: list[Problem]) -> None:
    """File-level rules after every row is read: blank organisations, identities."""
    _fill_single_partner(records, problems)
    assign_identities(records)


def _fill_single_partner(records: list[ImportRecord], problems: list[Problem]) -> None:
    """A file that names one organisation means it on every row, including rows left blank."""
    named = {r.partner for r in records if r.partner}
    if len(named) != 1:
        return
    (partner,) = named
    for record in records:
        if not record.partner:
            record.partner = partner
            problems.append(
                Problem(
                    record.sheet,
                    record.row,
                    None,
                    None,
                    f"organisation blank: taken as {partner}, the only one in the file",
                    WARNING,
                )
            )


def text_key(text: str) -> str:
    return " ".join(text.lower().split())  # case and spacing folded; cheap enough for 100k rows


def assign_identities(records: list[ImportRecord]) -> None:
    """An identity per record that does not rest on the reference alone.

    Spreadsheet rows: reference + supplier names + title (one reference can carry several
    contracts or suppliers), plus the occurrence number among identical keys, so rows that repeat
    exactly stay distinct and a re-import of the same file finds every row again. Values and dates
    are left out on purpose: a changed value updates the contract rather than adding one.
    """
    seen: Counter[str] = Counter()
    for record in records:
        base = record.source_id or "|".join(
            [
                text_key(record.reference),
                ";".join(sorted(text_key(s.name) for s in record.suppliers)),
                text_key(record.title),
            ]
        )
        seen[base] += 1  # counted over the file, so identities stay unique whatever the partner
        record.identity = hashlib.sha256(f"{base}#{seen[base]}".encode()).hexdigest()


# --- JSON: OCDS, or a plain list of contract objects ------------------------------------------------


def _read_json(
    path: Path, *, profile: str | None, mapping: dict[str, str] | None, progress: Progress, cancel: Cancel
) -> ReadResult:
    doc = ocds.load_json(path)
    try:
        releases = ocds.releases_of(doc)
    except ocds.NotOcdsError as exc:
        table = _json_table(doc)
        if table is None:
            raise ImportFileError(f"{path.name}: {exc}") from None
        result = _Table(path, iter(table), None).read(profile, mapping, None, progress, cancel, lambda: len(table))
        result.file_kind = "json"
        return result
    records: list[ImportRecord] = []
    problems: list[Problem] = []
    for index, release in enumerate(releases, start=1):
        if index % 200 == 0:
            _tick(progress, cancel, index / len(releases))
        found, release_problems = ocds.records_from_release(release, index)
        records.extend(found)
        problems.extend(release_problems)
    finish_records(records, problems)
    _tick(progress, None, 1.0)
    return ReadResult(records, problems, len(releases), None, "ocds", {}, [], file_kind="ocds")


def _json_table(doc: Any) -> list[Row] | None:
    """A JSON list of flat objects (a published notices file) as rows under a key header."""
    items = doc if isinstance(doc, list) else None
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        items = max(lists, key=len) if lists else None
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    keys: list[str] = []
    for item in items:
        keys.extend(k for k in item if k not in keys and not isinstance(item[k], dict | list))
    if not keys:
        return None
    rows: list[Row] = [(0, list(keys))]
    rows.extend((n, ["" if item.get(k) is None else item.get(k) for k in keys]) for n, item in enumerate(items, 1))
    return rows
