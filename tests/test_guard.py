"""The confidentiality guard, attacked: generated label and SSN variants planted in every part of a workbook.

After every refusal the whole database (every text of every table, and its raw
bytes), the archive (inside each kept zip) and the CLI's output are searched
for the planted label and the planted value: none may be anywhere.
"""

from __future__ import annotations

import io
import itertools
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from conftest import DATA, rows
from ingest.config import settings
from ingest.errors import FileRefused
from ingest.pipeline import ingest_paths
from ingest.workbook.guard import check_package
from ingest.workbook.privacy import has_ssn, identifying_label
from ingest.workbook.report import parse_report
from ingest.workbook.safety import check_bytes

# ---- generated variants ----------------------------------------------------------------------------------

PEOPLE = [
    ("victim", "victims"),
    ("client", "clients"),
    ("survivor", "survivors"),
    ("child", "children"),
    ("participant", "participants"),
    ("youth", "youths"),
    ("minor", "minors"),
    ("patient", "patients"),
    ("person served", "people served"),
    ("complainant", "complainants"),
]
NEEDS_PERSON = [
    "name",
    "names",
    "full name",
    "first name",
    "last name",
    "initials",
    "address",
    "home address",
    "street address",
    "phone",
    "phone number",
    "telephone",
    "cell phone",
    "e-mail",
    "email address",
    "ID",
    "ID number",
    "ID #",
    "case number",
    "date of birth",
    "DOB",
    "SSN",
    "SS#",
    "driver's license #",
]
ON_THEIR_OWN = [
    "Date of birth",
    "DOB",
    "D.O.B.",
    "Birth date",
    "Birthdate",
    "SSN",
    "S.S.N.",
    "SS#",
    "SS #",
    "Social Security No.",
    "Social security number",
    "Soc. Sec. #",
    "First name",
    "Last name",
    "Full name",
    "Surname",
    "Maiden name",
    "Driver's licence number",
    "Drivers License",
    "DL#",
    "Passport number",
    "Home address",
    "Street address",
    "Home phone",
    "Student ID",
    "Medical record number",
]
SHAPES = [
    "{p} {q}",
    "{p}'s {q}",
    "{p}\u2019s {q}",
    "{ps}' {q}",
    "{ps} {q}",
    "{q} of {p}",
    "{q} of the {ps}",
    "{q} of each {p} served",
    "{q} ({p})",
    "{p}/{p2} {q}",
    "{p} - {q}",
    "{p}_{q}",
    "{p} {q} (please list the {q} of every {p} served this quarter, one per row, as written on the intake form)",
]


def _cases(text: str, rng: random.Random) -> str:
    return rng.choice([text, text.upper(), text.title(), text.lower(), text.replace(" ", "\u00a0"), f"  {text}  "])


def label_variants(n: int, seed: int = 9) -> list[str]:
    """*n* distinct generated labels that announce identifying data about the people served."""
    rng = random.Random(seed)
    out: set[str] = set()
    combos = list(itertools.product(PEOPLE, NEEDS_PERSON, SHAPES))
    rng.shuffle(combos)
    for (p, ps), q, shape in combos:
        p2 = rng.choice([x for x, _ in PEOPLE if x != p])
        out.add(_cases(shape.format(p=p, ps=ps, q=q, p2=p2), rng))
        if len(out) >= n - len(ON_THEIR_OWN) * 2:
            break
    for q in ON_THEIR_OWN:
        out.add(q)
        out.add(_cases(q, rng))
    return sorted(out)[:n]


def ssn_variants(n: int, seed: int = 12) -> list[str]:
    """*n* generated texts holding a plausible SSN in the ways people write one."""
    rng = random.Random(seed)
    shapes = ["{a}-{g}-{s}", "{a} {g} {s}", "{a}.{g}.{s}", "{a}\u2013{g}\u2013{s}", "{a}\u2014{g}\u2014{s}", "{a}\u2212{g}\u2212{s}"]
    shapes += ["{a}{g}{s}", "{a} - {g} - {s}", "{a}/{g}/{s}", "xxx-xx-{s}", "***-**-{s}", "XXX XX {s}"]
    wraps = ["{x}", "SSN on file: {x}", "ref {x} (verified)", "{x}\nsee intake", "Notes \u2014 {x}."]
    out = []
    for i in range(n):
        a = f"{rng.randint(1, 899):03d}"
        a = "123" if a == "666" else a
        x = shapes[i % len(shapes)].format(a=a, g=f"{rng.randint(1, 99):02d}", s=f"{rng.randint(1, 9999):04d}")
        if i % 7 == 3:
            x = x.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))  # full-width, as some IMEs type
        out.append(wraps[i % len(wraps)].format(x=x))
    return out


