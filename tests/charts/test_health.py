"""Health figures: segment bars in tier colours, contributions with "no data", history over
tier bands, names escaped, and redraws in place."""

from __future__ import annotations

from datetime import date

import pandas as pd

from deskmetrics.charts.health import (
    NO_DATA_COLOUR,
    contributions_figure,
    history_figure,
    segments_figure,
    tier_range,
)
from deskmetrics.charts.theme import COLORS


def _segments(**counts) -> pd.DataFrame:
    """The shape of HealthBoard.segments() for the default cut scores."""
    return pd.DataFrame(
        [
            ("Healthy", "#16a34a", 75.0, 100.0, counts.get("healthy", 1)),
            ("At risk", "#f59e0b", 50.0, 75.0, counts.get("at_risk", 0)),
            ("Critical", "#dc2626", 0.0, 50.0, counts.get("critical", 1)),
            ("Insufficient data", "#9ca3af", None, None, counts.get("insufficient", 2)),
        ],
        columns=["tier", "colour", "min_score", "max_score", "clients"],
    )


def _contributions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric_id": ["sentiment", "csat", "org"],
            "metric": ["Sentiment", "CSAT", "Org"],
            "icon": ["💬", "⭐", ""],
            "points": [20.0, None, 13.333],
            "detail": ["set by ana on 2025-03-20", "no data", "set by <b>bo</b> on 2025-03-20"],
        }
    )


def test_segments_bars_count_clients_in_their_tier_colours():
    fig = segments_figure(_segments())
    bar = fig.data[0]
    assert list(bar.x) == ["Healthy", "At risk", "Critical", "Insufficient data"]
    assert list(bar.y) == [1, 0, 1, 2]
    assert list(bar.marker.color) == ["#16a34a", "#f59e0b", "#dc2626", "#9ca3af"]
    assert list(bar.customdata) == [
        "75 to 100",
        "50 to below 75",
        "0 to below 50",
        "coverage too low to score",
    ]
    assert "%{customdata}" in bar.hovertemplate
    assert "segments" in fig.layout.title.text.lower()


def test_tier_range_reads_as_a_person_would_say_it():
    assert tier_range(75.0, 100.0, top=True) == "75 to 100"
    assert tier_range(62.5, 75.0, top=False) == "62.5 to below 75"


def test_contributions_show_points_and_no_data():
    fig = contributions_figure(_contributions(), "Acme Dental")
    bar = fig.data[0]
    assert bar.orientation == "h"
    assert list(bar.y) == ["💬 Sentiment", "⭐ CSAT", "Org"]
    assert list(bar.x) == [20.0, 0.0, 13.333]
    assert list(bar.text) == ["20.0 pts", "no data", "13.3 pts"]
    assert list(bar.marker.color) == [COLORS["primary"], NO_DATA_COLOUR, COLORS["primary"]]
    assert bar.customdata[2] == "set by &lt;b&gt;bo&lt;/b&gt; on 2025-03-20"
    assert fig.layout.title.text.endswith("Acme Dental")


def test_history_line_over_shaded_tier_bands():
    snapshots = pd.DataFrame(
        {
            "snapshot_date": [date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 31)],
            "score": [53.3, None, 78.8],
            "coverage": [0.5, 0.0, 1.0],
            "tier": ["Insufficient data", "Insufficient data", "Healthy"],
        }
    )
    fig = history_figure(snapshots, _segments(), "Acme Dental")
    line = fig.data[0]
    assert list(line.y) == [53.3, None, 78.8] and line.connectgaps is False
    assert [pd.Timestamp(x).date() for x in line.x] == list(snapshots["snapshot_date"])
    bands = [(s.y0, s.y1, s.fillcolor) for s in fig.layout.shapes]
    assert bands == [(75, 100, "#16a34a"), (50, 75, "#f59e0b"), (0, 50, "#dc2626")]
    assert all(s.layer == "below" and s.xref == "paper" for s in fig.layout.shapes)
    assert [a.text for a in fig.layout.annotations] == ["Healthy", "At risk", "Critical"]
    assert tuple(fig.layout.yaxis.range) == (0, 100.5)
    assert fig.layout.xaxis.range is None  # a month of snapshots sets its own axis


def test_history_of_one_snapshot_spans_a_month_around_it():
    snapshots = pd.DataFrame(
        {"snapshot_date": [date(2025, 3, 1)], "score": [53.3], "coverage": [0.5], "tier": ["x"]}
    )
    first, last = history_figure(snapshots, _segments()).layout.xaxis.range
    assert pd.Timestamp(last) - pd.Timestamp(first) == pd.Timedelta(days=30)
    assert pd.Timestamp(first) + pd.Timedelta(days=15) == pd.Timestamp("2025-03-01")


def test_history_without_snapshots_says_so():
    empty = pd.DataFrame(columns=["snapshot_date", "score", "coverage", "tier"])
    fig = history_figure(empty, _segments())
    assert len(fig.data[0].y) == 0
    assert any("No snapshots yet" in a.text for a in fig.layout.annotations)


def test_names_are_data_not_markup():
    segments = _segments()
    segments.loc[0, "tier"] = "<b>Top</b> & co"
    assert segments_figure(segments).data[0].x[0] == "&lt;b&gt;Top&lt;/b&gt; &amp; co"
    contributions = _contributions()
    contributions.loc[0, "metric"] = "<i>x</i>"
    assert contributions_figure(contributions).data[0].y[0] == "💬 &lt;i&gt;x&lt;/i&gt;"
