"""Workbook writing for the demo portfolio: reproducible .xlsx bytes and "human" messiness.

Two concerns live here so :mod:`stopdash.demo.portfolio` can stay about the story:

* :func:`save_reproducible` writes an openpyxl workbook whose bytes depend only
  on its content (openpyxl stamps "now" into docProps/core.xml and into every
  zip entry's date, which would break byte-identical demo runs).
* :class:`Style` renders canonical values the way a grantee's spreadsheet
  might carry them, but only in forms the contract's "Tolerated variation"
  promises to read (report-workbook.md), so messiness never changes meaning.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ingest.vocab import INDICATORS, LEVELS, PRACTICES, STEPS
from ingest.workbook import format as wf
from stopdash.demo.names import DISCIPLINE_SLANG, HEADER_SYNONYMS, PROFILE_LABEL_SYNONYMS, SHEET_SYNONYMS

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

FIXED_TIME = dt.datetime(2026, 1, 1)
NBSP = "\u00a0"

# Cosmetic mess kinds: each is a tolerated variation, so a file that has them must still load cleanly.
COSMETIC = (
    "sheet_names",
    "header_offset",
    "columns",
    "money_text",
    "yesno",
    "dates",
    "period",
    "scores",
    "steps",
    "disciplines",
    "names",
    "status",
    "blank_rows",
    "nbsp",
)


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile that stamps every entry with one fixed date, so equal content gives equal bytes."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: SizedBuffer | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIME.timetuple()[:6])
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        # openpyxl streams each worksheet through a temp file; its mtime must not reach the zip.
        self.writestr(str(arcname or Path(filename).name), Path(filename).read_bytes())


def save_reproducible(wb: Workbook, path: Path) -> None:
    """Save like openpyxl's save_workbook, minus the wall-clock timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME  # save_workbook() would overwrite this with now()
    wb.properties.creator = "stopdash demo generator"
    with _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()


@dataclass(frozen=True)
class Raw:
    """A value written verbatim, bypassing rendering (used for deliberate row-level errors)."""

    value: object


