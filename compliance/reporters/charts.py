"""Charts for the HTML report and the local dashboard, drawn by pygal on our side as SVG.

Pages carry no chart script and fetch nothing: the SVG goes into an ``<img>`` as a ``data:`` URI.
An image document runs no script and loads no resource, and the pages' CSP (``img-src data:``)
already admits it, so a label that came from a rule file or a database cannot become markup in
the page. pygal escapes the text it writes; each chart still has a table beside it (screen
readers, print), which the caller renders. Output is deterministic: pygal's random chart id and
dated comments are taken out, so the same numbers give the same bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

# The report's status colours (reports/templates/_styles.html.j2), so chart and table agree.
STATUS_COLOURS = {
    "violation": "#d92d20",
    "review": "#f5a524",
    "compliant": "#12b76a",
    "clear": "#c3cad6",
    "error": "#7a5af8",
}
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def _pygal() -> Any:
    """pygal, imported when a chart is first drawn: importing it takes about a quarter of a second,
    and every command that loads the reporters (`compliance check` too) would pay it otherwise."""
    import pygal
    import pygal.style

    return pygal


def _style(colours: Sequence[str]) -> Any:
    return _pygal().style.Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1b2230",
        foreground_strong="#1b2230",
        foreground_subtle="#5d6677",
        font_family=FONT,
        label_font_size=12,
        major_label_font_size=12,
        title_font_size=15,
        legend_font_size=12,
        value_font_size=11,
        opacity="1",
        opacity_hover="1",
        transition="0s",
        guide_stroke_color="#c9d0db",
        guide_stroke_dasharray="2,4",
        major_guide_stroke_color="#c9d0db",
        major_guide_stroke_dasharray="2,4",
        colors=tuple(colours),
    )


def _deterministic(root: Any) -> Any:
    """Drop pygal's comments (one carries today's date), its config script (inert in an image,
    and it repeats every option) and its random root id."""
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    root.attrib.pop("id", None)
    return root


def _render(chart: Any) -> str:
    chart.add_xml_filter(_deterministic)
    return str(chart.render(is_unicode=True))


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | float | None], str]],
    *,
    horizontal: bool = True,
    stacked: bool = True,
    width: int = 800,
    height: int | None = None,
) -> str:
    """A bar chart as SVG text. `series` is (name, one value per label, colour) each; `None`
    draws no bar.

    Horizontal bars are the default: long labels (rule ids, jurisdiction names) read across,
    and the first label is drawn at the top (pygal starts at the bottom), like a table.
    """
    order = slice(None, None, -1) if horizontal else slice(None)
    pygal = _pygal()
    kinds = {
        (True, True): pygal.HorizontalStackedBar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (False, False): pygal.Bar,
    }
    rows = max(len(labels), 1)
    chart = kinds[(horizontal, stacked)](
        js=[],  # pygal's tooltip script would come from a CDN: never
        disable_xml_declaration=True,
        no_prefix=True,  # one chart per image document: no id-prefixed CSS needed
        style=_style([colour for _, _, colour in series]),
        width=width,
        height=height or (max(160, 90 + 30 * rows) if horizontal else 360),
        legend_at_bottom=True,
        legend_at_bottom_columns=max(len(series), 1),
        print_values=False,
        show_y_guides=not horizontal,
        show_x_guides=horizontal,
        truncate_label=-1,
        margin=12,
    )
    chart.title = title
    chart.x_labels = list(labels)[order]
    for name, values, _colour in series:
        chart.add(name, list(values)[order])
    return _render(chart)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | float | None], str]],
    *,
    width: int = 800,
    height: int = 320,
    y_title: str = "",
) -> str:
    """A line chart as SVG text (trends over scans); `None` values leave a gap."""
    chart = _pygal().Line(
        js=[],
        disable_xml_declaration=True,
        no_prefix=True,
        style=_style([colour for _, _, colour in series]),
        width=width,
        height=height,
        legend_at_bottom=True,
        x_label_rotation=30 if len(x_labels) > 8 else 0,
        show_minor_x_labels=len(x_labels) <= 16,
        x_labels_major_every=max(1, len(x_labels) // 8),
        truncate_label=-1,
        allow_interruptions=True,
        margin=12,
        explicit_size=True,  # width/height on the <svg>: an <img> would otherwise size it 300x150
        y_title=y_title or None,
        include_x_axis=True,  # counts: the axis starts at zero, a flat line is not a cliff
        min_scale=4,
        dots_size=2.5,
        truncate_legend=28,
    )
    chart.title = title
    chart.x_labels = list(x_labels)
    for name, values, _colour in series:
        chart.add(name, list(values))
    return _render(chart)


def data_uri(svg: str) -> str:
    """The SVG as a data: URI for ``<img src>`` (the only form the pages' CSP admits)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
