"""Data quality: submissions by status, missing reports, issues by file/sheet/cell, uploads, the blank template."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import session, ui
from dashboard.charts import figures as charts
from dashboard.wording import SEVERITY_NAMES, STATUS_NAMES, code_words, issue_lines, outcome_words, status_words
from ingest.errors import StopdashError
from ingest.pipeline import ingest_paths
from stopdash.escape import markdown as md
from stopdash.queries.portfolio import issues, missing_reports, submissions_by_status, unmatched_files
from stopdash.template import write_template

f = session.filters()
period = session.period()
st.title("Data quality")
ui.quarter_caption("Reports and issues")

STATUS_COLORS = {"accepted": "#0072B2", "accepted_with_errors": "#E69F00", "rejected": "#D55E00", "superseded": "#BDBDBD"}

by_status = session.load(submissions_by_status, f)
missing = session.load(missing_reports, f)
this_quarter = by_status[by_status["period"] == period] if not by_status.empty else by_status
counts = this_quarter.groupby("status")["files"].sum() if not this_quarter.empty else pd.Series(dtype="int64")
cols = st.columns(4)
with cols[0]:
    ui.metric(f"Files for {period}", ui.count(int(counts.sum())))
with cols[1]:
    ui.metric(
        "With problems to fix",
        ui.count(int(counts.get("accepted_with_errors", 0))),
        help="Loaded, but some rows were wrong and were left out; see the issues below.",
    )
with cols[2]:
    ui.metric("Refused", ui.count(int(counts.get("rejected", 0))), help="Nothing from these files was loaded.")
with cols[3]:
    ui.metric(
        "Reports missing", ui.count(len(missing)), help="Reports owed for the quarter (the award dates cover it) with no accepted file."
    )

# Four sections, each made and drawn only while it is open (a person works in one at a time); the count of missing
# reports is in the metric above, so the labels stay the same whatever the filters. State: st.session_state["data_quality_section"].
tab_status, tab_missing, tab_issues, tab_upload = st.tabs(
    ["Submissions", "Missing reports", "Issues", "Upload reports and template"], key="data_quality_section", on_change="rerun"
)

with tab_status:
    if tab_status.open:
        if by_status.empty:
            st.info("No file received for these filters.")
        else:
            shown = by_status.assign(status_name=by_status["status"].map(STATUS_NAMES).fillna(by_status["status"]))
            ui.chart(
                charts.bar(
                    shown,
                    "period",
                    "files",
                    color="status_name",
                    color_order=[STATUS_NAMES[s] for s in STATUS_COLORS if s in set(shown["status"])],
                    colors={STATUS_NAMES[s]: c for s, c in STATUS_COLORS.items()},
                    title="Files received per quarter, by what became of them",
                    x_title="Quarter",
                    y_title="Files (count)",
                    legend_title="Status",
                    height=380,
                ),
                shown.pivot_table(index="period", columns="status_name", values="files", fill_value=0).reset_index(),
                key="status",
                column_config={"period": "Quarter"},
            )
        # Files tied to no subgrant belong to no county: only people who see every county see them.
        unmatched = session.load(unmatched_files) if session.access().counties is None else pd.DataFrame()
        if not unmatched.empty:
            st.markdown(f"**{len(unmatched)} files could not be tied to a subgrant or a quarter** (no filter applies to them)")
            ui.table_view(
                unmatched.drop(columns=["submission_id"]).assign(
                    status=unmatched["status"].map(status_words), reason=unmatched["reason"].fillna("")
                ),
                key="unmatched",
                column_config={
                    "source_file": "File",
                    "ingested_at": st.column_config.DatetimeColumn("Received", format="YYYY-MM-DD HH:mm"),
                    "status": "Outcome",
                    "error_count": "Problems",
                    "reason": st.column_config.TextColumn("Why", width="large"),
                },
            )

with tab_missing:
    if tab_missing.open:
        all_quarters = st.toggle(f"Every quarter up to {period}", key="missing_all")
        rows = session.load(missing_reports, f, all_quarters=True) if all_quarters else missing
        if rows.empty:
            st.info("No report is missing for these filters." if all_quarters else f"Every report owed for {period} is in.")
        else:
            st.caption(
                "Owed: the subgrant's award start and end dates cover the quarter. 'Last file' says what became of "
                "the latest file sent for that quarter, if any."
            )
            ui.table_view(
                ui.with_links(rows).assign(last_file=rows["last_file"].map(status_words)),
                key="missing",
                column_config={
                    "period": "Quarter",
                    "subgrant_id": ui.link_column(),
                    "community": "Community",
                    "last_file": "Last file",
                    "files_sent": "Files sent",
                },
            )
            ui.download_buttons(rows, "missing-reports", key="missing_dl")

with tab_issues:
    if tab_issues.open:
        c1, c2 = st.columns([1, 2])
        with c1:
            all_issue_quarters = st.toggle(f"Every quarter up to {period}", key="issues_all")
        with c2:
            severities = st.multiselect(
                "Show",
                ["error", "warning"],
                default=["error", "warning"],
                format_func=lambda s: {"error": "Problems to fix", "warning": "Notes"}[s],
                key="issue_severity",
            )
        found = session.load(issues, f, all_quarters=all_issue_quarters, severities=tuple(severities))
        if found.empty:
            st.info("No issue found in the files for these filters.")
        else:
            per_code = found.groupby(["severity", "code"], as_index=False).size().rename(columns={"size": "issues"})
            st.caption(
                f"{len(found)} issues in {found['source_file'].nunique()} files. Most frequent: "
                + ", ".join(
                    f"{code_words(r.code).lower()} ({r.issues})"
                    for r in per_code.sort_values("issues", ascending=False).head(5).itertuples()
                )
            )
            view = found.assign(
                status=found["status"].map(status_words),
                severity=found["severity"].map(lambda s: SEVERITY_NAMES.get(s, "Note")),
                code=found["code"].map(code_words),
                sheet=found["sheet"].fillna(""),
                cell=found["cell"].fillna(""),
                period=found["period"].fillna(""),
            )
            has_id = view["subgrant_id"].notna()
            view.loc[has_id, "subgrant_id"] = ui.with_links(view[has_id])["subgrant_id"]
            ui.table_view(
                view,
                key="issues",
                column_config={
                    "period": "Quarter",
                    "subgrant_id": ui.link_column(),
                    "community": "Community",
                    "source_file": "File",
                    "status": "File outcome",
                    "severity": "Kind",
                    "code": "Problem",
                    "sheet": "Sheet",
                    "cell": "Cell",
                    "message": st.column_config.TextColumn("Message", width="large"),
                    "ingested_at": st.column_config.DatetimeColumn("Received", format="YYYY-MM-DD HH:mm"),
                },
            )
            ui.download_buttons(found, "ingest-issues", key="issues_dl")

with tab_upload:
    if tab_upload.open:
        if not session.access().can_upload:
            st.info("Uploading reports is for state administrators. Ask one to load the files, or to change your role.")
        else:
            st.markdown(
                "**Ingest progress reports**: every file gets the same checks as a batch load. Files already ingested are skipped; "
                "a newer file for the same subgrant and quarter replaces the older one."
            )
            uploads = st.file_uploader(
                "Progress-report workbooks (.xlsx, .xlsm)", type=["xlsx", "xlsm"], accept_multiple_files=True, key="uploads"
            )
            if st.button("Ingest the uploaded files", disabled=not uploads, type="primary", icon=":material/upload_file:"):
                with st.spinner("Checking and loading the files…"):
                    # The bytes go to the reader from memory: nothing of a file is written anywhere before its checks pass.
                    files = [(upload.name, upload.getvalue()) for upload in uploads or []]
                    try:
                        summary = ingest_paths([], session.db_path(), workers=1, who=session.access().who, uploads=files)
                    except StopdashError as e:
                        st.session_state["_upload_outcomes"] = str(e)
                    else:
                        st.session_state["_upload_outcomes"] = summary.outcomes
                st.rerun()  # redraw the whole page (the figures above included) from the new data
            result = st.session_state.get("_upload_outcomes")
            if isinstance(result, str):
                st.error(md(result))
            elif isinstance(result, list) and result:
                refused = sum(o.status == "rejected" for o in result)
                to_fix = sum(o.status == "accepted_with_errors" for o in result)
                st.subheader(
                    "What became of the file you uploaded" if len(result) == 1 else f"What became of the {len(result)} files you uploaded",
                    anchor=False,
                )
                for o in result:
                    about = f" (subgrant {md(o.subgrant_id)}, {md(o.period)})" if o.subgrant_id and o.period else ""
                    said = f"**{md(o.source_file)}**{about}: {md(outcome_words(o))}"
                    if o.status == "rejected":
                        st.warning(said, icon=":material/block:")
                    elif o.status == "accepted_with_errors":
                        st.warning(said, icon=":material/edit_note:")
                    else:
                        st.success(said, icon=":material/check_circle:")
                    lines = issue_lines(o)
                    if lines:
                        st.markdown("\n".join(f"- {kind}, **{md(place)}**: {md(what)}" for kind, place, what in lines))
                if refused or to_fix:
                    st.caption(
                        "Correct the problems in the workbook and upload it again: the corrected file replaces this one. "
                        "Notes need no new upload; correct them in the next report."
                    )
                ui.table_view(
                    pd.DataFrame(
                        {
                            "file": [o.source_file for o in result],
                            "status": [status_words(o.status) for o in result],
                            "subgrant_id": [o.subgrant_id or "" for o in result],
                            "period": [o.period or "" for o in result],
                            "errors": [o.errors for o in result],
                            "warnings": [o.warnings for o in result],
                            "message": [o.message for o in result],
                        }
                    ),
                    key="upload_result",
                    column_config={
                        "file": "File",
                        "status": "Outcome",
                        "subgrant_id": "Subgrant",
                        "period": "Quarter",
                        "errors": "Problems to fix",
                        "warnings": "Notes",
                        "message": st.column_config.TextColumn("Why refused", width="large"),
                    },
                )

        st.markdown("**The blank template** for grantees: every sheet, with dropdowns and instructions.")

        @st.cache_data(show_spinner=False)
        def _template() -> bytes:
            with tempfile.TemporaryDirectory() as tmp:
                return write_template(Path(tmp) / "template.xlsx").read_bytes()

        st.download_button(
            "Download the blank progress-report template",
            _template(),
            key="template",
            file_name="stopdash-progress-report-template.xlsx",
            icon=":material/download:",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
