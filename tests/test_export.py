"""The federal-reporting summary (xlsx, csv, html) checked against independent SQL over the public views."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from ingest.config import settings
from ingest.pipeline import ingest_paths, load_register
from stopdash.demo.portfolio import write_portfolio
from stopdash.exports.summary import csv_files, summary_download, write_brief_html, write_summary_csv, write_summary_xlsx
from stopdash.exports.tables import gather_summary
from stopdash.suppression import SHIFT, small_range

SHEETS = [
    "Allocation",
    "Allocation by category",
    "Purpose areas",
    "Communities",
    "Leveraged funding",
    "Protocols",
    "Survivor engagement",
    "Services",
    "Data quality",
    "Missing reports",
    "Notes",
]
# The column layout of every sheet: a contract with the people whose spreadsheets and scripts read these files.
HEADERS = {
    "Allocation": [
        "Award year",
        "Check",
        "Floor or cap",
        "Total awarded ($)",
        "Required ($)",
        "Actual ($)",
        "Actual share",
        "Result",
        "Short (-) or over (+) ($)",
        "Explanation",
    ],
    "Allocation by category": [
        "Award year",
        "Allocation category",
        "Subgrants",
        "Award ($)",
        "Share of the year",
        "Sexual assault ($)",
        "Match required ($)",
    ],
    "Purpose areas": [
        "Award year",
        "Purpose area",
        "Short name",
        "Subgrants",
        "Awards of subgrants listing it ($)",
        "Share of the year",
        "Split evenly ($)",
    ],
    "Communities": [
        "Subgrant ID",
        "Organization",
        "Community",
        "Allocation category",
        "Award year",
        "Award ($)",
        "Counties",
        "Latest period",
        "Maturity score",
        "Maturity level",
        "Protocol step (highest)",
        "Protocols adopted",
        "Survivor practices in place",
        "Leveraged private ($)",
        "Leveraged total ($)",
        "Leverage ratio",
        "Last report received",
        "Reports missing",
    ],
    "Leveraged funding": [
        "Source type",
        "Private",
        "Form",
        "In the quarter ($)",
        "All quarters to date ($)",
        "Counted as match in the quarter ($)",
        "Subgrants reporting in the quarter",
    ],
    "Protocols": [
        "Subgrant ID",
        "Community",
        "Period",
        "Protocol",
        "Focus",
        "Step",
        "Step name",
        "Adopted",
        "Adopted on",
        "Last reviewed",
        "Review overdue (12 months)",
    ],
    "Survivor engagement": [
        "Subgrant ID",
        "Community",
        "Period",
        "S1 Survivors paid",
        "S2 Advisory group",
        "S3 Help write protocols",
        "S4 Confidential feedback",
        "S5 Input changed practice",
        "S6 Peer support",
        "S7 Participation supported",
        "S8 Leadership roles",
        "Practices in place",
        "Survivors engaged (people)",
    ],
    "Services": ["Victimization", "Served", "Partially served", "Not served", "Total"],
    "Data quality": [
        "Period",
        "Reports expected",
        "Accepted reports in",
        "Reports missing",
        "Files accepted",
        "Files accepted with row errors",
        "Files rejected",
        "Files superseded by a newer one",
        "Row errors",
        "Warnings",
    ],
    "Missing reports": ["Subgrant ID", "Organization", "Community", "Allocation category", "Award year", "Period missing"],
    "Notes": ["Item", "Meaning"],
}
T = settings().suppression_threshold
RANGE = small_range(T)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic portfolio (16 subgrants, 4 quarters, messy files included) loaded through the real ingest."""
    root = tmp_path_factory.mktemp("demo")
    portfolio = write_portfolio(root / "files", subgrants=16, quarters=4)
    db = root / "demo.duckdb"
    load_register(portfolio.register, db)
    ingest_paths(portfolio.reports, db, workers=1)
    return db


