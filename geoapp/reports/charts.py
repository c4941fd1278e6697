"""Charts for the reports as SVG made on the server with pygal: nothing loads at run time.

Inline SVG needs no script, draws the same on screen and on paper (the
printable bulletin), and works offline. pygal escapes every label (it builds
the SVG with ElementTree); its only script, a config blob for its optional
pygal.js tooltips (which would come from a CDN), is dropped.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

FONT = 'system-ui, "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif'
COLOURS = ("#1f3a5f", "#f39800", "#e60012", "#0068b7", "#7a7a7a")


def _style(colours=COLOURS) -> Style:
    return Style(font_family=FONT, background="transparent", plot_background="#ffffff",
                 colors=colours, label_font_size=12, major_label_font_size=12,
                 legend_font_size=13, title_font_size=15, value_font_size=11)


def _config(**extra) -> dict:
    return {"js": [], "disable_xml_declaration": True, "legend_at_bottom": True,
            "legend_at_bottom_columns": 4, "truncate_label": -1, "truncate_legend": -1,
            "show_minor_y_labels": False, "min_scale": 4, "max_scale": 8, **extra}


def _svg(chart) -> str:
    svg = re.sub(r"<script\b.*?</script>", "", chart.render(is_unicode=True), flags=re.S)
    # the hidden tooltip's inline style= would need CSP 'unsafe-inline' (geoapp.web.headers);
    # the tooltip is pygal.js's, which is not loaded
    return svg.replace(' style="opacity: 0"', "")


def bars(title: str, labels: list[str], series: dict[str, list], width: int = 960,
         height: int = 380, colours=COLOURS) -> str:
    """A grouped bar chart as an inline ``<svg>`` string (labels escaped).

    Examples
    --------
    >>> svg = bars("隐患", ["东村", "<b>"], {"未销号": [1, 2]})
    >>> svg.startswith("<svg") and "&lt;b&gt;" in svg and "<script" not in svg
    True
    """
    # rotated labels only when many: pygal's bottom legend then needs the room
    rotate = 30 if len(labels) > 24 else 0
    chart = pygal.Bar(**_config(width=width, height=height, style=_style(colours),
                           x_label_rotation=rotate,
                           print_values=True, print_zeroes=False), title=title)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart)


def line(title: str, labels: list[str], series: dict[str, list], width: int = 960,
         height: int = 320, colours=COLOURS, legend_columns: int = 4) -> str:
    """A line chart (one point per label) as an inline ``<svg>`` string (``legend_columns``:
    fewer for a narrow chart, whose legend's names would run into each other)."""
    chart = pygal.Line(**_config(width=width, height=height, x_label_rotation=0, dots_size=4,
                               style=_style(colours), print_values=True,
                               print_zeroes=False, legend_at_bottom_columns=legend_columns),
                       title=title)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart)


def hbars(title: str, labels: list[str], series: dict[str, list], width: int = 560,
          height: int = 420, colours=COLOURS) -> str:
    """Grouped horizontal bars (names read across, for a narrow panel) as an inline ``<svg>``.

    Examples
    --------
    >>> svg = hbars("隐患", ["东村", "<b>"], {"未销号": [1, 2]})
    >>> svg.startswith("<svg") and "&lt;b&gt;" in svg and "<script" not in svg
    True
    """
    # pygal swaps the axes: the names are the y labels here, the counts the x labels
    chart = pygal.HorizontalBar(**_config(width=width, height=height, style=_style(colours),
                                          print_values=True, print_zeroes=False,
                                          show_minor_y_labels=True, show_minor_x_labels=False),
                                title=title)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart)
