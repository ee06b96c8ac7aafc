"""A balance-over-time chart as plain SVG geometry: integer maths, no chart library, no script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 16, 24  # room for the axis labels drawn by the template


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    line: str  # polyline points
    area: str  # closed path under the line
    baseline_y: int
    top_y: int
    low_cents: int
    high_cents: int
    first: tuple[date, int]
    last: tuple[date, int]
    points: list[tuple[int, int, date, int]]  # x, y, day, cents


def balance_chart(series: list[tuple[date, int]]) -> Chart | None:
    """Scale (day, cents) points into the SVG box; None when there is nothing to draw."""
    if len(series) < 2:
        return None
    values = [cents for _, cents in series]
    low, high = min(0, min(values)), max(values)
    span = (high - low) or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    last_index = len(series) - 1
    points = [
        (LEFT + index * inner_w // last_index, TOP + inner_h - (cents - low) * inner_h // span, day, cents)
        for index, (day, cents) in enumerate(series)
    ]
    line = " ".join(f"{x},{y}" for x, y, _, _ in points)
    baseline = TOP + inner_h
    area = f"M{points[0][0]},{baseline} L" + " L".join(f"{x},{y}" for x, y, _, _ in points)
    area += f" L{points[-1][0]},{baseline} Z"
    return Chart(WIDTH, HEIGHT, line, area, baseline, TOP, low, high, series[0], series[-1], points)
