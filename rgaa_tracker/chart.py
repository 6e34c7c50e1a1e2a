"""SVG charts for reports, drawn by pygal, readable without colour and by screen readers.

Each chart is an ``<svg role="img">`` labelled by its title; the report always puts the same
figures in a table next to it. Colours are the Okabe-Ito palette, safe for colour-blind
readers, and series also differ by dash pattern.
"""

from __future__ import annotations

import datetime as dt
import re

import pygal
from markupsafe import Markup
from pygal.style import Style

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
STYLE = Style(
    background="white", plot_background="white", foreground="#161616", foreground_strong="#161616",
    foreground_subtle="#666666", colors=OKABE_ITO, font_family="DejaVu Sans, Arial, sans-serif",
    title_font_size=16, label_font_size=12, major_label_font_size=12, legend_font_size=12,
)


def _accessible(svg: str, title: str) -> Markup:
    """Give the root <svg> an image role and a name (pygal's own <title> is not announced), and
    drop pygal's inline config script: a static report needs no JavaScript."""
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    # A style attribute would need 'unsafe-inline' in the web's CSP; SVG has the attribute itself.
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')
    head, sep, tail = svg.partition("<svg")
    label = title.replace('"', "&quot;")
    return Markup(f'{head}{sep} role="img" aria-label="{label}"{tail}')


def line_chart(title: str, dates: list[dt.date], series: dict[str, list[float | None]], *, percent: bool = True) -> Markup:
    chart = pygal.Line(
        title=title, style=STYLE, js=[], no_data_text="Aucune donnée", disable_xml_declaration=True, width=900, height=360,
        x_label_rotation=30, show_minor_x_labels=False, dots_size=3, legend_at_bottom=True,
        range=(0, 1) if percent else None, value_formatter=(lambda v: f"{v:.0%}") if percent else str,
    )
    chart.x_labels = [d.strftime("%m/%Y") for d in dates]
    chart.x_labels_major = chart.x_labels[:: max(1, len(dates) // 8)]
    for index, (name, values) in enumerate(series.items()):
        chart.add(name, values, stroke_style={"width": 3, "dasharray": ("", "8, 4", "2, 4", "12, 4, 2, 4")[index % 4]})
    return _accessible(chart.render(is_unicode=True), title)


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]], *, percent: bool = True) -> Markup:
    chart = pygal.Bar(
        title=title, style=STYLE, js=[], no_data_text="Aucune donnée", disable_xml_declaration=True, width=900, height=360,
        x_label_rotation=30, legend_at_bottom=True, range=(0, 1) if percent else None,
        value_formatter=(lambda v: f"{v:.0%}") if percent else str, print_values=False,
    )
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _accessible(chart.render(is_unicode=True), title)
