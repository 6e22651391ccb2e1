"""Small charts as inline SVG text: a ring, bars with a limit, a running total and columns.

Standard library only (a charting library would weigh on a cold start): each function returns one ``<svg>``
element that scales to its container's width (``viewBox``) and draws with the page's system font. Every text
is escaped here, whatever the caller passes. Colours are attributes that a page's CSS may override by class
(``track``, ``bar``, ``alert``, ``goal``, ``axis``, ``label``, ``muted``).

Text cannot be measured without a font, so :func:`text_width` estimates it (Hangul and other wide characters
one em, Latin narrower) and labels are wrapped or cut with "…" to stay inside the drawing.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from chalicelib.domain.record import record

WIDTH = 320  # the drawing's width in its own units: about a phone's column, so text stays near its CSS size
FONT = 13
SMALL = 11
MAX_COLUMN = 24.0  # a column's widest, when there are few

INK = "#1f2937"
MUTED = "#6b7280"
TRACK = "#e5e7eb"
BAR = "#2563eb"
ALERT = "#ea580c"
GOAL = "#16a34a"


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    """``text`` safe as HTML or SVG text and as a quoted attribute value (what ``html.escape`` does, without
    importing ``html``, whose entity table alone costs more than this whole module)."""
    return str(text).translate(_ESCAPES)


@record(frozen=True)
class Row:
    """One bar: its label, its value, the limit it fills towards (a capacity or a head count; None = none),
    the text beside it ('3/5명 · 남은 2') and whether it stands out (a full option)."""

    label: str
    value: float
    limit: float | None = None
    note: str = ""
    alert: bool = False


def text_width(text: str, size: float = FONT) -> float:
    """About how wide ``text`` is at ``size``: wide characters (Hangul, CJK, full-width) one em, capitals and
    digits 0.62 em, other Latin 0.55 em, a space 0.3 em (a little more than most system fonts need)."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch == " ":
            em += 0.3
        elif ch.isupper() or ch.isdigit():
            em += 0.62
        else:
            em += 0.55
    return em * size


def fit(text: str, width: float, size: float = FONT) -> str:
    """``text`` as it fits in ``width``: whole, or cut with '…'."""
    if text_width(text, size) <= width:
        return text
    room = width - text_width("…", size)
    out = ""
    for ch in text:
        if text_width(out + ch, size) > room:
            break
        out += ch
    return out.rstrip() + "…"


def wrap(text: str, width: float, size: float = FONT, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width``, broken at a space where one is near, the last cut
    with '…' when the text is longer still."""
    out: list[str] = []
    rest = " ".join(text.split())
    while rest and len(out) < lines - 1 and text_width(rest, size) > width:
        cut = len(fit(rest, width, size).rstrip("…"))
        space = rest.rfind(" ", 0, cut + 1)
        if space > cut // 2:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(fit(rest, width, size))
    return out or [""]


def nice_ceiling(n: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``n`` (1 for nothing)."""
    if n <= 1:
        return 1
    power = 10 ** math.floor(math.log10(n))
    for step in (1, 2, 5, 10):
        if step * power >= n:
            return int(step * power)
    return int(10 * power)  # pragma: no cover (the loop ends at 10)


def _svg(height: float, label: str, body: list[str], width: int = WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_n(height)}" width="100%" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>' + "".join(body) + "</svg>"
    )


def _n(x: float) -> str:
    """A coordinate, short."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float, y: float, text: str, size: float = FONT, cls: str = "label", anchor: str = "start", bold: bool = False
) -> str:
    colour = MUTED if cls == "muted" else INK
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" fill="{colour}"{weight} '
        f'class="{cls}">{escape(text)}</text>'
    )


def ring(part: float, whole: float, big: str, small: str = "", label: str = "") -> str:
    """A ring filled ``part / whole`` of the way round (from the top, clockwise), ``big`` and ``small`` in it."""
    size, stroke = 120, 14
    r = (size - stroke) / 2
    c = size / 2
    share = max(0.0, min(1.0, part / whole)) if whole > 0 else 0.0
    length = 2 * math.pi * r
    body = [
        f'<circle cx="{_n(c)}" cy="{_n(c)}" r="{_n(r)}" fill="none" stroke="{TRACK}" stroke-width="{stroke}" '
        'class="track"/>'
    ]
    if share > 0:
        cap = "butt" if share >= 1 else "round"
        body.append(
            f'<circle cx="{_n(c)}" cy="{_n(c)}" r="{_n(r)}" fill="none" stroke="{BAR}" stroke-width="{stroke}" '
            f'stroke-dasharray="{length * share:.2f} {length:.2f}" stroke-linecap="{cap}" '
            f'transform="rotate(-90 {_n(c)} {_n(c)})" class="bar"/>'
        )
    body.append(_text(c, c + (2 if small else 8), fit(big, size - 2 * stroke - 8, 24), 24, anchor="middle", bold=True))
    if small:
        body.append(_text(c, c + 20, fit(small, size - 2 * stroke - 8, SMALL), SMALL, "muted", "middle"))
    return _svg(size, label or big, body, width=size)


def bars(rows: Sequence[Row], label: str) -> str:
    """Horizontal bars, one per row, on one scale: the label above (two lines at most), the bar, and its note
    to the right. A row with a limit shows the limit as the bar's track; without, the track is faint."""
    if not rows:
        return ""
    note_w = min(WIDTH * 0.45, max(text_width(r.note, SMALL) for r in rows) + 6)
    bar_w = WIDTH - note_w
    top = max(max((r.value for r in rows), default=0), max((r.limit or 0 for r in rows), default=0))
    scale = bar_w / top if top > 0 else 0.0
    body: list[str] = []
    y = 0.0
    for r in rows:
        for line in wrap(r.label, WIDTH, FONT):
            y += FONT + 3
            body.append(_text(0, y, line))
        y += 5
        track = (r.limit if r.limit is not None else top) * scale
        fill = ALERT if r.alert else BAR
        if r.limit is not None:
            body.append(
                f'<rect x="0" y="{_n(y)}" width="{_n(max(track, 1))}" height="12" rx="3" fill="{TRACK}" class="track"/>'
            )
        else:
            body.append(
                f'<rect x="0" y="{_n(y)}" width="{_n(bar_w)}" height="12" rx="3" fill="{TRACK}" '
                'fill-opacity="0.45" class="track faint"/>'
            )
        if r.value > 0:
            body.append(
                f'<rect x="0" y="{_n(y)}" width="{_n(max(r.value * scale, 2))}" height="12" rx="3" fill="{fill}" '
                f'class="{"alert" if r.alert else "bar"}"/>'
            )
        body.append(_text(WIDTH, y + 10.5, fit(r.note, note_w - 4, SMALL), SMALL, "muted", "end"))
        y += 12 + 10
    return _svg(y - 4, label, body)


