"""Cut-score tables: what is refused, with which message, and how tiers and maxima follow."""

from __future__ import annotations

import pytest

from deskmetrics.errors import InputError
from deskmetrics.health.cut_scores import check_cut_scores, maxima, row_after, tier_of
from deskmetrics.health.model import INSUFFICIENT, CutScore

DEFAULT = [
    CutScore("Healthy", "#16a34a", 75),
    CutScore("At risk", "#f59e0b", 50),
    CutScore("Critical", "#dc2626", 0),
]


def test_default_table_is_valid_and_maxima_follow_the_next_minimum():
    cuts = check_cut_scores(DEFAULT)
    assert maxima(cuts) == [100.0, 75.0, 50.0]
    assert [tier_of(s, cuts).name for s in (100, 75, 74.9, 50, 49.9, 0)] == [
        "Healthy",
        "Healthy",
        "At risk",
        "At risk",
        "Critical",
        "Critical",
    ]
    assert tier_of(None, cuts).name == INSUFFICIENT


def test_a_single_tier_from_zero_is_allowed():
    assert check_cut_scores([{"name": "All", "colour": "#000000", "min_score": 0}])[0].name == "All"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "add at least one row"),
        (DEFAULT[:2], r"exactly one row must have minimum 0 \(none does\)"),
        (
            [DEFAULT[0], CutScore("Zero", "#111111", 0), CutScore("Also zero", "#222222", 0)],
            r"row 3 \(Also zero\): minimum 0 must be below row 2's 0",
        ),
        ([DEFAULT[1], DEFAULT[0], DEFAULT[2]], r"row 2 \(Healthy\): minimum 75 must be below"),
        ([CutScore("", "#16a34a", 75), DEFAULT[2]], r"row 1: give the tier a name"),
        ([CutScore("critical", "#16a34a", 75), DEFAULT[2]], r"already used by row 1"),
        ([CutScore("Healthy", "green", 75), DEFAULT[2]], r"colour 'green' is not written #RRGGBB"),
        ([CutScore("Top", "#16a34a", 120), DEFAULT[2]], r"minimum 120 is outside 0-100"),
        ([CutScore("Insufficient data", "#16a34a", 50), DEFAULT[2]], "reserved"),
    ],
)
def test_invalid_tables_are_refused_naming_the_row(rows, message):
    with pytest.raises(InputError, match=message):
        check_cut_scores(rows)


def test_every_problem_is_listed_at_once():
    with pytest.raises(InputError) as caught:
        check_cut_scores([CutScore("", "red", 50), CutScore("B", "#000000", 60)])
    text = str(caught.value)
    for part in ("give the tier a name", "'red'", "must be below", "none does"):
        assert part in text


def test_a_non_numeric_minimum_from_the_editor_is_refused():
    with pytest.raises(InputError, match="outside 0-100"):
        check_cut_scores([{"name": "A", "colour": "#000000", "min_score": "abc"}])


def test_row_after_lands_between_its_neighbours():
    cuts = check_cut_scores(DEFAULT)
    new = row_after(cuts, 0)
    assert new.min_score == 62.5
    table = [cuts[0], new, *cuts[1:]]
    assert check_cut_scores(table)[1].min_score == 62.5
    assert maxima(check_cut_scores(table)) == [100.0, 75.0, 62.5, 50.0]
