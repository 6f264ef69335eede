"""Inline SVG charts for the HTML report: no scripts, no external assets."""

from __future__ import annotations

from datetime import date
from html import escape

from markupsafe import Markup

from service.scoring.rules import add_months

INK, MUTED, GRID, BAR = "#111827", "#6b7280", "#e5e7eb", "#2563eb"
SERIES_COLOURS = ["#b91c1c", "#ea580c", "#ca8a04", "#16a34a", "#2563eb", "#7c3aed"]


def _attrs(attributes: dict[str, object]) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attributes.items()
    )


def el(tag: str, text: str | None = None, **attributes: object) -> str:
    """One SVG element; attribute values and text are escaped."""
    if text is None:
        return f"<{tag} {_attrs(attributes)}/>"
    return f"<{tag} {_attrs(attributes)}>{escape(text)}</{tag}>"


def svg(label: str, width: int, height: int, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    )
    # Every piece was built by el(), which escapes text and attribute values.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def category_bars(scores: list[tuple[str, float]]) -> Markup:
    """Horizontal bars, one per category, 0 to 100."""
    row, left, scale, width = 34, 170, 3.5, 560
    height = row * len(scores) + 30
    body = []
    for tick in range(0, 101, 25):
        x = left + tick * scale
        body.append(el("line", x1=x, y1=0, x2=x, y2=height - 20, stroke=GRID))
        body.append(
            el("text", str(tick), x=x, y=height - 5, font_size=11, text_anchor="middle", fill=MUTED)
        )
    for i, (label, score) in enumerate(scores):
        y = i * row + 6
        length = round(max(score, 0.5) * scale, 1)
        body.append(el("text", label, x=left - 8, y=y + 17, font_size=13, text_anchor="end"))
        body.append(el("rect", class_="bar", x=left, y=y, width=length, height=22, rx=3, fill=BAR))
        body.append(el("text", f"{score:.1f}", x=left + length + 6, y=y + 16, font_size=12))
    return svg("Score per category", width, height, body)


def gap_bars(title: str, counts: list[tuple[str, int]]) -> Markup:
    """Vertical bars of gap counts."""
    width, height, base = 320, 200, 160
    top = max([n for _, n in counts] + [1])
    slot = (width - 20) / max(len(counts), 1)
    body = [el("line", x1=10, y1=base, x2=width - 10, y2=base, stroke=GRID)]
    for i, (label, count) in enumerate(counts):
        bar = 130 * count / top
        x = round(10 + i * slot + slot * 0.2, 1)
        middle = round(x + slot * 0.3, 1)
        body.append(
            el(
                "rect",
                class_="bar",
                x=x,
                y=round(base - bar, 1),
                width=round(slot * 0.6, 1),
                height=round(max(bar, 1), 1),
                fill=SERIES_COLOURS[i % len(SERIES_COLOURS)],
            )
        )
        body.append(
            el(
                "text",
                str(count),
                x=middle,
                y=round(base - bar - 4, 1),
                font_size=12,
                text_anchor="middle",
            )
        )
        body.append(
            el("text", label, x=middle, y=base + 16, font_size=11, text_anchor="middle", fill=MUTED)
        )
    return svg(title, width, height, body)


def timeline(today: date, start: date | None, report: date | None, window_months: int) -> Markup:
    """Today, the observation window and the report date on one axis."""
    width, height = 640, 120
    if start is None or report is None:
        return Markup('<p class="muted">No timeline: the report date could not be estimated.</p>')
    first = min(today, start)
    span = max((report - first).days, 1)

    def x(day: date) -> float:
        return round(30 + (width - 60) * (day - first).days / span, 1)

    body = [el("line", x1=30, y1=60, x2=width - 30, y2=60, stroke=MUTED, stroke_width=2)]
    # The observation window (Type II) or the design point in time (Type I).
    window_end = min(add_months(start, window_months), report) if window_months else start
    body.append(
        el(
            "rect",
            class_="bar",
            x=x(start),
            y=48,
            width=max(x(window_end) - x(start), 3),
            height=24,
            fill=BAR,
            opacity=0.8,
        )
    )
    marks = (
        ("today", today, 30, "start"),
        ("window starts", start, 100, "middle"),
        ("report", report, 30, "end"),
    )
    for label, day, y, anchor in marks:
        body.append(el("circle", cx=x(day), cy=60, r=6, fill=INK))
        # The first and last labels grow inwards so that they are never clipped.
        edge = {"start": -6, "middle": 0, "end": 6}[anchor]
        body.append(
            el(
                "text",
                f"{label} {day.isoformat()}",
                x=x(day) + edge,
                y=y,
                font_size=12,
                text_anchor=anchor,
            )
        )
    return svg("Timeline to the report", width, height, body)
