"""The dashboard's charts: SVG drawn on the server by pygal, shown as `data:` images.

pygal writes the SVG with an XML serialiser (names from the state file are escaped as text), no
script is linked (`js=[]`: its default tooltip script lives on a CDN), its inline configuration
script is removed, and nothing external is referenced. As an image the SVG can run nothing at all, and the page's CSP (`img-src data:`)
admits it without loosening `style-src`. Every chart is shown next to a table of the same
numbers (the template's job), for screen readers and for print.
"""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

import pygal
from pygal.style import Style

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b2230",
    foreground_strong="#14213d",
    foreground_subtle="#5d6677",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    colors=("#b42318", "#2456d6", "#067647", "#a15c07", "#7a5af8", "#0e9384", "#c11574", "#475467", "#e04f16"),
)
_COMMENT = re.compile(r"<!--.*?-->", re.S)  # pygal's generator comment carries the date: dropped
SVG = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def _without_scripts(svg: str) -> str:
    """pygal always writes its configuration (series names included) as a <script>; an image
    would never run it, but the chart has no use for it either: every script element goes."""
    root = ElementTree.fromstring(svg)
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1].lower() == "script":
                parent.remove(child)
    return ElementTree.tostring(root, encoding="unicode")


def line_chart(
    x_labels: list[str], series: list[tuple[str, list[int]]], y_title: str = "", colors: tuple[str, ...] = ()
) -> str:
    """A line chart as a `data:image/svg+xml` URI (empty string when there is nothing to draw)."""
    if not x_labels or not series:
        return ""
    style = STYLE if not colors else Style(**{**STYLE.to_dict(), "colors": colors})
    chart = pygal.Line(
        js=[],
        width=760,
        height=320,
        explicit_size=True,
        disable_xml_declaration=True,
        style=style,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(4, len(series)),
        truncate_legend=28,
        show_minor_x_labels=len(x_labels) <= 16,
        x_labels_major_every=max(1, len(x_labels) // 12),
        dots_size=2.5,
        y_title=y_title,
        min_scale=4,
        margin=12,
        include_x_axis=True,
    )
    chart.x_labels = x_labels
    for name, values in series:
        chart.add(name, values)
    svg = _without_scripts(_COMMENT.sub("", chart.render(is_unicode=True)))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