BENIGN = [
    "Number of victims served",
    "Victims served",
    "Clients served this quarter",
    "Survivors engaged",
    "Survivor advisory group",
    "Victim services",
    "Culturally specific victim services",
    "Name",
    "Protocol name",
    "Partner name",
    "Agency address",
    "Prepared by",
    "Prepared by (full name)",
    "Email",
    "Phone",
    "Contact person name",
    "Victim identification and screening protocol",
    "Victim notification protocol",
    "Address survivors' needs first",
    "Survivors helped name the new protocol",
    "Child Advocacy Center",
    "Children's Home Society (fictional)",
    "Individual donors",
    "Victims served by race and ethnicity",
    "Survivor contacts this quarter",
    "Survivor-led organization or survivor representative",
    "Never enter the names of victims or survivors, their birth dates, their addresses, phone numbers, e-mail, or any other detail.",
    "Total number of survivors who took part this quarter (one count, no names).",
    "MN-STOP-2025-009",
    "$123,456,789.00",
    "123,456,789",
    "612-555-0199",
    "(651) 555-0142",
    "2026-03-15",
    "55101-1234",
    "EIN 41-1234567",
    "Q1 2026",
    "3/15/2026",
]


def test_generated_labels_are_all_recognised() -> None:
    """Every generated label variant (people served x kind of data x shape x case) is seen as identifying."""
    variants = label_variants(2000)
    assert len(variants) > 1500
    missed = [v for v in variants if identifying_label(v) is None]
    assert missed == []


def test_generated_ssns_are_all_recognised() -> None:
    """Every generated SSN variant (separators, none, masked, full-width, inside text) is recognised."""
    missed = [v for v in ssn_variants(600) if not has_ssn(v)]
    assert missed == []


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_report_text_is_not_taken_for_identifying_data(text: str) -> None:
    """Counts, agency contacts, protocol names, money, dates and phone numbers are not identifying labels or SSNs."""
    assert identifying_label(text) is None
    assert not has_ssn(text)


# ---- planting in every part of a real workbook -------------------------------------------------------------

MARKER = "Zqxv Planted-Value"


def _clean() -> openpyxl.Workbook:
    return openpyxl.load_workbook(DATA / "clean-report.xlsx")


