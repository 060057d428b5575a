"""Grantee text made inert for where it is shown: one function per destination (engine side: no streamlit).

Names of organizations, communities, partners, protocols and funders come from
grantees' workbooks and the award register; a subgrant ID may come from a URL.
None of it may become markup where it is displayed:

* :func:`markdown` for everything Streamlit renders as markdown: ``st.markdown``,
  ``st.write``, ``st.caption``, ``st.title``/``header``/``subheader``, alert texts
  (``st.info``/``warning``/``error``/``success``), and widget, metric, tab and
  expander labels and ``help`` tooltips. Every ASCII punctuation character is
  backslash-escaped (CommonMark renders ``\\x`` as ``x``), so links, images,
  autolinks (``http://…``, ``www.…``, e-mail addresses), emphasis, headings,
  lists, tables, HTML, LaTeX (``$``) and Streamlit's ``:color[…]`` directives
  all show as the literal characters. Line breaks become spaces, and leading and
  trailing white space is dropped (indentation would make a code block).
  Streamlit's renderer also turns bare ``http://…``, ``www.…`` and e-mail
  addresses into links *after* parsing, escapes or not (GitHub-flavoured
  "autolink literals"); an invisible WORD JOINER (U+2060) after ``http``,
  ``https``, ``ftp`` or ``www`` and after ``@`` keeps them text.
* :func:`plotly` for plotly text (trace names in legends, hover texts, category
  tick labels, annotations), which renders a subset of HTML (``<a href>``,
  ``<b>``, ``<br>``…) and decodes entities: ``&``, ``<`` and ``>`` become
  entities. A line break becomes plotly's ``<br>``, the one piece of markup the
  chart code itself uses (see :func:`dashboard.charts.figures.wrap`).
* :func:`html` for an HTML document or attribute.

Spreadsheet cells (formula injection) are :mod:`stopdash.exports.cells`'s job.
"""

from __future__ import annotations

import html as _html
import math
import re
import string
from typing import Any

__all__ = ["html", "markdown", "plotly", "plotly_values"]

_MARKDOWN_SPECIAL = frozenset(string.punctuation)  # the ASCII punctuation CommonMark lets a backslash escape
_WORD_JOINER = "\u2060"
_AUTOLINK_START = re.compile(r"(?i)(https?|ftp|www)(?=[:.])|@")
_LINE_BREAKS = ("\r\n", "\r", "\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def markdown(value: Any) -> str:
    """*value* as literal text inside Streamlit markdown (None and NaN read as an empty string)."""
    text = _text(value)
    for brk in _LINE_BREAKS:
        text = text.replace(brk, " ")
    text = _AUTOLINK_START.sub(lambda m: m.group(0) + _WORD_JOINER, text.strip())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def plotly(value: Any) -> str:
    """*value* as literal text in a plotly label, legend, hover or annotation; a line break becomes ``<br>``."""
    text = _text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for brk in _LINE_BREAKS:
        text = text.replace(brk, "\n")
    return text.replace("\n", "<br>")


def plotly_values(values: Any) -> list[Any]:
    """A column for plotly: each text escaped with :func:`plotly`; numbers, dates and missing values unchanged."""
    return [plotly(v) if isinstance(v, str) else v for v in values]


def html(value: Any) -> str:
    """*value* as literal text in HTML (quotes escaped too, so it is safe in an attribute)."""
    return _html.escape(_text(value), quote=True)
