"""Writes the tiny fixture workbooks in this folder, each named after the case it reproduces.

Run it after changing a case: `python tests/data/make_fixtures.py`. The files are
committed so the tests read real bytes; this script documents how each was made.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

from ingest.workbook import format as wf
from ingest.workbook.awards import REGISTER_HEADER
from stopdash.demo.workbooks import save_reproducible

HERE = Path(__file__).parent
FIXED = dt.datetime(2026, 1, 1)


def save(wb: openpyxl.Workbook, name: str) -> Path:
    path = HERE / name
    save_reproducible(wb, path)  # fixed timestamps: regenerating changes no byte
    return path


def book(first_title: str) -> tuple[openpyxl.Workbook, openpyxl.worksheet.worksheet.Worksheet]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = first_title
    return wb, ws


def register() -> None:
    wb, ws = book("Subgrants")
    ws.append(["STOP subgrants, test register (fictional)"])
    ws.append([])
    ws.append(REGISTER_HEADER)
    ws.append(
        [
            "MN-T-001",
            "Northwoods Advocacy (fictional)",
            "Northwoods Response Team",
            "Victim services",
            2026,
            100000,
            40000,
            0,
            dt.date(2026, 1, 1),
            dt.date(2026, 12, 31),
            "St. Louis; 27017",
            "Fond du Lac",
            "1; 5; 20",
        ]
    )
    ws.append(
        [
            "MN-T-002",
            "Metro Prosecution Unit (fictional)",
            "Metro Safe Harbor MDT",
            "Prosecution",
            2026,
            "$80,000.00",
            "0",
            "$20,000",
            "1/1/2026",
            "12/31/2026",
            "Hennepin, Ramsey",
            None,
            "2",
        ]
    )
    ws.append(
        [
            "MN-T-003",
            "Prairie Sheriff (fictional)",
            "Prairie Collaborative",
            "Law enforcement",
            2026,
            50000,
            None,
            12500,
            "2026-04-01",
            "2026-09-30",
            "saint louis county",
            None,
            None,
        ]
    )
    save(wb, "register.xlsx")


def register_with_errors() -> None:
    wb, ws = book("Awards")
    ws.append(REGISTER_HEADER)
    ws.append(["MN-E-001", "Good Org", "Good Team", "Courts", 2026, 10000, 0, 0, "1/1/2026", "12/31/2026", "Aitkin", None, None])
    ws.append(["MN-E-002", "Org", "Team", "Astrology", 2026, 10000, 0, 0, "1/1/2026", "12/31/2026", "Aitkin", None, None])
    ws.append(["MN-E-003", "Org", "Team", "Courts", 2026, -10, 0, 0, "1/1/2026", "12/31/2026", "Aitkin", None, None])
    ws.append(["MN-E-004", "Org", "Team", "Courts", 2026, 10000, 20000, 0, "1/1/2026", "12/31/2026", "Aitkin", None, None])
    ws.append(["MN-E-005", "Org", "Team", "Courts", 2026, 10000, 0, 0, "12/31/2026", "1/1/2026", "Aitkin", None, None])
    ws.append(["MN-E-006", "Org", "Team", "Courts", 2026, 10000, 0, 0, "1/1/2026", "12/31/2026", "Atlantis", None, "25"])
    ws.append(["mn-e-001", "Org", "Team", "Courts", 2026, 10000, 0, 0, "1/1/2026", "12/31/2026", "Aitkin", None, None])
    save(wb, "register-with-errors.xlsx")


def table(wb: openpyxl.Workbook, key: str) -> openpyxl.worksheet.worksheet.Worksheet:
    """A table sheet as the template has it: the format's sheet name and headers."""
    sheet = wf.BY_KEY[key]
    ws = wb.create_sheet(sheet.name)
    ws.append(sheet.headers)
    return ws


def profile(ws, subgrant: str = "MN-T-001", period: object = "2026-Q1", **extra: object) -> None:
    ws.append(["Subgrant ID", subgrant])
    if period is not None:
        ws.append(["Reporting period", period])
    ws.append(["Prepared by", "Test Preparer"])
    ws.append(["Email", "preparer@example.org"])
    ws.append(["Date submitted", dt.date(2026, 4, 10)])
    ws.append(["Collaborative meetings held", 3])
    for label, value in extra.items():
        ws.append([label.replace("_", " "), value])