@dataclass
class Style:
    """How one workbook is written: the set of mess kinds it carries, and its own random stream."""

    rng: random.Random
    kinds: set[str] = field(default_factory=set)

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    # ---- values -------------------------------------------------------------------------
    def text(self, s: str) -> str:
        if self.has("nbsp") and self.rng.random() < 0.4:
            return NBSP + s.replace(" ", NBSP, 1) + " "
        return s

    def money(self, x: float) -> object:
        if not self.has("money_text"):
            return x
        return self.rng.choice([f"${x:,.2f}", f"{x:,.0f}", f" {x:.0f} "])

    def yesno(self, b: bool) -> object:
        if not self.has("yesno"):
            return "Yes" if b else "No"
        return self.rng.choice(["Y", "x", "TRUE", 1, "yes"]) if b else self.rng.choice(["N", "FALSE", 0, "no"])

    def date(self, d: dt.date) -> object:
        if not self.has("dates"):
            return d
        fmt = self.rng.choice(["us", "long", "dmy", "iso"])
        if fmt == "us":
            return f"{d.month}/{d.day}/{d.year}"
        if fmt == "long":
            return f"{d:%B} {d.day}, {d.year}"
        return f"{d.day:02d}-{d:%b-%Y}" if fmt == "dmy" else d.isoformat()

    def score(self, n: int) -> object:
        return LEVELS[n - 1] if self.has("scores") and self.rng.random() < 0.5 else n

    def step(self, n: int) -> object:
        if not self.has("steps"):
            return n
        return self.rng.choice([f"Step {n}", f"{n} - {STEPS[n]}", STEPS[n]])

    def discipline(self, d: str) -> str:
        slang = DISCIPLINE_SLANG.get(d)
        if self.has("disciplines") and slang and self.rng.random() < 0.7:
            return self.rng.choice(slang)
        return self.text(d)

    def indicator(self, code: str) -> str:
        return INDICATORS[code] if self.has("names") else code

    def practice(self, code: str) -> str:
        return PRACTICES[code] if self.has("names") else code

    def status(self, s: str) -> str:
        if self.has("status") and s != "Planned":
            return "yes" if s == "In place" else "no"
        return s

    def render(self, kind: str, v: object) -> object:
        """Render one canonical value of a column kind; None stays blank, Raw stays verbatim."""
        if v is None or isinstance(v, Raw):
            return None if v is None else v.value
        fn = {
            "money": self.money,
            "yesno": self.yesno,
            "date": self.date,
            "score": self.score,
            "step": self.step,
            "discipline": self.discipline,
            "indicator": self.indicator,
            "practice": self.practice,
            "status": self.status,
            "text": self.text,
        }.get(kind)
        return fn(v) if fn else v  # type: ignore[operator]

    # ---- layout -------------------------------------------------------------------------
    def sheet_title(self, canonical: str) -> str:
        if self.has("sheet_names"):
            return self.rng.choice(SHEET_SYNONYMS[canonical])
        return canonical

    def header(self, canonical: str) -> str:
        syn = HEADER_SYNONYMS.get(canonical)
        if self.has("columns") and syn and self.rng.random() < 0.6:
            return self.rng.choice(syn)
        return canonical

    def table(
        self,
        wb: Workbook,
        sheet: str,
        cols: list[tuple[str, str]],
        rows: list[list[object]],
        *,
        total: object = None,
        total_formula: bool = False,
    ) -> None:
        """Write one table sheet; ``total`` adds a "Total" row under the Amount column."""
        ws = wb.create_sheet(self.sheet_title(sheet))
        order = list(range(len(cols)))
        if self.has("columns"):
            # The first column stays a text column so a "Total" row still starts with "Total".
            tail = order[1:]
            self.rng.shuffle(tail)
            order = [0, *tail]
        headers = [self.header(cols[i][0]) for i in order]
        if self.has("columns"):
            headers.append("Internal ref")  # an unknown extra column: a warning, not an error
        top = 1
        if self.has("header_offset"):
            ws.cell(1, 1, f"{sheet} — FICTIONAL DEMO DATA")
            if self.rng.random() < 0.5:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
            ws.cell(2, 1, "Complete one row per item. Aggregate information only.")
            top = 3 + self.rng.randint(0, 3)  # blank rows between the note and the header
        for j, h in enumerate(headers, 1):
            ws.cell(top, j, h)
        r = top + 1
        blank_at = self.rng.randrange(1, len(rows)) if self.has("blank_rows") and len(rows) > 1 else -1
        first_data = r
        for n, row in enumerate(rows):
            if n == blank_at:
                r += 1  # a blank row inside the table
            for j, i in enumerate(order, 1):
                value = self.render(cols[i][1], row[i])
                cell = ws.cell(r, j, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # formula-like text stays text (openpyxl would make it a formula)
            if self.has("columns"):
                ws.cell(r, len(headers), f"r{n + 1}")
            r += 1
        if total is not None:
            amount_col = 1 + order.index(next(i for i, c in enumerate(cols) if c[0] == wf.BY_KEY["funding"].column("amount").header))
            ws.cell(r, 1, "Total")
            if total_formula:
                # openpyxl writes no cached value: a reader sees an empty total, never a wrong one.
                letter = get_column_letter(amount_col)
                ws.cell(r, amount_col, f"=SUM({letter}{first_data}:{letter}{r - 1})")
            else:
                ws.cell(r, amount_col, self.money(float(total)))  # type: ignore[arg-type]
        for j in range(1, len(headers) + 1):
            ws.column_dimensions[get_column_letter(j)].width = 24

    def profile(self, wb: Workbook, pairs: list[tuple[str, str, object]], sheet: str = wf.PROFILE.name) -> None:
        """Write label/value pairs; messy layouts add a merged title and leave a gap before values."""
        ws = wb.create_sheet(self.sheet_title(sheet))
        r, vcol = 1, 2
        if self.has("header_offset"):
            ws.cell(1, 1, "STOP quarterly progress report — FICTIONAL DEMO DATA")
            ws.merge_cells("A1:D1")
            r, vcol = 3, 3  # values in column C: "the next non-empty cell to the right"
        for label, kind, value in pairs:
            if self.has("columns") and label in PROFILE_LABEL_SYNONYMS:
                label = self.rng.choice(PROFILE_LABEL_SYNONYMS[label])
            ws.cell(r, 1, self.text(label))
            ws.cell(r, vcol, self.render(kind, value))
            r += 1
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions[get_column_letter(vcol)].width = 24

    def period(self, year: int, q: int) -> list[tuple[str, str, object]]:
        """The Profile rows that state the reporting period, in one of the tolerated spellings."""
        if not self.has("period"):
            return [(wf.PROFILE.column("period").header, "text", f"{year}-Q{q}")]
        form = self.rng.choice(["Q1 2026", "2026 Q1", "2026Q1", "Q1-2026", "start/end"])
        if form == "start/end":
            start = dt.date(year, 3 * q - 2, 1)
            end = (dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - dt.timedelta(days=1)
            return [(wf.PROFILE.column("period_start").header, "date", start), (wf.PROFILE.column("period_end").header, "date", end)]
        text = form.replace("2026", str(year)).replace("Q1", f"Q{q}")
        return [(wf.PROFILE.column("period").header, "text", text)]