def _save(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _header(wb: openpyxl.Workbook, text: str) -> None:
    ws = wb["Partners"]
    ws["F1"], ws["F2"] = text, MARKER


def _hidden_far_below(wb: openpyxl.Workbook, text: str) -> None:
    ws = wb.create_sheet("Scratch")
    ws.sheet_state = "hidden"
    ws["C3000"], ws["C3001"] = text, MARKER


def _comment(wb: openpyxl.Workbook, text: str) -> None:
    wb["Partners"]["B3"].comment = Comment(f"{text}: {MARKER}", "Staff")


def _header_footer(wb: openpyxl.Workbook, text: str) -> None:
    wb["Funding"].oddFooter.center.text = text


def _properties(wb: openpyxl.Workbook, text: str) -> None:
    wb.properties.keywords = text


def _defined_name(wb: openpyxl.Workbook, text: str) -> None:
    name = re.sub(r"\W+", "_", text.strip()).strip("_") or "x"
    wb.defined_names[name] = DefinedName(name, attr_text="Partners!$A$1")


def _validation(wb: openpyxl.Workbook, text: str) -> None:
    dv = DataValidation(type="list", formula1='"Yes,No,Unknown"', prompt=text, showInputMessage=True)
    wb["Partners"].add_data_validation(dv)
    dv.add("C2:C6")


def _validation_list(wb: openpyxl.Workbook, text: str) -> None:
    item = text.replace(",", " ").replace('"', "").strip()[:60]
    dv = DataValidation(type="list", formula1=f'"Other,{item}"')
    wb["Partners"].add_data_validation(dv)
    dv.add("E2:E6")


def _hyperlink(wb: openpyxl.Workbook, text: str) -> None:
    cell = wb["Partners"]["A2"]
    cell.hyperlink = "https://example.org/partners"
    cell.hyperlink.tooltip = text


def _sheet_name(wb: openpyxl.Workbook, text: str) -> None:
    wb.create_sheet(re.sub(r"[\\/?*\[\]:]", " ", text).strip()[:31] or "x")


def _table(wb: openpyxl.Workbook, text: str) -> None:
    ws = wb.create_sheet("List")
    ws.append(["Count", text[:200]])
    ws.append([1, MARKER])
    ws.add_table(Table(displayName="People", ref="A1:B2"))


def _formula(wb: openpyxl.Workbook, text: str) -> None:
    wb["Maturity"]["E5"] = '=IF(TRUE,"{}","")'.format(text.replace('"', ""))


def _chart(wb: openpyxl.Workbook, text: str) -> None:
    ws = wb["Services"]
    chart = BarChart()
    chart.title = text
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    ws.add_chart(chart, "H2")


PLACES: dict[str, Callable[[openpyxl.Workbook, str], None]] = {
    "header-cell": _header,
    "hidden-sheet-far-below": _hidden_far_below,
    "comment": _comment,
    "header-footer": _header_footer,
    "document-properties": _properties,
    "defined-name": _defined_name,
    "validation-message": _validation,
    "validation-list": _validation_list,
    "hyperlink": _hyperlink,
    "sheet-name": _sheet_name,
    "table-column": _table,
    "formula-text": _formula,
    "chart-title": _chart,
}


def _inline_string(data: bytes, text: str) -> bytes:
    """The workbook with an inline-string cell (as scripts write) appended to Partners' first row."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    cell = f'<c r="Z1" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = body.replace(b"</row>", cell + b"</row>", 1)
            dst.writestr(info, body)
    return out.getvalue()


def _everything_stored(db: Path) -> str:
    """Every text of every table of the database, and its raw bytes as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        texts = [str(v) for t in tables for row in con.execute(f'SELECT * FROM "{t}"').fetchall() for v in row]
    finally:
        con.close()
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    return "\n".join(texts) + raw.decode("latin-1")


def _everything_archived(db: Path) -> str:
    out = []
    for path in (db.parent / "archive").glob("*"):
        data = path.read_bytes()
        out.append(data.decode("latin-1"))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                out.extend(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return "\n".join(out)


def _assert_nothing_kept(db: Path, *secrets: str) -> None:
    stored, archived = _everything_stored(db), _everything_archived(db)
    for secret in secrets:
        assert secret not in stored, f"{secret!r} is in the database"
        assert secret not in archived, f"{secret!r} is in the archive"


@pytest.mark.parametrize("place", sorted(PLACES))
def test_labels_planted_anywhere_refuse_the_file_and_nothing_is_kept(db: Path, tmp_path: Path, place: str) -> None:
    """A generated label in any part of the package refuses the file; no label, value or file is kept anywhere."""
    labels = label_variants(2000, seed=len(place))[:: 2000 // 8][:8]
    for i, label in enumerate(labels):
        wb = _clean()
        wb["Maturity"]["C2"] = f"variant {place} {i}"  # distinct bytes per file
        PLACES[place](wb, label)
        path = tmp_path / f"{place}-{i}.xlsx"
        path.write_bytes(_save(wb))
        [outcome] = ingest_paths([path], db, workers=1).outcomes
        assert outcome.status == "rejected", (place, label)
        [(code, message, subgrant)] = rows(
            db,
            "SELECT i.code, i.message, s.subgrant_id FROM ingest_issues i JOIN submissions s USING (submission_id) WHERE s.source_file = ?",
            [path.name],
        )
        assert code == "victim_identifying_data" and subgrant is None, (place, label, message)
        assert label.strip() not in message and MARKER not in message
    _assert_nothing_kept(db, MARKER, *(label.strip() for label in labels if len(label.strip()) > 6))


def test_inline_string_cells_are_scanned(db: Path) -> None:
    """Cells written as inline strings (by scripts, not Excel) are scanned like shared text."""
    for label in label_variants(40, seed=3)[::5]:
        data = _inline_string(_save(_clean()), label.replace("&", "and").replace("<", " "))
        with pytest.raises(FileRefused) as refused:
            check_package(data)
        assert refused.value.code == "victim_identifying_data" and "Partners" in refused.value.message


@pytest.mark.parametrize("where", ["notes", "partner", "hidden-sheet", "comment"])
def test_ssn_variants_anywhere_refuse_the_file(db: Path, where: str) -> None:
    """SSNs in any written form, in any cell or comment, refuse the file and never reach the database."""
    for i, text in enumerate(ssn_variants(60, seed=len(where))):
        wb = _clean()
        if where == "notes":
            wb["Maturity"]["C4"] = text
        elif where == "partner":
            wb["Partners"]["A3"] = text
        elif where == "hidden-sheet":
            ws = wb.create_sheet(f"h{i}")
            ws.sheet_state = "veryHidden"
            ws["B2500"] = text
        else:
            wb["Funding"]["A2"].comment = Comment(text, "Staff")
        report = parse_report(_save(wb), f"{where}-{i}.xlsx", settings())
        assert report.refusal is not None and report.refusal.code == "victim_identifying_data", text
        assert "Social Security" in report.refusal.message
        digits = re.sub(r"\D", "", text)[-4:]
        assert digits not in report.refusal.message
        assert not report.refusal.keep_values and report.subgrant_id is None


def test_a_number_formatted_as_an_ssn_refuses_the_file() -> None:
    """A number cell with Excel's Social Security format (000-00-0000) is an SSN, whatever its value."""
    for value, fmt in [(123456789, "000-00-0000"), (78051120, "000-00-0000"), (212345678, "000\\-00\\-0000"), (123456789, "000 00 0000")]:
        wb = _clean()
        wb["Services"]["F5"] = value
        wb["Services"]["F5"].number_format = fmt
        with pytest.raises(FileRefused) as refused:
            check_package(_save(wb))
        assert "Services" in refused.value.message and "F5" in refused.value.message and str(value) not in refused.value.message


def test_money_phone_numbers_and_register_ids_are_not_taken_for_ssns(db: Path) -> None:
    """Nine-digit dollar amounts, phone numbers, IDs and dates in a report do not refuse it."""
    wb = _clean()
    wb["Funding"]["D2"] = 123456789  # a (large) number of dollars, as a number
    wb["Funding"]["D3"] = "$123,456,789.00"
    wb["Funding"]["D3"].number_format = "#,##0.00"
    wb["Maturity"]["C2"] = "Call 612-555-0199 or (651) 555-0142; award MN-STOP-2025-009; EIN 41-1234567; zip 55101-1234"
    wb["Profile"]["B8"] = "612.555.0199"
    report = parse_report(_save(wb), "money.xlsx", settings())
    assert report.refusal is None, report.refusal and report.refusal.message


def test_the_template_every_fixture_and_the_demo_pass_the_guard(tmp_path: Path) -> None:
    """The blank template, every fixture not made to be refused, and every demo report pass the guard."""
    from stopdash.template import write_template

    template = write_template(tmp_path / "template.xlsx")
    check_package(template.read_bytes())
    refused_on_purpose = {"name-header-column.xlsx", "identifying-date-column.xlsx", "identifying-number-in-cell.xlsx"}
    for path in sorted(DATA.glob("*.xlsx")):
        data = path.read_bytes()
        try:
            check_bytes(data, settings())
        except FileRefused:
            continue  # not a workbook at all (renamed CSV, .xlsb, .ods, encrypted): refused before the guard runs
        if path.name in refused_on_purpose:
            with pytest.raises(FileRefused):
                check_package(data)
        else:
            check_package(data)


def test_the_demo_portfolio_has_only_its_one_identifying_file_refused(demo_db: Path) -> None:
    """Of the whole demo portfolio, only the file made to carry a victim's name is refused by the guard."""
    assert rows(demo_db, "SELECT count(*) FROM ingest_issues WHERE code = 'victim_identifying_data'") == [(1,)]
    assert rows(demo_db, "SELECT count(*) FROM ingest_issues WHERE code = 'uncheckable_content'") == [(0,)]


def test_pictures_embedded_objects_and_macros_fail_closed() -> None:
    """Parts the guard cannot read as text (a picture, an embedded file, a macro project) refuse the file."""
    base = _save(_clean())
    for extra, word in [
        ("xl/media/image1.png", "picture"),
        ("xl/embeddings/oleObject1.bin", "embedded"),
        ("xl/vbaProject.bin", "macros"),
        ("xl/unknown/blob.dat", "embedded"),
    ]:
        src = zipfile.ZipFile(io.BytesIO(base))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info.filename))
            dst.writestr(extra, b"\x89PNG\r\n\x1a\n" + bytes(64))
        with pytest.raises(FileRefused) as refused:
            check_package(out.getvalue())
        assert refused.value.code == "uncheckable_content" and word in refused.value.message


def test_a_refused_batch_leaves_no_trace_in_the_cli_output(db: Path, tmp_path: Path) -> None:
    """Through the CLI, a folder of planted files: each is refused, and neither label nor value is printed."""
    folder = tmp_path / "batch"
    folder.mkdir()
    labels = label_variants(400, seed=21)[::37]
    for i, (place, label) in enumerate(zip(itertools.cycle(sorted(PLACES)), labels, strict=False)):
        wb = _clean()
        wb["Maturity"]["C2"] = f"cli {i}"
        PLACES[place](wb, label)
        (folder / f"planted-{i:02d}.xlsx").write_bytes(_save(wb))
    good = _clean()
    good["Maturity"]["C2"] = "a good one"
    (folder / "good.xlsx").write_bytes(_save(good))
    result = subprocess.run(
        [sys.executable, "-m", "stopdash.cli", "ingest", str(folder), "--db", str(db)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stderr
    printed = result.stdout + result.stderr
    assert printed.count("rejected") >= len(labels) and "1 accepted" in printed
    for label in labels:
        assert label.strip() not in printed
    assert MARKER not in printed
    _assert_nothing_kept(db, MARKER)
    assert rows(db, "SELECT count(*) FROM submissions WHERE status = 'rejected'") == [(len(labels),)]


def test_refusals_quote_nothing_even_for_a_label_that_is_a_name() -> None:
    """A label such as "Victim name (Jane Q. Doe)" refuses the file without the label or the name in the message."""
    wb = _clean()
    wb["Services"]["F1"] = "Victim name (Jane Q. Doe)"
    report = parse_report(_save(wb), "x.xlsx", settings())
    assert report.refusal is not None
    assert "Jane" not in report.refusal.message and "Victim name" not in report.refusal.message
    assert "Services" in report.refusal.message and "F1" in report.refusal.message and "a person's name" in report.refusal.message


def _rewrite(data: bytes, edits: dict[str, Callable[[bytes], bytes]], extra: dict[str, bytes] | None = None) -> bytes:
    """The package with some parts rewritten and some added, as a hand-made or hostile file would be."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info, edits.get(info.filename, lambda b: b)(body))
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


SST = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">%s</sst>'
SHEET_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>%s</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize(
    "how",
    ["text-no-cell-shows", "sheet-the-workbook-does-not-list", "xml-comment-in-a-part", "custom-xml-part", "rich-text-run"],
)
def test_text_hidden_in_the_package_itself_is_scanned(how: str) -> None:
    """Text that no reader would show (orphan strings, unlisted sheets, XML comments, custom XML, rich-text runs) is scanned."""
    base = _save(_clean())
    for label in label_variants(50, seed=7)[::10]:
        safe = label.replace("&", "and").replace("<", " ").encode()
        if how == "text-no-cell-shows":
            data = _rewrite(base, {}, {"xl/sharedStrings.xml": SST % (b"<si><t>" + safe + b"</t></si>")})
        elif how == "sheet-the-workbook-does-not-list":
            data = _rewrite(base, {}, {"xl/worksheets/sheet99.xml": SHEET_XML % safe})
        elif how == "xml-comment-in-a-part":
            data = _rewrite(base, {"xl/styles.xml": lambda b, t=safe: b.replace(b"<numFmts", b"<!-- " + t + b" --><numFmts", 1)})
        elif how == "custom-xml-part":
            data = _rewrite(base, {}, {"customXml/item1.xml": b"<root><entry>" + safe + b"</entry></root>"})
        else:
            run = b"<si><r><t>Intake: </t></r><r><rPr><b/></rPr><t>" + safe + b"</t></r></si>"
            data = _rewrite(base, {}, {"xl/sharedStrings.xml": SST % run})
        with pytest.raises(FileRefused) as refused:
            check_package(data)
        assert refused.value.code == "victim_identifying_data" and label.strip() not in refused.value.message, (how, label)


def test_a_part_that_cannot_be_parsed_fails_closed() -> None:
    """A damaged XML part cannot be checked, so the file is refused rather than read past."""
    data = _rewrite(_save(_clean()), {"xl/worksheets/sheet3.xml": lambda b: b[: len(b) // 2]})
    with pytest.raises(FileRefused) as refused:
        check_package(data)
    assert refused.value.code == "corrupt_file" and not refused.value.keep_values