def full_report(
    name: str, *, subgrant: str = "MN-T-001", period: str = "2026-Q1", survivors: int = 12, partner_extra: list[list[object]] | None = None
) -> Path:
    wb, ws = book("Profile")
    profile(ws, subgrant, period, Survivors_engaged=survivors)
    ws = table(wb, "partners")
    ws.append(["County Sheriff (fictional)", "Law enforcement", "Yes", 3])
    ws.append(["County Attorney (fictional)", "Prosecution", "Yes", 2])
    ws.append(["Advocacy Center (fictional)", "Community-based advocacy", "No", 3])
    ws.append(["Regional Hospital SANE (fictional)", "Health care (incl. SANE)", "Yes", 1])
    ws.append(["Advocacy Center Youth (fictional)", "Community-based advocacy", "Yes", 1])
    for row in partner_extra or []:
        ws.append(row)
    ws = table(wb, "maturity")
    for i, score in enumerate([3, 3, 2, 4, 3, 3, 2, 2, 3, 4], start=1):
        ws.append([f"C{i}", score, None])
    ws = table(wb, "protocols")
    ws.append(
        ["Sex trafficking response protocol", "Sex trafficking and sexual exploitation", 5, dt.date(2025, 6, 1), dt.date(2025, 12, 1)]
    )
    ws.append(["Youth Safe Harbor protocol", "Youth (Safe Harbor)", 3, None, None])
    ws = table(wb, "practices")
    for i, status in enumerate(
        ["In place", "In place", "Planned", "In place", "Not in place", "Planned", "In place", "Not in place"], start=1
    ):
        ws.append([f"S{i}", status])
    ws = table(wb, "funding")
    ws.append(["Lakes Foundation (fictional)", "Private foundation", "Cash", 5000, "No"])
    ws.append(["Main Street Bank (fictional)", "Corporate", "In-kind", 1500.5, "No"])
    ws.append(["County board", "Local government", "Cash", 10000, "Yes"])
    ws.append(["Total", None, None, 16500.5, None])
    ws = table(wb, "ta")
    ws.append(["Writing an MOU with the tribal police", dt.date(2026, 2, 1), "Open"])
    ws = table(wb, "services")
    ws.append(["Sex trafficking", 7, 1, 0])
    return save(wb, name)


def messy_headers() -> None:
    """Synonyms, odd case, header below title rows and a merged title, blank rows, extra column, NBSP."""
    wb, ws = book("grantee  INFO")
    ws.append(["Quarterly progress report"])
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Grant\u00a0ID:", None, " mn-t-001 "])
    ws.append(["Quarter", "q1-2026"])
    ws.append(["Survivors consulted", "4"])
    ws = wb.create_sheet("MDT Members")
    ws.append(["Our team"])
    ws.merge_cells("A1:E1")
    ws.append(["Updated quarterly"])
    ws.append([])
    ws.append(["Attendance", "MOU", "Agency", "Sector", "Phone extension"])
    ws.append([4, "x", "Sheriff's office (fictional)", "Sheriff", "101"])
    ws.append([])
    ws.append([None, "N", "County Attorney's office (fictional)", "county attorney", None])
    ws.append([2, "TRUE", "Hospital (fictional)", "SANE", None])
    ws.append([1, 1, "Band program (fictional)", "TRIBAL", None])
    ws = wb.create_sheet("Collaboration Self-Assessment")
    ws.append(["Factor", "Rating"])
    names = [
        "Shared vision and common values",
        "Essential partners at the table",
        "Formalized roles and responsibilities",
        "Communication and information sharing within confidentiality rules",
        "Cross-training and capacity building",
        "Victim-centered, trauma-informed practice across agencies",
        "Survivor voice in design and evaluation",
    ]
    for name, level in zip(names, ["Coalition", "coordination", "Cooperation", "NETWORKING", "Collaboration", 3.0, "2"], strict=True):
        ws.append([name, level])
    ws = wb.create_sheet("Protocol status")
    ws.append(["Protocol name", "Topic", "Stage", "Date adopted", "Review date"])
    ws.append(["Trafficking protocol", "sex trafficking", "Step 4", None, None])
    ws.append(["DV protocol", "domestic violence", "6 - Training", "March 15, 2025", "15-Mar-2026"])
    ws.append(["Youth protocol", "Youth (safe harbor)", "Victim experience survey", None, None])
    ws = wb.create_sheet("Survivor Voice")
    ws.append(["Practice", "Status"])
    ws.append(["Survivors are paid for their time and expertise", "yes"])
    ws.append(["s2", "no"])
    ws.append(["S3", "planned"])
    ws = wb.create_sheet("Leveraged Funds")
    ws.append(["Funder", "Source type", "Cash or in-kind", "Amount ($)", "Match"])
    ws.append(["Community Fdn (fictional)", "foundation", "cash", "$12,500.00", "Y"])
    ws.append(["Rotary (fictional)", "Civic or faith-based", "In kind", " 2,500 ", "n"])
    ws.append(["State grant", "State government", None, "1000", None])
    save(wb, "messy-headers.xlsx")


