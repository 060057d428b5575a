"""The look every figure starts from: plotly_white's layout and the defaults of the trace types drawn here.

Each figure is made with this template as plotly's default, because plotly takes its default template
as it is, while a template named in a figure (``template="plotly_white"``) is copied and validated again
for every figure: that was a tenth of a second per chart, most of a page's script time. The template is
also half of plotly_white's size in what each chart sends to the browser (only the trace types used here
keep their defaults).
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

NAME = "stopdash"
TRACES = ("bar", "heatmap", "scatter")  # every trace type dashboard.charts draws

_white = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(layout=_white.layout, data={kind: getattr(_white.data, kind) for kind in TRACES})
pio.templates[NAME] = TEMPLATE


def figure(*traces: go.Bar | go.Heatmap | go.Scatter) -> go.Figure:
    """A figure of *traces* on this look.

    The default is set here, each time, not once at import: Streamlit makes its own template plotly's
    default when its chart module is first imported, which may come later (its colours are placeholders
    that only its "streamlit" theme fills in, and the charts here are drawn with theme=None)."""
    pio.templates.default = NAME
    return go.Figure(data=list(traces))
