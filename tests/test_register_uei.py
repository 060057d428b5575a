"""The award register's UEI column: a real UEI with nine digits in a row loads; an SSN there, or that UEI elsewhere, does not.

Registers are real .xlsx files written with openpyxl, in generated variants (header spelling, header row, column
position, where the nine-digit run sits in the UEI), loaded through the real path into the real DuckDB. Every
generated UEI is checked to hold what the guard would otherwise read as an SSN, so no case passes for want of one.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.comments import Comment

from conftest import DATA, FEDERAL_HEADER, OLD_HEADER, old_register_row, rows
from ingest.config import settings
from ingest.errors import FileRefused
from ingest.pipeline import load_register
from ingest.workbook.awards import UEI_HEADERS, parse_register
from ingest.workbook.guard import check_package
from ingest.workbook.privacy import has_ssn
from ingest.workbook.report import parse_report
from ingest.workbook.sheets import HEADER_SEARCH_ROWS, header_key

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # SAM's letters: no I, no O
HEADER = OLD_HEADER + FEDERAL_HEADER
UEI_AT = HEADER.index("UEI")
SHEET = "Subgrants"

# ---- generated variants ----------------------------------------------------------------------------------


def _ssn_digits(rng: random.Random) -> str:
    """Nine digits that could be an issued SSN (the guard's strict test for a bare run)."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def _chars(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(LETTERS + "0123456789") for _ in range(k))


def uei_with_run(rng: random.Random, where: str) -> str:
    """A well-formed UEI (12 of SAM's characters, first not 0) holding a plausible SSN as a run of exactly nine digits:
    a letter stands on each side of the run, and the first character is a letter or 1-9."""
    first = LETTERS + "123456789"
    if where == "start":
        run = _ssn_digits(rng)
        while run[0] == "0":
            run = _ssn_digits(rng)
        return run + rng.choice(LETTERS) + _chars(rng, 2)
    run = _ssn_digits(rng)
    if where == "end":
        return rng.choice(first) + _chars(rng, 1) + rng.choice(LETTERS) + run
    if rng.random() < 0.5:  # middle: one character before the run, or two
        return rng.choice(LETTERS) + run + rng.choice(LETTERS) + _chars(rng, 1)
    return rng.choice(first) + rng.choice(LETTERS) + run + rng.choice(LETTERS)


def generated_ueis(n: int, seed: int) -> list[str]:
    """*n* distinct well-formed UEIs with a nine-digit run, at the start, in the middle and at the end in turn."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        out[uei_with_run(rng, ("start", "middle", "end")[len(out) % 3])] = None
    return list(out)


def header_spellings() -> list[str]:
    """Each of the register's UEI header names as administrators type it: case, spaces, punctuation, a note in brackets."""
    out: list[str] = []
    for name in UEI_HEADERS:
        out += [
            name,
            name.upper(),
            name.lower(),
            name.title(),
            f"  {name}  ",
            name.replace(" ", "\u00a0"),
            name.replace(" ", "-") + ":",
            f"{name} (SAM.gov)",
        ]
    return list(dict.fromkeys(out))


def _subgrant(sid: str, uei: object, *, organization: str = "Org (test)", community: str = "Community (test)") -> list[object]:
    values: list[object] = [
        *old_register_row(sid, organization=organization, community=community),
        None,
        None,
        uei,
        None,
        None,
    ]
    assert len(values) == len(HEADER)
    return values


def _place(cells: list[object], position: int, uei_header: str | None = None) -> list[object]:
    """A row of HEADER order with the UEI cell moved to *position* (and its header spelled *uei_header*)."""
    out = list(cells)
    value = out.pop(UEI_AT)
    out.insert(position, uei_header if uei_header is not None else value)
    return out


def write_register(
    path: Path,
    subgrants: list[list[object]],
    *,
    uei_header: str = "UEI",
    header_row: int = 1,
    position: int = UEI_AT,
    padding: int = 0,
    above: dict[str, object] | None = None,
    shared: bool = False,
) -> Path:
    """A register whose header sits on *header_row* (titles and blank rows above it), the UEI column at *position*,
    *padding* empty columns before the table (so the UEI column can be past Z); *above* are cells set over the header;
    *shared*: its text saved as Excel saves it (the shared-strings part) rather than in each cell."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    if header_row > 1:
        ws.cell(1, 1, "STOP subgrants (test register)")
    for r, cells in enumerate([_place(HEADER, position, uei_header), *[_place(s, position) for s in subgrants]], start=header_row):
        for c, value in enumerate(cells, start=1 + padding):
            if value is not None:
                ws.cell(r, c, value)
    for ref, value in (above or {}).items():
        ws[ref] = value
    wb.save(path)
    if shared:
        path.write_bytes(as_excel_saves(path.read_bytes()))
    return path


_INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.DOTALL)
_SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{items}</sst>'
)


def as_excel_saves(data: bytes, unshown: tuple[str, ...] = ()) -> bytes:
    """The workbook with its cells' text moved to the shared-strings part, one entry per distinct text, as Excel saves
    it (openpyxl writes each cell's text inline); *unshown* texts are stored there too, with no cell showing them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    texts: dict[str, int] = {}

    def shared(m: re.Match[str]) -> str:
        index = texts.setdefault(m.group(4), len(texts))
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"{m.group(3)}><v>{index}</v></c>'

    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        parts[name] = _INLINE.sub(shared, parts[name].decode()).encode()
    for text in unshown:
        texts.setdefault(text, len(texts))
    assert "xl/sharedStrings.xml" not in parts and texts
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in texts)
    parts["xl/sharedStrings.xml"] = _SST.format(n=len(texts), items=items).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(name, body)
    return out.getvalue()


def _column(position: int, padding: int = 0) -> str:
    return openpyxl.utils.get_column_letter(position + padding + 1)


def _refusal(data: bytes) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        parse_register(data, "register.xlsx", settings())
    return refused.value


def _assert_refused_at(refusal: FileRefused, ref: str, secret: str) -> None:
    """Refused as victim-identifying, naming the sheet and cell, quoting nothing of the value."""
    assert refusal.code == "victim_identifying_data", refusal.message
    assert f"'{SHEET}' cell {ref} " in refusal.message, refusal.message
    assert not refusal.keep_values
    for run in re.findall(r"\d{4,}", secret):
        assert run not in refusal.message and run[-4:] not in refusal.message
    assert secret.strip() not in refusal.message


# ---- the generators cover what they claim ----------------------------------------------------------------------


def test_generated_ueis_are_well_formed_and_each_holds_a_bare_ssn() -> None:
    """Every generated UEI is 12 SAM characters, first not 0, with one nine-digit run the guard reads as an SSN elsewhere."""
    ueis = generated_ueis(600, seed=1)
    assert len(set(ueis)) == 600
    for uei in ueis:
        assert re.fullmatch(r"[A-HJ-NP-Z1-9][A-HJ-NP-Z0-9]{11}", uei), uei
        assert [len(run) for run in re.findall(r"\d+", uei)].count(9) == 1 and has_ssn(uei), uei
    starts = {len(re.match(r"\D*", u).group()) for u in ueis if re.match(r"\D*\d{9}", u)}
    assert starts == {0, 1, 2, 3}


def test_every_header_spelling_is_one_the_register_reader_takes() -> None:
    """Each generated UEI header spelling has the reader's key of a UEI header name, so the guard and reader agree on it."""
    keys = {header_key(name) for name in UEI_HEADERS}
    assert len(header_spellings()) >= 2 * len(UEI_HEADERS)
    assert all(header_key(spelling) in keys for spelling in header_spellings())


# ---- well-formed UEIs in the UEI column load --------------------------------------------------------------------

SPELLINGS = header_spellings()
LAYOUTS = [
    # (seed, header spelling, header row, UEI column position, empty columns before the table)
    (
        i,
        SPELLINGS[i % len(SPELLINGS)],
        (1, 2, 3, 5, 8, 11, 14, 15)[i % 8],
        (UEI_AT, 0, 1, 5, len(HEADER) - 1, 9, 3)[i % 7],
        (0, 0, 12)[i % 3],
    )
    for i in range(max(len(SPELLINGS), 16))
]


@pytest.mark.parametrize("shared", [False, True], ids=["inline-text", "shared-text"])
@pytest.mark.parametrize(("seed", "spelling", "header_row", "position", "padding"), LAYOUTS)
def test_a_ueis_nine_digit_run_loads_in_every_register_layout(
    tmp_path: Path, seed: int, spelling: str, header_row: int, position: int, padding: int, shared: bool
) -> None:
    """UEIs with nine digits in a row, under any UEI header spelling, header row and column position, load and are stored."""
    ueis = generated_ueis(6, seed=seed)
    rng = random.Random(seed)
    typed = [rng.choice([u, u.lower(), f" {u} ", u.title()]) for u in ueis]  # as typed: case and spaces vary
    subgrants = [_subgrant(f"MN-U-{k:03d}", text) for k, text in enumerate(typed, start=1)]
    path = write_register(
        tmp_path / "r.xlsx", subgrants, uei_header=spelling, header_row=header_row, position=position, padding=padding, shared=shared
    )
    db = tmp_path / "db.duckdb"
    parsed = load_register(path, db)
    assert parsed.issues == []
    assert rows(db, "SELECT subgrant_id, uei FROM awards ORDER BY 1") == [(f"MN-U-{k:03d}", u) for k, u in enumerate(ueis, start=1)]


def test_hundreds_of_generated_ueis_with_nine_digit_runs_all_load(tmp_path: Path) -> None:
    """Three hundred generated UEIs, runs at start, middle and end, in one register: every one is stored as written."""
    ueis = generated_ueis(300, seed=7)
    path = write_register(tmp_path / "r.xlsx", [_subgrant(f"MN-H-{k:03d}", u) for k, u in enumerate(ueis)], header_row=4, shared=True)
    db = tmp_path / "db.duckdb"
    parsed = load_register(path, db)
    assert parsed.issues == []
    assert dict(rows(db, "SELECT subgrant_id, uei FROM awards")) == {f"MN-H-{k:03d}": u for k, u in enumerate(ueis)}


# ---- anything else in the UEI column is read in full ------------------------------------------------------------


def not_ueis_holding_an_ssn(n: int, seed: int) -> list[str]:
    """*n* generated texts that are not exactly one well-formed UEI but hold an SSN, in the ways one could reach that column."""
    rng = random.Random(seed)
    out: list[str] = []
    shapes = ["bare", "with-i-or-o", "leading-zero", "separated", "labelled", "uei-then-ssn", "thirteen", "masked", "uei-then-label"]
    while len(out) < n:
        shape = shapes[len(out) % len(shapes)]
        uei = uei_with_run(rng, rng.choice(["start", "middle", "end"]))
        run = next(digits for digits in re.findall(r"\d+", uei) if len(digits) == 9)
        if shape == "bare":
            text = run
        elif shape == "with-i-or-o":
            letters = [k for k, ch in enumerate(uei) if ch.isalpha()]
            k = rng.choice(letters)
            text = uei[:k] + rng.choice("IOio") + uei[k + 1 :]
        elif shape == "leading-zero":
            text = (
                "0" + rng.choice(LETTERS) + rng.choice(LETTERS) + run
                if rng.random() < 0.5
                else "0" + rng.choice(LETTERS) + run + rng.choice(LETTERS)
            )
        elif shape == "separated":
            text = rng.choice(["{a}-{g}-{s}", "{a} {g} {s}", "{a}.{g}.{s}", "{a}\u2013{g}\u2013{s}"]).format(
                a=run[:3], g=run[3:5], s=run[5:]
            )
        elif shape == "labelled":
            text = rng.choice(["SSN {r}", "SSN: {r}", "ssn#{r}", "SS# {r}", "Social Security {r}"]).format(r=run)
        elif shape == "uei-then-ssn":
            clean = rng.choice(LETTERS) + _chars(rng, 11)
            clean = re.sub(r"\d{9,}", lambda m: "Z" * len(m.group()), clean)  # a UEI with no run of its own
            text = rng.choice([f"{clean} {run}", f"{clean} {run[:3]}-{run[3:5]}-{run[5:]}", f"{uei} {run}", f"{uei} (SSN)"])
        elif shape == "thirteen":
            text = rng.choice(LETTERS) + uei
        elif shape == "masked":
            text = rng.choice(["xxx-xx-{s}", "***-**-{s}", "XXX XX {s}"]).format(s=run[5:])
        else:
            text = f"{uei} client SSN"
        out.append(text)
    return out


def test_generated_non_ueis_are_not_well_formed_and_each_holds_an_ssn() -> None:
    """Every negative variant holds an SSN (or names one) and is not exactly one well-formed UEI."""
    from ingest.workbook.privacy import identifying_label

    for text in not_ueis_holding_an_ssn(180, seed=2):
        assert not re.fullmatch(r"[A-HJ-NP-Za-hj-np-z1-9][A-HJ-NP-Za-hj-np-z0-9]{11}", text.strip()), text
        assert has_ssn(text) or identifying_label(text), text


@pytest.mark.parametrize("seed", range(6))
def test_an_ssn_in_the_uei_column_that_is_not_exactly_a_uei_is_refused(tmp_path: Path, seed: int) -> None:
    """Any SSN in the UEI column that is not exactly one well-formed UEI refuses the register, naming the cell only."""
    rng = random.Random(seed)
    for k, text in enumerate(not_ueis_holding_an_ssn(27, seed=100 + seed)):
        header_row = rng.randint(1, HEADER_SEARCH_ROWS)
        position = rng.randrange(len(HEADER))
        good = generated_ueis(2, seed=1000 * seed + k)
        subgrants = [_subgrant("MN-N-001", good[0]), _subgrant("MN-N-002", text), _subgrant("MN-N-003", good[1])]
        path = write_register(
            tmp_path / f"r{k}.xlsx",
            subgrants,
            uei_header=rng.choice(SPELLINGS),
            header_row=header_row,
            position=position,
            shared=k % 2 == 1,
        )
        _assert_refused_at(_refusal(path.read_bytes()), f"{_column(position)}{header_row + 2}", text)


@pytest.mark.parametrize("column", ["Organization", "Community", "Subgrant ID", "Counties", "Federal award number", "Match exempt"])
def test_a_well_formed_uei_in_another_register_column_is_refused(tmp_path: Path, column: str) -> None:
    """A UEI that loads under the UEI header refuses the register in any other column, even beside itself in the UEI column."""
    for k, uei in enumerate(generated_ueis(9, seed=len(column))):
        row = _subgrant("MN-O-001", uei)
        row[HEADER.index(column)] = uei
        path = write_register(tmp_path / f"r{k}.xlsx", [row], header_row=1 + k, shared=k % 3 != 0)
        _assert_refused_at(_refusal(path.read_bytes()), f"{_column(HEADER.index(column))}{k + 2}", uei)


def test_a_uei_above_the_uei_header_or_on_another_sheet_is_refused(tmp_path: Path) -> None:
    """Only cells below the UEI header get the reading: the same UEI above it, or on another sheet of the register, is refused."""
    for k, uei in enumerate(generated_ueis(6, seed=11)):
        ref = f"{_column(UEI_AT)}2"
        path = write_register(tmp_path / f"above{k}.xlsx", [_subgrant("MN-A-001", None)], header_row=5, above={ref: uei})
        _assert_refused_at(_refusal(path.read_bytes()), ref, uei)
        path = write_register(tmp_path / f"other{k}.xlsx", [_subgrant("MN-A-001", uei)])
        wb = openpyxl.load_workbook(path)
        notes = wb.create_sheet("Notes")
        notes[f"{_column(UEI_AT)}{2 + k}"] = uei
        buffer = io.BytesIO()
        wb.save(buffer)
        refusal = _refusal(buffer.getvalue())
        assert refusal.code == "victim_identifying_data" and f"'Notes' cell {_column(UEI_AT)}{2 + k} " in refusal.message


def test_a_uei_stored_in_the_package_but_shown_in_no_cell_is_refused(tmp_path: Path) -> None:
    """Shared text no cell shows is read in full, even while the UEI column shows another UEI from the same part."""
    shown, hidden = generated_ueis(2, seed=13)
    path = write_register(tmp_path / "r.xlsx", [_subgrant("MN-S-001", shown)])
    as_saved = as_excel_saves(path.read_bytes())
    parse_register(as_saved, "shown.xlsx", settings())  # the UEI shown under its header passes
    refusal = _refusal(as_excel_saves(path.read_bytes(), unshown=(hidden,)))
    assert refusal.code == "victim_identifying_data" and "not shown in any cell" in refusal.message and hidden not in refusal.message


def test_a_uei_header_below_the_first_rows_gives_no_exception() -> None:
    """A UEI header past the rows where the reader looks for its header does not make its column a UEI column."""
    uei = generated_ueis(1, seed=5)[0]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.cell(HEADER_SEARCH_ROWS + 1, 2, "UEI")
    ws.cell(HEADER_SEARCH_ROWS + 2, 2, uei)
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(FileRefused) as refused:
        check_package(buffer.getvalue(), uei_headers=UEI_HEADERS)
    assert refused.value.code == "victim_identifying_data" and f"B{HEADER_SEARCH_ROWS + 2}" in refused.value.message


def test_a_uei_in_a_comment_on_the_uei_cell_is_refused(tmp_path: Path) -> None:
    """A comment on a UEI cell is read as before: a UEI with nine digits in a row there refuses the register."""
    uei = generated_ueis(1, seed=8)[0]
    path = write_register(tmp_path / "r.xlsx", [_subgrant("MN-C-001", uei)])
    wb = openpyxl.load_workbook(path)
    wb[SHEET][f"{_column(UEI_AT)}2"].comment = Comment(uei, "Staff")
    buffer = io.BytesIO()
    wb.save(buffer)
    refusal = _refusal(buffer.getvalue())
    assert refusal.code == "victim_identifying_data" and "comment" in refusal.message and uei not in refusal.message


# ---- progress reports get no exception ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["profile", "partners", "under-a-uei-header", "funding"])
def test_a_uei_with_nine_digits_in_a_row_refuses_a_progress_report(where: str) -> None:
    """In a progress report the same UEI text is read as an SSN in any cell, even under a UEI header of its own."""
    for k, uei in enumerate(generated_ueis(6, seed=len(where))):
        wb = openpyxl.load_workbook(DATA / "clean-report.xlsx")
        if where == "profile":
            wb["Profile"]["A8"], wb["Profile"]["B8"] = "UEI", uei
        elif where == "partners":
            wb["Partners"]["A3"] = uei
        elif where == "under-a-uei-header":
            wb["Partners"]["E1"], wb["Partners"][f"E{2 + k % 4}"] = UEI_HEADERS[k % len(UEI_HEADERS)], uei
        else:
            wb["Funding"]["A3"] = uei
        buffer = io.BytesIO()
        wb.save(buffer)
        report = parse_report(buffer.getvalue(), f"{where}-{k}.xlsx", settings())
        assert report.refusal is not None and report.refusal.code == "victim_identifying_data", uei
        assert "Social Security" in report.refusal.message and uei not in report.refusal.message
        assert report.subgrant_id is None and not report.refusal.keep_values