def _ticks(top: int) -> list[int]:
    return [0, top // 2, top] if top >= 2 and top % 2 == 0 else [0, top]


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float, left: float, right: float) -> list[str]:
    """The first, the last and (with room) the middle label, each under its point and kept inside the plot."""
    n = len(labels)
    picks = [0] if n == 1 else [0, n // 2, n - 1] if n >= 5 else [0, n - 1]
    out: list[str] = []
    for i in picks:
        text = fit(labels[i], (right - left) / 3, SMALL)
        half = text_width(text, SMALL) / 2
        x = max(left + half, min(xs[i], right - half))  # under its point, but inside the plot
        out.append(_text(x, y, text, SMALL, "muted", "middle"))
    return out


def running(values: Sequence[float], labels: Sequence[str], goal: float | None, goal_label: str, label: str) -> str:
    """A running total as a filled line (one point per label), with a dashed line at ``goal`` when given."""
    if not values:
        return ""
    height, right, top_pad, bottom = 170.0, WIDTH - 4.0, 16.0, 146.0
    top = nice_ceiling(max(max(values), goal or 0))
    left = _axis_room(top)
    ys = [bottom - (v / top) * (bottom - top_pad) for v in values]
    xs = _centres(len(values), left, right)
    body = _grid(top, left, right, top_pad, bottom)
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in zip(xs, ys, strict=True))
    if len(values) > 1:
        area = f"{_n(xs[0])},{_n(bottom)} {points} {_n(xs[-1])},{_n(bottom)}"
        body.append(f'<polygon points="{area}" fill="{BAR}" fill-opacity="0.15" class="bar area"/>')
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{BAR}" stroke-width="2.5" '
            'stroke-linejoin="round" class="bar line"/>'
        )
    body.append(f'<circle cx="{_n(xs[-1])}" cy="{_n(ys[-1])}" r="3.5" fill="{BAR}" class="bar"/>')
    if goal:
        gy = bottom - (goal / top) * (bottom - top_pad)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(gy)}" x2="{_n(right)}" y2="{_n(gy)}" stroke="{GOAL}" '
            'stroke-width="1.5" stroke-dasharray="5 4" class="goal"/>'
        )
        body.append(_text(right, gy - 4, goal_label, SMALL, "muted", "end"))
    body += _x_labels(labels, xs, height - 6, left, right)
    return _svg(height, label, body)


def columns(values: Sequence[float], labels: Sequence[str], label: str) -> str:
    """A column per value (a count per hour, day or week) on a scale from 0."""
    if not values:
        return ""
    height, right, top_pad, bottom = 130.0, WIDTH - 4.0, 10.0, 106.0
    top = nice_ceiling(max(values))
    left = _axis_room(top)
    xs = _centres(len(values), left, right)
    width = min(MAX_COLUMN, max(1.0, (right - left) / len(values) * 0.72))
    body = _grid(top, left, right, top_pad, bottom)
    for centre, v in zip(xs, values, strict=True):
        x = centre - width / 2
        if v > 0:
            h = max(1.5, (v / top) * (bottom - top_pad))
            body.append(
                f'<rect x="{_n(x)}" y="{_n(bottom - h)}" width="{_n(width)}" height="{_n(h)}" rx="1.5" '
                f'fill="{BAR}" class="bar"/>'
            )
    body += _x_labels(labels, xs, height - 6, left, right)
    return _svg(height, label, body)


def _centres(n: int, left: float, right: float) -> list[float]:
    """The middles of ``n`` equal slots from ``left`` to ``right``: a running total and the columns of the
    same stretches line up when drawn one above the other."""
    slot = (right - left) / n
    return [left + slot * (i + 0.5) for i in range(n)]


def _axis_room(top: int) -> float:
    """Where the plot starts: after the widest number on its axis (the top one) and a gap."""
    return max(24.0, text_width(f"{top:,}", SMALL) + 10)


def _grid(top: int, left: float, right: float, top_pad: float, bottom: float) -> list[str]:
    out: list[str] = []
    for t in _ticks(top):
        y = bottom - (t / top) * (bottom - top_pad)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" stroke="{TRACK}" '
            f'stroke-width="1" class="axis"/>'
        )
        out.append(_text(left - 6, y + 4, f"{t:,}", SMALL, "muted", "end"))
    return out
