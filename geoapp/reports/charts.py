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


# Room per group of bars in a horizontal chart, and for the title, axis and legend
ROW_PX, FRAME_PX = 52, 150
# the width of a CJK character of a 12 px label
LABEL_PX = 12


def bars(title: str, labels: list[str], series: dict[str, list], width: int = 960,
         height: int | None = None, colours=COLOURS, label_lang: str | None = None) -> str:
    """A grouped horizontal bar chart as an inline ``<svg>`` string (labels escaped).

    Horizontal, so every label is a whole name on one line beside its bars (never
    rotated over its neighbours nor broken); the chart grows by ROW_PX per label, so bars
    and their printed values never overlap, and labels are never cut short.

    Examples
    --------
    >>> svg = bars("隐患", ["东村", "<b>"], {"未销号": [1, 2]})
    >>> svg.startswith("<svg") and "&lt;b&gt;" in svg and "<script" not in svg
    True
    """
    # a label with no bar is left out: its empty row only pushed the others apart
    keep = [i for i in range(len(labels)) if any(values[i] for values in series.values())]
    labels = [labels[i] for i in keep]
    series = {name: [values[i] for i in keep] for name, values in series.items()}
    height = height or FRAME_PX + ROW_PX * max(len(labels), 1) * max(1, (len(series) + 1) // 2)
    config = _config(width=width, height=height, style=_style(colours), print_values=True,
                     print_zeroes=False)
    # the category labels of a horizontal chart are its y axis: shown, all of them
    config.pop("show_minor_y_labels")
    # pygal sizes the labels' room as if every character were a Latin one: a CJK one is
    # about twice as wide, and a long industry name was cut at the chart's edge
    config["margin_left"] = 8 + max((sum(LABEL_PX // 2 for ch in label if ord(ch) > 0x2e80)
                                     for label in labels), default=0)
    # counts: whole numbers on the value axis (pygal would mark 0.4, 0.8 …)
    top = max((v for values in series.values() for v in values if v), default=1)
    step = max(1, -(-top // 8))
    chart = pygal.HorizontalBar(**config, title=title,
                                y_labels=list(range(0, top + step + 1, step)))
    # pygal draws the first label at the bottom: reversed, the list reads top to bottom
    labels = list(reversed(labels))
    series = {name: list(reversed(values)) for name, values in series.items()}
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    svg = _svg(chart)
    if label_lang:  # the labels' language (GB/T names are Chinese in an English page too)
        start = svg.find('<g class="axis y">')
        end = svg.find('<g class="axis x', start)
        if start >= 0 and end > start:
            svg = svg[:start] + svg[start:end].replace(
                "<text ", f'<text lang="{label_lang}" ') + svg[end:]
    return svg


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
