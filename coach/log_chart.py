"""The week's pumping log as a bar chart (PNG), drawn on the server with matplotlib.

No chart library runs in the page and nothing is fetched from another host: the web chat shows the
PNG the assistant's own server returns, and the messaging channels send it as a photo.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no display on a server; must be chosen before pyplot is imported

from matplotlib import pyplot as plt  # noqa: E402

from coach import content  # noqa: E402
from coach.pumping_log import ML_PER_OZ  # noqa: E402

# Wide enough for seven labelled days on a phone, small enough to send quickly (about 20 kB).
FIGURE_INCHES = (6.0, 3.2)
DPI = 110


def week_chart_png(totals: Sequence[Tuple[date, float]]) -> bytes:
    """Bars of millilitres per day (ounces on the right-hand axis), oldest day first."""
    days = [d.strftime("%a\n%d %b") for d, _ in totals]
    values = [ml for _, ml in totals]
    fig, ax = plt.subplots(figsize=FIGURE_INCHES, dpi=DPI)
    try:
        bars = ax.bar(days, values, color="#3b7d6e")
        ax.set_ylabel(content.text("log_chart_ml_axis"))
        ax.set_title(content.text("log_chart_title"))
        ax.spines[["top", "right"]].set_visible(False)
        top = max(values) if values and max(values) > 0 else 100
        ax.set_ylim(0, top * 1.2)
        for bar, ml in zip(bars, values, strict=True):
            if ml:
                ax.annotate(f"{ml:g}", (bar.get_x() + bar.get_width() / 2, ml), ha="center", va="bottom", fontsize=8)
        oz = ax.secondary_yaxis("right", functions=(lambda ml: ml / ML_PER_OZ, lambda oz: oz * ML_PER_OZ))
        oz.set_ylabel(content.text("log_chart_oz_axis"))
        return figure_png(fig)
    finally:
        plt.close(fig)


def figure_png(fig: "plt.Figure") -> bytes:
    """The laid-out figure as PNG bytes (the caller closes it: pyplot keeps every open figure)."""
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


# The chart's address holds the week itself ("/webhooks/webchat/chart/2026-11-28/0-120-130-0-150-170-90.png"),
# so any server (or the Telegram channel, which uploads the photo) can draw it without reading the
# tracker store, and the address only ever shows the parent's own totals, which it was sent to.
CHART_PREFIX = "/webhooks/webchat/chart/"
_CHART_PATH = re.compile(r"^(?:/webhooks/webchat/chart/)?(\d{4}-\d{2}-\d{2})/(\d{1,5}(?:-\d{1,5}){6})\.png$")
# A day's total above this is not a pumping day (a typo would have been refused when logged).
MAX_DAY_ML = 20000


def chart_path(totals: Sequence[Tuple[date, float]]) -> str:
    end = totals[-1][0]
    return f"{CHART_PREFIX}{end.isoformat()}/{'-'.join(str(round(ml)) for _, ml in totals)}.png"


def parse_chart_path(path: str) -> Optional[List[Tuple[date, float]]]:
    """The week a chart address stands for, or None for an address that is not one."""
    match = _CHART_PATH.match(path)
    if not match:
        return None
    try:
        end = date.fromisoformat(match.group(1))
    except ValueError:
        return None
    values = [float(v) for v in match.group(2).split("-")]
    if any(v > MAX_DAY_ML for v in values):
        return None
    try:
        return [(end - timedelta(days=len(values) - 1 - k), v) for k, v in enumerate(values)]
    except OverflowError:  # a last day in the first six days of year 1: the week starts before the calendar
        return None
