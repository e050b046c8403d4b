"""Charts for the Outcomes page, drawn on the server as PNG with matplotlib: the app's CSP allows only
images from itself, and its pages work without JavaScript."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a server; must be chosen before pyplot is imported

from matplotlib import pyplot as plt  # noqa: E402

from coach.log_chart import figure_png  # noqa: E402

# Wide enough for twelve labelled weeks, small enough to load at once (about 20-30 kB each).
FIGURE_INCHES = (7.0, 3.0)
DPI = 100
# Colour-blind-safe (Okabe-Ito) colours, one per series, in order.
COLOURS = ("#009E73", "#E69F00", "#D55E00", "#999999", "#0072B2")


def bars_png(labels: Sequence[str], series: Dict[str, Sequence[float]], title: str, ylabel: str,
             stacked: bool = False, percent: bool = False) -> bytes:
    """Grouped (or stacked) bars, one group per label; an empty chart still renders, with its title."""
    fig, ax = plt.subplots(figsize=FIGURE_INCHES, dpi=DPI)
    try:
        n = max(1, len(series))
        width = 0.8 if stacked else 0.8 / n
        bottom = [0.0] * len(labels)
        for k, (name, values) in enumerate(series.items()):
            xs = list(range(len(labels))) if stacked else [i - 0.4 + width * (k + 0.5) for i in range(len(labels))]
            ax.bar(xs, values, width, bottom=bottom if stacked else None, label=name, color=COLOURS[k % len(COLOURS)])
            if stacked:
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if percent:
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(xmax=1.0))
        ax.spines[["top", "right"]].set_visible(False)
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False)
        return figure_png(fig)
    finally:
        plt.close(fig)


def share_or_zero(value: Optional[float]) -> float:
    return value if value is not None else 0.0
