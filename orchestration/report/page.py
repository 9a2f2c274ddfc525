"""Assemble the report page: one self-contained HTML file with plotly.js inlined once.

No CDN, no server: the page opens from disk offline. Each chart is a ``div`` with a stable id
inside its section; a section whose data is missing shows a note instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222;
       background: #f6f7f9; }
header { background: #1f3b57; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header dl { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 0;
            font-size: 14px; }
header dt { opacity: 0.75; }
header dd { margin: 0; }
nav { padding: 10px 32px; background: #e8edf3; font-size: 14px; }
nav a { margin-right: 14px; color: #1f3b57; }
main { padding: 8px 32px 32px; }
section { background: #fff; border: 1px solid #dde2e8; border-radius: 6px; margin: 18px 0;
          padding: 14px 18px; }
section h2 { margin: 0 0 4px; font-size: 19px; }
section p.about { margin: 0 0 8px; color: #555; font-size: 14px; max-width: 70em; }
section p.note { color: #8a5a00; background: #fff6e0; padding: 8px 12px; border-radius: 4px; }
div.chart { width: 100%; }
"""


@dataclass(frozen=True)
class Plot:
    chart_id: str  # the div's id: stable, e.g. chart-funnel-ecommerce
    figure: go.Figure


@dataclass(frozen=True)
class Section:
    section_id: str
    title: str
    about: str
    plots: list[Plot] = field(default_factory=list)
    note: str | None = None  # shown instead of charts when there are none


@dataclass(frozen=True)
class Header:
    title: str
    facts: list[tuple[str, str]]  # (label, value) lines under the title


def chart_div(plot: Plot) -> str:
    """The chart's div and the script that draws it (plotly.js must already be loaded)."""
    return plot.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=plot.chart_id,
        config=PLOT_CONFIG,
        default_height=plot.figure.layout.height or 450,
    )


def _section(section: Section) -> str:
    parts = [
        f'<section id="{escape(section.section_id)}">',
        f"<h2>{escape(section.title)}</h2>",
        f'<p class="about">{escape(section.about)}</p>',
    ]
    if section.plots:
        parts += [f'<div class="chart">{chart_div(p)}</div>' for p in section.plots]
    else:
        parts.append(f'<p class="note">{escape(section.note or "no data")}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def render(header: Header, sections: list[Section], plotly_js: str | None = None) -> str:
    """The whole page; ``plotly_js`` defaults to the installed plotly's bundled plotly.min.js."""
    facts = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in header.facts)
    nav = "".join(f'<a href="#{escape(s.section_id)}">{escape(s.title)}</a>' for s in sections)
    js = get_plotlyjs() if plotly_js is None else plotly_js
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{escape(header.title)}</title>",
            f"<style>{STYLE}</style>",
            f'<script type="text/javascript">{js}</script>',
            "</head>",
            "<body>",
            f"<header><h1>{escape(header.title)}</h1><dl>{facts}</dl></header>",
            f"<nav>{nav}</nav>",
            "<main>",
            *(_section(s) for s in sections),
            "</main>",
            "</body>",
            "</html>",
        ]
    )
