"""Cut scores: checking an edited table and placing a score in its tier.

Rows run from the highest minimum down and exactly one starts at 0, so every score from 0 to
100 falls in exactly one tier; a tier's maximum is the next tier's minimum (exclusive), the
top tier's is 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from deskmetrics.errors import InputError
from deskmetrics.health.model import INSUFFICIENT, INSUFFICIENT_COLOUR, CutScore

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_cut_scores(rows: Iterable[CutScore | Mapping]) -> list[CutScore]:
    """The rows as cut scores, or InputError listing every problem by row number (from 1)."""
    cuts = [r if isinstance(r, CutScore) else _from_mapping(r) for r in rows]
    problems: list[str] = []
    if not cuts:
        raise InputError("cut scores: add at least one row (one must start at 0)")
    seen: dict[str, int] = {}
    for number, cut in enumerate(cuts, start=1):
        label = f"row {number}" + (f" ({cut.name})" if cut.name.strip() else "")
        if not cut.name.strip():
            problems.append(f"{label}: give the tier a name")
        elif cut.name.strip().casefold() in seen:
            problems.append(
                f"{label}: the name is already used by row {seen[cut.name.strip().casefold()]}"
            )
        else:
            seen[cut.name.strip().casefold()] = number
        if cut.name.strip().casefold() == INSUFFICIENT.casefold():
            problems.append(f"{label}: {INSUFFICIENT!r} is reserved for low coverage")
        if not COLOUR.match(cut.colour or ""):
            problems.append(f"{label}: colour {cut.colour!r} is not written #RRGGBB")
        if not 0 <= cut.min_score <= 100:
            problems.append(f"{label}: minimum {cut.min_score:g} is outside 0-100")
        if number > 1 and cut.min_score >= cuts[number - 2].min_score:
            problems.append(
                f"{label}: minimum {cut.min_score:g} must be below row {number - 1}'s "
                f"{cuts[number - 2].min_score:g} (list tiers from the highest minimum down)"
            )
    zeros = [n for n, c in enumerate(cuts, start=1) if c.min_score == 0]
    if len(zeros) != 1:
        which = "none does" if not zeros else f"rows {', '.join(map(str, zeros))} do"
        problems.append(f"exactly one row must have minimum 0 ({which})")
    if problems:
        raise InputError("cut scores not saved:\n  " + "\n  ".join(problems))
    return [CutScore(c.name.strip(), c.colour.lower(), float(c.min_score)) for c in cuts]


def _from_mapping(row: Mapping) -> CutScore:
    try:
        minimum = float(row.get("min_score", ""))
    except (TypeError, ValueError):
        minimum = float("nan")
    return CutScore(str(row.get("name") or ""), str(row.get("colour") or ""), minimum)


def maxima(cuts: list[CutScore]) -> list[float]:
    """Each tier's upper bound: the minimum of the tier above (exclusive), 100 for the top."""
    return [100.0, *(c.min_score for c in cuts[:-1])]


def tier_of(score: float | None, cuts: list[CutScore]) -> CutScore:
    """The tier a score falls in; None (not enough data) gives the Insufficient data tier."""
    if score is None:
        return CutScore(INSUFFICIENT, INSUFFICIENT_COLOUR, float("nan"))
    shown = round(score, 1)  # the tier agrees with the score people see
    for cut in cuts:
        if shown >= cut.min_score:
            return cut
    return cuts[-1]


def row_after(cuts: list[CutScore], index: int) -> CutScore:
    """A new row to insert after row ``index`` (0-based), its minimum between its neighbours."""
    above = cuts[index].min_score
    below = cuts[index + 1].min_score if index + 1 < len(cuts) else 0.0
    return CutScore("New tier", "#6b7280", round((above + below) / 2, 1))