def period_start_end() -> None:
    wb, ws = book("Profile")
    ws.append(["Subgrant ID", "MN-T-002"])
    ws.append(["Period start", "4/1/2026"])
    ws.append(["Period end", dt.date(2026, 6, 30)])
    save(wb, "period-start-end.xlsx")


def bad_period_dates() -> None:
    wb, ws = book("Profile")
    ws.append(["Subgrant ID", "MN-T-002"])
    ws.append(["Period start", "4/1/2026"])
    ws.append(["Period end", "7/15/2026"])
    save(wb, "period-not-a-quarter.xlsx")


def simple(name: str, subgrant: str = "MN-T-001", period: object = "2026-Q1", sheet: str = "Profile") -> None:
    wb, ws = book(sheet)
    profile(ws, subgrant, period)
    save(wb, name)


def row_errors() -> None:
    wb, ws = book("Profile")
    profile(ws, "MN-T-002", "2026-Q2", Survivors_engaged=-3)
    ws = table(wb, "partners")
    ws.append(["Good partner", "Courts", "yes", 2])
    ws.append(["Stargazers (fictional)", "Astrology", "yes", 1])
    ws.append([None, "Prosecution", "no", 1])
    ws.append(["Half-day partner", "Schools", "maybe", 1.5])
    ws = wb.create_sheet("Maturity")
    ws.append(["Indicator", "Score"])
    for i in range(1, 8):
        ws.append([f"C{i}", 7 if i == 3 else 2])
    ws.append(["C1", 4])
    ws = wb.create_sheet("Funding")
    ws.append(["Source", "Type", "Amount"])
    ws.append(["Refund", "Corporate", -500])
    ws.append(["Foundation (fictional)", "Private foundation", "lots"])
    ws.append(["City (fictional)", "Local government", 750])
    save(wb, "row-errors.xlsx")


def identifying(name: str, header: str | None = None, ssn_cell: bool = False) -> None:
    wb, ws = book("Profile")
    profile(ws, "MN-T-001", "2026-Q3")
    ws = wb.create_sheet("Services")
    ws.append(["Victimization", "Served", header or "Notes"])
    ws.append(["Sex trafficking", 3, "Jane Doe (fictional)" if not ssn_cell else "ref 123-45-6789"])
    save(wb, name)


def contact_in_notes() -> None:
    wb, ws = book("Profile")
    profile(ws, "MN-T-001", "2026-Q2")
    ws = table(wb, "maturity")
    ws.append(["C1", 3, "Ask coordinator@example.org or call (651) 555-0142 for details"])
    ws.append(["C2", 3, "Backup line 612.555.0199"])
    ws.append(["C3", 3, None])
    ws["C4"].value = '=HYPERLINK("http://example.org","see")'
    ws["C4"].data_type = "s"  # text that looks like a formula, as a grantee may paste it
    save(wb, "contact-in-notes.xlsx")


