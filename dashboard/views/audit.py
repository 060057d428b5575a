"""Audit log (admins only): every ingest, upload, register load, export and sign-in."""

from __future__ import annotations

import streamlit as st

from dashboard import session, ui
from stopdash.queries.portfolio import audit_log

st.title("Audit log")
st.caption("Who did what, and when: ingests (command line or upload), award-register loads, exports and sign-ins. Newest first.")
if session.access().role != "admin":  # the page is only in an admin's navigation; this guards a typed URL
    st.info("The audit log is for state administrators.")
    st.stop()
ACTIONS = {
    "ingest": "Progress reports loaded",
    "load-awards": "Award register loaded",
    "export": "Export downloaded",
    "sign-in": "Sign-in",
    "impact-status": "IMPACT Tool status changed",
}
action = st.selectbox("Action", ["All", *ACTIONS], format_func=lambda a: "Every action" if a == "All" else ACTIONS[a], key="audit_action")
rows = session.load(audit_log, None if action == "All" else action)
if rows.empty:
    st.info("Nothing has been recorded yet for this action.")
    st.stop()
ui.table_view(
    rows.assign(action=rows["action"].map(lambda a: ACTIONS.get(a, a)), sha256=rows["sha256"].fillna(""), detail=rows["detail"].fillna("")),
    key="audit",
    column_config={
        "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"),
        "who": "Who",
        "action": "Action",
        "target": "File or export",
        "sha256": st.column_config.TextColumn("SHA-256", width="small"),
        "detail": "Detail",
        "result": "Result",
    },
)
ui.download_buttons(rows, "audit-log", key="audit_dl")
