"""Reading cell values out of a workbook, and finding sheets, labels and tables in them.

Values are read with python-calamine (a compiled reader): cached values of
formula cells, real dates as dates, merged cells as their top-left value.
Coordinates are kept so every issue can name its cell.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache

import python_calamine

from ingest.errors import FileRefused
from ingest.vocab import word_key
from ingest.workbook.normalize import clean_text

# Tables are found in the first rows; reading stops after this many blank rows in a
# row, so a sheet with a million empty formatted rows costs nothing.
HEADER_SEARCH_ROWS = 15
MAX_BLANK_RUN = 500
MAX_ROWS = 20_000


def cell_ref(row: int, col: int) -> str:
    """A1 reference of a 0-based (row, col): (6, 3) is D7, (0, 27) is AB1."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]  # rows[r][c] is the value at 0-based (r, c) from A1; "" or None is blank

    def value(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheets(data: bytes) -> list[Sheet]:
    """Every worksheet's values, offset so that rows[0][0] is A1."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileRefused("encrypted_file", "The workbook is protected with a password. Remove it and send the file again.") from None
    except Exception:  # noqa: BLE001 - calamine raises several unrelated types for broken files
        raise FileRefused(
            "corrupt_file", "The workbook cannot be read: it is damaged or not as Excel writes it. Save it again from Excel and resend it."
        ) from None
    sheets = []
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            top, left = sheet.start or (0, 0)
            rows: list[list[object]] = [[] for _ in range(top)]
            blank_run = 0
            for values in sheet.iter_rows():
                if all(_blank(v) for v in values):
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        break
                    rows.append([])
                    continue
                blank_run = 0
                rows.append([None] * left + list(values))
                if len(rows) > MAX_ROWS:
                    raise FileRefused(
                        "too_many_rows",
                        f"Sheet '{meta.name}' has more than {MAX_ROWS:,} rows; a quarterly report is far smaller. "
                        "Remove the extra rows and send it again.",
                        sheet=meta.name,
                    )
        except FileRefused:
            raise
        except MemoryError:  # in a worker process, whose memory is capped (ingest.isolation)
            raise too_complex() from None
        except Exception:  # noqa: BLE001 - a sheet that breaks the reader refuses the file
            raise FileRefused(
                "corrupt_file",
                f"Sheet '{meta.name}' cannot be read: it is damaged or not as Excel writes it. "
                "Save the workbook again from Excel and resend it.",
            ) from None
        while rows and not rows[-1]:
            rows.pop()
        sheets.append(Sheet(meta.name, rows))
    return sheets


def too_complex(memory_bytes: int | None = None) -> FileRefused:
    """The refusal of a workbook that needs more memory to read than the reading process is allowed."""
    allowed = f"the {memory_bytes / 2**20:,.0f} MB of memory allowed" if memory_bytes else "the memory allowed"
    return FileRefused(
        "too_complex",
        f"Reading this workbook needed more than {allowed} (or broke the reader), so it was stopped: it may have "
        "cells far apart (a stray value far below or to the right of the data) or far more cells than a report needs. "
        "Delete the unused rows and columns (Ctrl+End in Excel goes to the last cell in use), save, and send it again.",
    )


def find_sheet(sheets: list[Sheet], names: list[str]) -> Sheet | None:
    """The first sheet whose name matches one of *names* (case, spaces and punctuation ignored)."""
    wanted = {word_key(n).replace(" ", "") for n in names}
    for sheet in sheets:
        if word_key(sheet.name).replace(" ", "") in wanted:
            return sheet
    return None


@lru_cache(maxsize=8192, typed=True)  # the first rows of every sheet are looked at as headers once per table searched
def header_key(value: object) -> str:
    """How a header or label is compared: punctuation as space, trailing "(...)" dropped."""
    text = clean_text(value)
    return word_key(text) if text else ""


@dataclass
class Column:
    field: str
    names: list[str]
    required: bool = False

    def match_keys(self) -> set[str]:
        return {word_key(n) for n in self.names}


@dataclass
class Table:
    header_row: int
    columns: dict[str, int]  # field -> 0-based column index
    unknown: list[tuple[int, str]]  # (column index, header text) not understood
    rows: list[tuple[int, dict[str, object]]]  # (0-based row, field -> raw value)
    totals: list[tuple[int, dict[str, object]]]


def _header_cells(sheet: Sheet, r: int, lookup: dict[str, str]) -> list[tuple[int, object]]:
    """Row *r* read as a header, completed from the row above where it is blank.

    A header over two rows ("Participation this quarter" merged over "MOU signed" and
    "Meetings attended", with "Partner" and "Discipline" standing in the first row only)
    is one header: a blank cell of the lower row takes the known column name above it.
    """
    cells = list(enumerate(sheet.rows[r]))
    if r == 0 or all(header_key(v) not in lookup for v in sheet.rows[r]):
        return cells
    above = sheet.rows[r - 1]
    width = max(len(above), len(sheet.rows[r]))
    out = []
    for c in range(width):
        value = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
        if _blank(value) and c < len(above) and header_key(above[c]) in lookup:
            value = above[c]
        out.append((c, value))
    return out


def find_table(sheet: Sheet, columns: list[Column]) -> Table | None:
    """Locate the header row in the first rows and read the table under it.

    The header is the row matching the most known columns; it must carry every
    required column. Blank rows are skipped; rows starting with "Total" are totals.
    """
    best: tuple[int, dict[str, int], list[tuple[int, str]]] | None = None
    lookup = {key: col.field for col in columns for key in col.match_keys()}
    for r in range(min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        found: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for c, value in _header_cells(sheet, r, lookup):
            key = header_key(value)
            if not key:
                continue
            field = lookup.get(key)
            if field and field not in found:
                found[field] = c
            else:
                unknown.append((c, clean_text(value) or ""))
        if found and (best is None or len(found) > len(best[1])):
            best = (r, found, unknown)
    if best is None or any(col.required and col.field not in best[1] for col in columns):
        return None
    header_row, found, unknown = best
    rows: list[tuple[int, dict[str, object]]] = []
    totals: list[tuple[int, dict[str, object]]] = []
    for r in range(header_row + 1, len(sheet.rows)):
        cells = sheet.rows[r]
        if all(_blank(v) for v in cells):
            continue
        record = {field: sheet.value(r, c) for field, c in found.items()}
        if all(_blank(v) for v in record.values()):
            continue  # only unknown columns filled: nothing of ours to read
        first = next((clean_text(v) for v in cells if not _blank(v)), "") or ""
        (totals if first.lower().startswith("total") else rows).append((r, record))
    return Table(header_row, found, unknown, rows, totals)


def missing_columns(sheet: Sheet, columns: list[Column]) -> list[str]:
    """Required columns that no header row in the first rows carries (for the message)."""
    best: set[str] = set()
    lookup = {key: col.field for col in columns for key in col.match_keys()}
    for r in range(min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        found = {lookup[k] for k in map(header_key, sheet.rows[r]) if k in lookup}
        if len(found) > len(best):
            best = found
    return [col.names[0] for col in columns if col.required and col.field not in best]


def labelled_values(sheet: Sheet, labels: dict[str, str], filled: Collection[str] = ()) -> Iterator[tuple[str, int, int, object]]:
    """(field, row, col, value) for each label found: the value is the next non-empty cell to its right.

    Cells named in *filled* (A1 refs) count as non-empty even when the reader saw nothing there
    (a formula with no saved result, an Excel error), so the message can point at them.
    """
    for r, cells in enumerate(sheet.rows):
        for c, value in enumerate(cells):
            field = labels.get(header_key(value)) if isinstance(value, str) else None
            if field is None:
                continue
            for c2 in range(c + 1, max(len(cells), c + 2)):
                if (c2 < len(cells) and not _blank(cells[c2])) or cell_ref(r, c2) in filled:
                    yield field, r, c2, cells[c2] if c2 < len(cells) else None
                    break
            else:
                yield field, r, c + 1, None