def formula_cached_values() -> None:
    """A Funding total written as a formula with its cached value, as Excel saves it."""
    wb, ws = book("Profile")
    profile(ws, "MN-T-002", "2026-Q1")
    ws = wb.create_sheet("Funding")
    ws.append(["Source", "Type", "Amount"])
    ws.append(["Fdn A (fictional)", "Private foundation", 1000])
    ws.append(["Fdn B (fictional)", "Private foundation", "PLACEHOLDER_FORMULA"])
    ws.append(["Total", None, "PLACEHOLDER_TOTAL"])
    buffer = io.BytesIO()
    wb.properties.created = wb.properties.modified = FIXED
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                for ref, formula, value in (("C3", "500*2", 1000), ("C4", "SUM(C2:C3)", 2000)):
                    text = re.sub(rf'<c r="{ref}"[^>]*>.*?</c>', f'<c r="{ref}"><f>{formula}</f><v>{value}</v></c>', text)
                data = text.encode()
            dst.writestr(item, data)
    (HERE / "formula-cached-values.xlsx").write_bytes(out.getvalue())


def drift(name: str, edit: Callable[[openpyxl.Workbook], None]) -> None:
    """The clean report with one kind of human drift applied, as grantees send it."""
    full_report(name)
    wb = openpyxl.load_workbook(HERE / name)
    edit(wb)
    save(wb, name)


def _european_numbers(wb: openpyxl.Workbook) -> None:
    ws = wb["Funding"]
    ws.delete_rows(5)  # no Total row: the amounts are the case
    ws["D2"], ws["D3"], ws["D4"] = "9.100,00", "1.234.567", "12,50"
    ws.append(["Friends of the MDT (fictional)", "Individual donors", "Cash", "9.100", "No"])


def _percent_formats(wb: openpyxl.Workbook) -> None:
    wb["Maturity"]["B2"] = 1.0
    wb["Maturity"]["B2"].number_format = "0%"
    wb["Partners"]["D3"] = 0.5
    wb["Partners"]["D3"].number_format = "0.0%"


def _excel_errors(wb: openpyxl.Workbook) -> None:
    wb["Funding"].delete_rows(5)
    wb["Funding"]["D3"] = "#N/A"  # openpyxl writes these as error cells, as Excel saves them
    wb["Partners"]["D3"] = "#DIV/0!"


def _two_row_header(wb: openpyxl.Workbook) -> None:
    ws = wb["Partners"]
    ws.insert_rows(1)
    ws["A1"], ws["B1"], ws["C1"] = "Partner", "Discipline", "Participation this quarter"
    ws["A2"], ws["B2"] = None, None
    ws.merge_cells("C1:D1")


def _check_marks(wb: openpyxl.Workbook) -> None:
    for row, mark in zip(range(2, 7), ["\u2713", "\u2714", "\u2611", "\u2717", "\u2718"], strict=True):
        wb["Partners"][f"C{row}"] = mark


def _second_quarter(wb: openpyxl.Workbook) -> None:
    wb["Profile"]["C2"] = "2026-Q2"


def _formulas_without_values(wb: openpyxl.Workbook) -> None:
    wb["Funding"].delete_rows(5)
    wb["Funding"]["D2"] = "=2500*2"  # openpyxl saves a formula with no result, as scripts do
    wb["Partners"]["D2"] = "=1+2"


def _formula_period(wb: openpyxl.Workbook) -> None:
    wb["Profile"]["B2"] = '="2026-"&"Q1"'


def _lookalike_id(wb: openpyxl.Workbook) -> None:
    wb["Profile"]["B1"] = "MN\u2013T\u2011001\u200b"  # en dash, non-breaking hyphen, zero-width space


def _cyrillic_id(wb: openpyxl.Workbook) -> None:
    wb["Profile"]["B1"] = "\u041cN-T-001"  # a Cyrillic capital em where the M should be


DRIFT = {
    "european-number-text.xlsx": _european_numbers,
    "percent-formatted-numbers.xlsx": _percent_formats,
    "excel-error-values.xlsx": _excel_errors,
    "two-row-header.xlsx": _two_row_header,
    "check-marks-in-mou.xlsx": _check_marks,
    "second-quarter-in-profile.xlsx": _second_quarter,
    "formulas-without-saved-values.xlsx": _formulas_without_values,
    "formula-period-without-saved-value.xlsx": _formula_period,
    "lookalike-characters-in-subgrant-id.xlsx": _lookalike_id,
    "cyrillic-letter-in-subgrant-id.xlsx": _cyrillic_id,
}


