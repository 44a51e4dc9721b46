"""Charts drawn on the server as SVG (no JavaScript): the indicators of a programme as bars,
and conventions on a timeline. Each chart is an `<svg role="img">` with a title and a
description; the page also shows the same figures as a table or a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from .domain import ConventionSummary, Period
from .indicators import IndicatorSeries, Observation
from .locales import format_money, format_number
from .namespaces import PREFIXES
from .words import words as interface_words

CALENDAR_YEAR = PREFIXES["coop"] + "unit/calendar-year"  # a value in it is a year, written as such
WIDTH = 420
LEFT, RIGHT = 8, 8
BAR_HEIGHT, LINE = 14, 17
TEXT_CHARS = 52  # characters per line of a wrapped label at the chart's font size
COLOURS = ("#0b5394", "#8a4b08", "#2f6b2f", "#6a3d9a")  # each ≥ 4.5:1 on white


def value_text(obs: Observation, lang: str) -> str:
    """Return an observation's value with its qualifier and unit, written the reader's way:
    'plus de 6 000 personnes', '465 family farms', '2,8 M €' (an amount in its currency)."""
    prefix = interface_words(lang).more_than + " " if obs.is_lower_bound else ""
    if obs.currency and obs.number is not None:
        return prefix + format_money(obs.number, obs.currency, lang)
    if obs.unit and obs.unit.iri == CALENDAR_YEAR and obs.number is not None:  # a year, not a count of years
        return f"{prefix}{obs.number:f}"
    unit = obs.unit.label_for(obs.number, lang) if obs.unit else ""
    return f"{prefix}{format_number(obs.number, lang)} {unit}".strip()


def _wrap(text: str, width: int = TEXT_CHARS) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def indicator_chart(series: Sequence[IndicatorSeries], lang: str, chart_id: str = "indicators") -> str:
    """Return an SVG bar chart: for each indicator, one bar per observation, scaled to the
    largest value of that indicator; a lower bound ('more than') ends in an open arrow."""
    words = interface_words(lang)
    parts: list[str] = []
    summary: list[str] = []
    y = 8
    span = WIDTH - LEFT - RIGHT - 200  # the rest holds the value
    for s in series:
        for line in _wrap(s.indicator.label(lang)):
            y += LINE
            parts.append(f'<text x="{LEFT}" y="{y}" class="chart-label">{escape(line)}</text>')
        top = max((o.number for o in s.observations if o.number is not None), default=Decimal(0))
        for i, obs in enumerate(s.observations):
            y += 6
            length = float(obs.number / top) * span if top and obs.number is not None and top > 0 else 0
            colour = COLOURS[i % len(COLOURS)]
            parts.append(
                f'<rect x="{LEFT}" y="{y}" width="{max(length, 2):.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            )
            end = LEFT + max(length, 2)
            if obs.is_lower_bound:
                parts.append(
                    f'<path d="M{end:.1f} {y} l10 {BAR_HEIGHT / 2} l-10 {BAR_HEIGHT / 2}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
                end += 10
            text = value_text(obs, lang)
            parts.append(f'<text x="{end + 6:.1f}" y="{y + BAR_HEIGHT - 3}" class="chart-value">{escape(text)}</text>')
            summary.append(f"{s.indicator.label(lang)}: {text}")
            y += BAR_HEIGHT
        y += 8
    title = f"{words.indicators} ({words.chart_own_scale})"
    return _svg(chart_id, title, "; ".join(summary), y + 8, parts)


def timeline_chart(
    conventions: Sequence[ConventionSummary],
    lang: str,
    lead: tuple[str, Period | None] | None = None,
    chart_id: str = "timeline",
) -> str:
    """Return an SVG timeline: one bar per convention (and the programme) from its start year
    to its end year (`lead`, a (label, period) pair, comes first); a period with no end runs
    to the edge with a dashed, open end. Returns '' when no period has a start year."""
    words = interface_words(lang)
    items = [(c.resource.label(lang), c.period) for c in conventions if c.period and c.period.start_year]
    if lead and lead[1] and lead[1].start_year:
        items.insert(0, lead)
    if not items:
        return ""
    years = [p.start_year for _, p in items] + [p.end_year for _, p in items if p.end_year]
    first, last = min(years), max(years) + 1
    margin = 16  # room for the first and last year's tick labels
    span = WIDTH - 2 * margin

    def x(year: int) -> float:
        return margin + (year - first) / max(last - first, 1) * span

    parts, summary, y = [], [], 8
    for i, (label, period) in enumerate(items):
        colour = COLOURS[i % len(COLOURS)]
        end = x(period.end_year) if period.end_year else margin + span
        for line in _wrap(label):
            y += LINE
            parts.append(f'<text x="{LEFT}" y="{y}" class="chart-label">{escape(line)}</text>')
        y += 4
        dash = "" if period.end_year else ' stroke-dasharray="4 3"'
        parts.append(
            f'<rect x="{x(period.start_year):.1f}" y="{y}" width="{max(end - x(period.start_year), 2):.1f}" '
            f'height="{BAR_HEIGHT}" fill="{colour}" fill-opacity="{1 if period.end_year else 0.35}" '
            f'stroke="{colour}"{dash}/>'
        )
        until = str(period.end_year) if period.end_year else words.open_end
        summary.append(f"{label}: {period.start_year}–{until}")
        y += BAR_HEIGHT + 4
    y += 6
    for year in range(first, last + 1):
        parts.append(f'<line x1="{x(year):.1f}" x2="{x(year):.1f}" y1="{y - 4}" y2="{y}" stroke="#4a5561"/>')
        parts.append(f'<text x="{x(year):.1f}" y="{y + 14}" class="chart-axis" text-anchor="middle">{year}</text>')
    parts.append(f'<line x1="{margin}" x2="{margin + span}" y1="{y}" y2="{y}" stroke="#4a5561"/>')
    return _svg(chart_id, words.chart_timeline, "; ".join(summary), y + 22, parts)


def _svg(chart_id: str, title: str, description: str, height: float, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'class="chart" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