@pytest.fixture(scope="module")
def exported(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out")
    return {
        "xlsx": write_summary_xlsx(demo, out / "summary.xlsx"),
        "csv": write_summary_csv(demo, out / "csv"),
        "html": write_brief_html(demo, out / "brief.html"),
    }


def sql(db: Path, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def table(path: Path, sheet: str) -> list[dict[str, Any]]:
    """A sheet of the workbook as records: header on row 4, data below until the first empty row."""
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[4]]
    out = []
    for row in ws.iter_rows(min_row=5, values_only=True):
        if all(v is None for v in row) or row[0] == "Nothing to show for this selection.":
            break
        out.append(dict(zip(header, row, strict=True)))
    return out


# ---- layout ---------------------------------------------------------------------------------------------------


def test_workbook_has_the_documented_sheets_in_order(exported: dict[str, Path]) -> None:
    """The sheets and their order are a contract (docs/exports.md); a change here must be documented."""
    assert openpyxl.load_workbook(exported["xlsx"]).sheetnames == SHEETS


def test_column_headers_are_the_documented_layout(exported: dict[str, Path]) -> None:
    """Every sheet's header row is exactly the documented layout; a diff here breaks users' spreadsheets and scripts."""
    wb = openpyxl.load_workbook(exported["xlsx"])
    assert {ws.title: [c.value for c in ws[4] if c.value is not None] for ws in wb.worksheets} == HEADERS


def test_every_sheet_is_frozen_filtered_and_prints_landscape(exported: dict[str, Path]) -> None:
    """Each sheet freezes its header, filters from the header row, prints landscape one page wide, repeating the header."""
    wb = openpyxl.load_workbook(exported["xlsx"])
    for ws in wb.worksheets:
        assert ws.freeze_panes in ("A5", "B5"), ws.title
        assert ws.auto_filter.ref.startswith("A4:"), ws.title
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$4:$4"
        assert ws["A4"].font.bold and ws["A1"].value


def test_money_percent_and_year_formats(exported: dict[str, Path]) -> None:
    """Dollars carry a $ format, shares a percent format, years a plain number format."""
    ws = openpyxl.load_workbook(exported["xlsx"])["Allocation"]
    header = {c.value: c.column for c in ws[4]}
    assert "$" in ws.cell(5, header["Actual ($)"]).number_format
    assert ws.cell(5, header["Actual share"]).number_format == "0.0%"
    assert ws.cell(5, header["Award year"]).number_format == "0"


# ---- figures against SQL ---------------------------------------------------------------------------------------


def test_allocation_sheet_matches_the_register(demo: Path, exported: dict[str, Path]) -> None:
    """Actual and required dollars of every floor equal sums over the awards view; the demo's first year is short on courts."""
    rows = {(r["Award year"], r["Check"].split(":")[0]): r for r in table(exported["xlsx"], "Allocation")}
    cats = {
        "Law enforcement": ["Law enforcement"],
        "Prosecution": ["Prosecution"],
        "State and local courts": ["Courts"],
        "Victim services": ["Victim services", "Culturally specific victim services"],
    }
    shares = {"Law enforcement": "0.25", "Prosecution": "0.25", "State and local courts": "0.05", "Victim services": "0.30"}
    for year, base in sql(demo, "SELECT award_year, sum(award_amount) FROM awards GROUP BY 1"):
        for check, names in cats.items():
            actual = sql(
                demo,
                "SELECT coalesce(sum(award_amount), 0) FROM awards WHERE award_year = ? AND list_contains(?, allocation_category)",
                [year, names],
            )[0][0]
            required = (base * Decimal(shares[check])).quantize(Decimal("0.01"), ROUND_CEILING)
            row = rows[(year, check)]
            assert row["Actual ($)"] == pytest.approx(float(actual))
            assert row["Required ($)"] == pytest.approx(float(required))
            assert row["Result"] == ("Met" if actual >= required else "Short")
            assert row["Short (-) or over (+) ($)"] == pytest.approx(float(actual - required))
    first = min(y for y, _ in rows)
    assert rows[(first, "State and local courts")]["Result"] == "Short"


def test_purpose_area_sheet_matches_sql(demo: Path, exported: dict[str, Path]) -> None:
    """Subgrant counts and dollars per purpose area equal the award_purpose_areas view."""
    got = {(r["Award year"], r["Purpose area"]): r for r in table(exported["xlsx"], "Purpose areas")}
    for year, area, n, dollars in sql(
        demo,
        """SELECT a.award_year, p.purpose_area, count(*), sum(a.award_amount)
                                               FROM awards a JOIN award_purpose_areas p USING (subgrant_id) GROUP BY 1, 2""",
    ):
        assert got[(year, area)]["Subgrants"] == n
        assert got[(year, area)]["Awards of subgrants listing it ($)"] == pytest.approx(float(dollars))
    assert len(got) == 25 * len({y for y, _ in got})


def test_communities_sheet_matches_latest_reports(demo: Path, exported: dict[str, Path]) -> None:
    """One row per subgrant with its award and the figures of its latest accepted report."""
    rows = table(exported["xlsx"], "Communities")
    awards = sql(demo, "SELECT subgrant_id, award_amount FROM awards ORDER BY subgrant_id")
    assert [(r["Subgrant ID"], r["Award ($)"]) for r in rows] == [(i, float(a)) for i, a in awards]
    latest = {
        r[0]: r[1:]
        for r in sql(
            demo,
            """
        SELECT subgrant_id, period, maturity_score, protocols_adopted, leveraged_total FROM community_period
        QUALIFY row_number() OVER (PARTITION BY subgrant_id ORDER BY period DESC) = 1""",
        )
    }
    for r in rows:
        period, score, adopted, leveraged = latest.get(r["Subgrant ID"], (None, None, None, None))
        assert r["Latest period"] == period
        assert r["Maturity score"] == (None if score is None else pytest.approx(float(score)))
        assert r["Protocols adopted"] == adopted
        assert r["Leveraged total ($)"] == (None if leveraged is None else pytest.approx(float(leveraged)))
    missing = dict(sql(demo, "SELECT subgrant_id, count(*) FROM expected_reports WHERE NOT received GROUP BY 1"))
    assert {r["Subgrant ID"]: r["Reports missing"] for r in rows} == {i: missing.get(i, 0) for i, _ in awards}


def test_leveraged_funding_totals_match_sql(demo: Path, exported: dict[str, Path]) -> None:
    """The funding totals (quarter, to date, private) equal sums over the funding view."""
    rows = {r["Source type"]: r for r in table(exported["xlsx"], "Leveraged funding")}
    quarter = sql(demo, "SELECT period FROM reporting_quarter")[0][0]
    to_date, in_q, private = sql(
        demo,
        """SELECT sum(amount), sum(amount) FILTER (WHERE period = ?),
                                          sum(amount) FILTER (WHERE is_private) FROM funding""",
        [quarter],
    )[0]
    assert rows["All sources"]["All quarters to date ($)"] == pytest.approx(float(to_date))
    assert rows["All sources"]["In the quarter ($)"] == pytest.approx(float(in_q))
    assert rows["Private sources"]["All quarters to date ($)"] == pytest.approx(float(private))


def test_protocols_sheet_has_every_latest_protocol(demo: Path, exported: dict[str, Path]) -> None:
    """Every protocol of each subgrant's latest report is listed, with its step."""
    expected = sorted(
        sql(
            demo,
            """
        SELECT p.subgrant_id, p.protocol, p.step FROM protocols p
        JOIN (SELECT subgrant_id, max(period) AS period FROM community_period GROUP BY 1) l USING (subgrant_id, period)""",
        )
    )
    got = sorted((r["Subgrant ID"], r["Protocol"], r["Step"]) for r in table(exported["xlsx"], "Protocols"))
    assert got == expected


def test_data_quality_and_missing_reports_match_sql(demo: Path, exported: dict[str, Path]) -> None:
    """Reports expected and received per quarter, files by status, and the missing list equal the views."""
    rows = {r["Period"]: r for r in table(exported["xlsx"], "Data quality")}
    for period, expected, received in sql(
        demo, "SELECT period, count(*), count(*) FILTER (WHERE received) FROM expected_reports GROUP BY 1"
    ):
        assert (rows[period]["Reports expected"], rows[period]["Accepted reports in"]) == (expected, received)
    for period, rejected in sql(
        demo, "SELECT coalesce(period, '(period unreadable)'), count(*) FROM submissions WHERE status = 'rejected' GROUP BY 1"
    ):
        assert rows[period]["Files rejected"] == rejected
    missing = sorted(sql(demo, "SELECT subgrant_id, period FROM expected_reports WHERE NOT received"))
    assert sorted((r["Subgrant ID"], r["Period missing"]) for r in table(exported["xlsx"], "Missing reports")) == missing


def _consistent(shown: object, true: int | None) -> bool:
    """One subgrant's count as shown: blank when unknown, 0 when 0, the range for 1..T, the count above T."""
    if true is None:
        return shown is None
    if 1 <= true <= T:
        return shown == RANGE
    return shown == true


def _near(shown: object, counts: list[int | None]) -> bool:
    """A figure over several records as shown: within SHIFT of the truth per small record, 0 only for true zeros."""
    known = [c for c in counts if c is not None]
    if not known:
        return shown is None
    true, small = sum(known), sum(1 for c in known if 1 <= c <= T)
    if shown == 0 or true == 0:
        return shown == 0 and true == 0
    if shown == RANGE:
        return true - SHIFT * small <= T
    return isinstance(shown, int) and shown > T and abs(shown - true) <= SHIFT * small


def test_survivors_engaged_are_true_or_suppressed(demo: Path, exported: dict[str, Path]) -> None:
    """Survivors engaged per subgrant agree with community_period under the range rule; the total is near the true sum."""
    rows = table(exported["xlsx"], "Survivor engagement")
    truth = dict(
        sql(
            demo,
            """SELECT subgrant_id, survivors_engaged FROM community_period
                              QUALIFY row_number() OVER (PARTITION BY subgrant_id ORDER BY period DESC) = 1""",
        )
    )
    for r in rows[:-1]:
        assert _consistent(r["Survivors engaged (people)"], truth[r["Subgrant ID"]])
    assert _near(rows[-1]["Survivors engaged (people)"], list(truth.values()))


def test_services_are_true_or_suppressed(demo: Path, exported: dict[str, Path]) -> None:
    """People served in the quarter, by victimization, are near the services view's sums: within SHIFT per small count."""
    quarter = sql(demo, "SELECT period FROM reporting_quarter")[0][0]
    truth: dict[str, list[list[int | None]]] = {}
    for v, *counts in sql(demo, "SELECT victimization, served, partially_served, not_served FROM services WHERE period = ?", [quarter]):
        for j, c in enumerate(counts):
            truth.setdefault(v, [[], [], []])[j].append(c)
    shown = table(exported["xlsx"], "Services")
    assert shown, "the demo portfolio reports services"
    for r in shown[:-1]:
        served, partial, not_served = truth.get(r["Victimization"], ([], [], []))
        assert _near(r["Served"], served) and _near(r["Partially served"], partial) and _near(r["Not served"], not_served)
        assert _near(r["Total"], served + partial + not_served)
    every = [c for parts in truth.values() for part in parts for c in part]
    assert _near(shown[-1]["Total"], every)


def test_notes_give_as_of_filters_and_rule(demo: Path, exported: dict[str, Path]) -> None:
    """Notes state the data's as-of time (latest ingested_at), the filters and the suppression rule."""
    notes = {r["Item"]: r["Meaning"] for r in table(exported["xlsx"], "Notes")}
    as_of = sql(demo, "SELECT max(ingested_at) FROM submissions")[0][0]
    assert notes["Data as of"].startswith(f"{as_of:%Y-%m-%d %H:%M}")
    assert "All award years" in notes["Award years"]
    assert RANGE in notes["Suppression"]
    assert {f"Sheet: {s}" for s in SHEETS if s != "Notes"} <= set(notes)


# ---- csv and html -------------------------------------------------------------------------------------------------


def test_csv_folder_has_one_file_per_sheet_with_bom(exported: dict[str, Path]) -> None:
    """The CSV folder holds one UTF-8-with-BOM file per sheet, in sheet order."""
    files = sorted(p.name for p in exported["csv"].iterdir())
    assert files == [f"{i:02d}-{s.lower().replace(' ', '-')}.csv" for i, s in enumerate(SHEETS, 1)]
    for name in files:
        assert (exported["csv"] / name).read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_figures_equal_the_workbook(exported: dict[str, Path]) -> None:
    """Every CSV cell holds the workbook's value (numbers to the cent, dates as ISO text)."""
    for i, sheet in enumerate(SHEETS, 1):
        path = exported["csv"] / f"{i:02d}-{sheet.lower().replace(' ', '-')}.csv"
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        header, *body = list(reader)
        records = table(exported["xlsx"], sheet)
        assert header == list(records[0]) and len(body) == len(records), sheet
        for line, record in zip(body, records, strict=True):
            if record.get("Item") == "Generated":  # the two files were made moments apart
                continue
            for text, value in zip(line, record.values(), strict=True):
                if value is None:
                    assert text == ""
                elif isinstance(value, (int, float)):
                    assert float(text) == pytest.approx(value, abs=0.005)
                elif isinstance(value, dt.datetime):
                    assert text == value.date().isoformat()
                else:
                    assert text in (value, "'" + value)


def test_html_brief_is_self_contained_with_four_charts(exported: dict[str, Path]) -> None:
    """The brief inlines plotly.js once, loads nothing from the network, has four charts and print CSS."""
    page = exported["html"].read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    assert "<script>" in page  # inline only; plotly.js's unused geo default URL is just a string in it
    assert page.count('class="plotly-graph-div"') == 4
    assert "@media print" in page and "@page" in page
    assert len(page) > 1_000_000  # plotly.js itself


def test_html_allocation_figures_match_sql(demo: Path, exported: dict[str, Path]) -> None:
    """The brief's allocation table shows each category's actual dollars from the awards view, and the short one."""
    page = exported["html"].read_text(encoding="utf-8")
    for (actual,) in sql(
        demo,
        """SELECT sum(award_amount) FROM awards WHERE allocation_category IN ('Law enforcement', 'Prosecution', 'Courts')
           GROUP BY award_year, allocation_category""",
    ):
        assert f"${actual:,.0f}" in page
    assert "class='short'>Short<" in page
    received, expected = sql(
        demo,
        """SELECT count(*) FILTER (WHERE received), count(*) FROM expected_reports
                                      WHERE period = (SELECT period FROM reporting_quarter)""",
    )[0]
    assert f"{received} of {expected}" in page


def test_download_bytes_match_the_files(demo: Path) -> None:
    """The dashboard's download gives the same workbook, a zip of the CSV files, and the brief, with names and types."""
    xlsx = summary_download(demo, "xlsx")
    assert xlsx.file_name.endswith(".xlsx") and xlsx.mime.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.data)).sheetnames == SHEETS
    zipped = summary_download(demo, "csv", period="2025-Q2")
    assert zipped.file_name.endswith(".zip") and "2025-q2" in zipped.file_name
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as z:
        assert sorted(z.namelist()) == sorted(csv_files(gather_summary(demo, period="2025-Q2")))
    assert summary_download(demo, "html").data.startswith(b"<!DOCTYPE html>")


def test_period_filter_reports_as_of_that_quarter(demo: Path) -> None:
    """With a quarter given, community figures come from reports up to it, and later quarters are left out."""
    summary = gather_summary(demo, period="2025-Q2")
    periods = summary.sheet("Communities").frame["Latest period"].dropna()
    assert set(periods) <= {"2025-Q1", "2025-Q2"} and "2025-Q2" in set(periods)
    assert set(summary.sheet("Data quality").frame["Period"]) <= {"2025-Q1", "2025-Q2", "(period unreadable)"}