def drift_fixtures() -> None:
    for name, edit in DRIFT.items():
        drift(name, edit)
    package_fixtures()


def _repackage(name: str, rename: Callable[[str], str], edit: Callable[[str, bytes], bytes]) -> None:
    """The clean report's parts under other names, as programs other than Excel write packages."""
    src = zipfile.ZipFile(HERE / "clean-report.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            item = zipfile.ZipInfo(rename(info.filename), date_time=info.date_time)
            item.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(item, edit(info.filename, src.read(info.filename)))
    (HERE / name).write_bytes(out.getvalue())


def package_fixtures() -> None:
    def moved(part: str) -> str:
        return {"xl/workbook.xml": "xl/main.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/main.xml.rels"}.get(part, part)

    def point_at_main(part: str, body: bytes) -> bytes:
        return body.replace(b"xl/workbook.xml", b"xl/main.xml") if part in ("_rels/.rels", "[Content_Types].xml") else body

    _repackage("workbook-part-at-nonstandard-path.xlsx", moved, point_at_main)

    def at_root(part: str) -> str:
        return {"xl/workbook.xml": "workbook.xml", "xl/_rels/workbook.xml.rels": "_rels/workbook.xml.rels"}.get(part, part)

    def point_at_root(part: str, body: bytes) -> bytes:
        if part in ("_rels/.rels", "[Content_Types].xml"):
            return body.replace(b"/xl/workbook.xml", b"/workbook.xml").replace(b'"xl/workbook.xml"', b'"workbook.xml"')
        return body  # the workbook's own links are absolute (/xl/worksheets/...), so they still hold

    _repackage("workbook-part-at-package-root.xlsx", at_root, point_at_root)
    _repackage("backslashes-in-part-names.xlsx", lambda part: part.replace("/", "\\"), lambda part, body: body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=(2026, 1, 1, 0, 0, 0)), b"<Types/>")
        z.writestr(zipfile.ZipInfo("xl/workbook.bin", date_time=(2026, 1, 1, 0, 0, 0)), b"\x83\x01\x00")
    (HERE / "binary-workbook.xlsx").write_bytes(out.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", date_time=(2026, 1, 1, 0, 0, 0)), b"application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(zipfile.ZipInfo("content.xml", date_time=(2026, 1, 1, 0, 0, 0)), b"<office:document-content/>")
    (HERE / "opendocument-spreadsheet.xlsx").write_bytes(out.getvalue())


def main() -> None:
    register()
    register_with_errors()
    full_report("clean-report.xlsx")
    full_report("clean-report-revised.xlsx", survivors=15, partner_extra=[["Family Court (fictional)", "Courts", "Yes", 1]])
    full_report("clean-report-next-quarter.xlsx", period="2026-Q2")
    messy_headers()
    period_start_end()
    bad_period_dates()
    simple("profile-only.xlsx", "MN-T-002", "2026 Q3")
    simple("unknown-subgrant.xlsx", "MN-NOPE-999")
    simple("period-outside-award.xlsx", "MN-T-003", "2026-Q1")
    simple("no-period.xlsx", "MN-T-001", None)
    simple("no-profile-sheet.xlsx", sheet="Summary")
    row_errors()
    identifying("name-header-column.xlsx", header="Victim name")
    identifying("identifying-date-column.xlsx", header="DOB")
    identifying("identifying-number-in-cell.xlsx", ssn_cell=True)
    contact_in_notes()
    formula_cached_values()
    drift_fixtures()
    (HERE / "csv-renamed.xlsx").write_text("Subgrant ID,Period\nMN-T-001,2026-Q1\n")
    (HERE / "html-renamed.xlsx").write_text("<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>")
    # The first bytes of an OLE compound file, as old .xls files and password-protected workbooks start.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    (HERE / "old-excel-97.xls").write_bytes(ole + "Workbook".encode("utf-16-le"))
    # A real workbook encrypted by Excel's standard (agile) scheme, password "secret".
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO((HERE / "clean-report.xlsx").read_bytes())).encrypt("secret", encrypted)
    (HERE / "password-protected.xlsx").write_bytes(encrypted.getvalue())
    (HERE / "image-renamed.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


if __name__ == "__main__":
    main()
