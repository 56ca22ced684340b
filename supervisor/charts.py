"""Bar charts drawn on the server as SVG: nothing to download, nothing run in the browser, and
the same picture on screen and on paper. Colours and text pass WCAG contrast on white."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR = "#00377a"
SECOND = "#8a1c00"
TEXT = "#101010"
GRID = "#6b6b6b"


def bars(
    title: str, rows: list[tuple[str, float | None]], unit: str = "", second: list | None = None
) -> Markup:
    """Horizontal bars, one row per label; `second` adds a second bar per row (e.g. p90 beside
    the median), drawn below the first in another colour."""
    label_width, bar_width, row_height = 150, 250, 44 if second else 32
    height = 12 + row_height * max(len(rows), 1)
    values = [v for _, v in rows if v] + [v for v in (second or []) if v]
    top = max(values) if values else 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_width + bar_width + 70} '
        f'{height}" role="img" aria-label="{escape(title)}">'
    ]
    parts.append(
        f'<line x1="{label_width}" y1="4" x2="{label_width}" y2="{height - 4}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(rows):
        y = 8 + i * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-size="18" '
            f'fill="{TEXT}">{escape(_clip(label))}</text>'
        )
        pairs = [(value, BAR, 0)]
        if second is not None:
            pairs.append((second[i], SECOND, 18))
        for amount, colour, offset in pairs:
            width = 0 if not amount else max(2, round(bar_width * amount / top))
            thickness = 16 if second is not None else 22
            parts.append(
                f'<rect x="{label_width + 1}" y="{y + offset}" width="{width}" '
                f'height="{thickness}" fill="{colour}"/>'
            )
            shown = "–" if amount is None else f"{_number(amount)}{unit}"
            parts.append(
                f'<text x="{label_width + width + 6}" y="{y + offset + thickness - 2}" '
                f'font-size="16" fill="{TEXT}">{escape(shown)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title: str, rows: list[tuple[str, int]]) -> Markup:
    """Vertical bars for a sequence (tickets per hour)."""
    width, height, base = 440, 220, 185
    top = max((v for _, v in rows), default=0) or 1
    step = (width - 20) / max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{GRID}" '
        'stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(rows):
        x = 10 + i * step
        bar = round((base - 28) * value / top)
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{base - bar}" width="{step * 0.7:.1f}" '
            f'height="{bar}" fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{base - bar - 4}" text-anchor="middle" '
            f'font-size="16" fill="{TEXT}">{value}</text>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{base + 22}" text-anchor="middle" font-size="16" '
            f'fill="{TEXT}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _clip(label: str, longest: int = 14) -> str:
    return label if len(label) <= longest else label[: longest - 1] + "…"
