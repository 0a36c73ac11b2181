"""The chart widget: the figure it sends, new data in place, clicks from the browser (only
well-formed ones), and the plotly.js it brings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest

from deskmetrics.charts.dashboard import ChartData
from deskmetrics.ui.chart import Chart
from deskmetrics.ui.plotly_assets import CHART_MODULE, PLOTLY_BASIC, TRACE_TYPES


def _bars() -> go.Figure:
    fig = go.Figure(go.Bar(name="Open", x=["Network", "Email"], y=[3, 5], customdata=[0, 1]))
    fig.update_layout(title_text="Open tickets", height=300)
    return fig


def test_the_browser_receives_the_whole_figure_as_json():
    chart = Chart(_bars())
    sent = json.loads(chart.figure)
    assert sent["data"][0]["x"] == ["Network", "Email"]
    assert sent["data"][0]["y"] == [3, 5]
    assert sent["layout"]["title"]["text"] == "Open tickets"
    assert sent["layout"]["height"] == 300
    assert list(chart.data[0].y) == [3, 5]  # read in Python as a figure's


def test_new_data_replaces_the_numbers_and_keeps_the_styling():
    chart = Chart(_bars())
    chart.apply(ChartData("Open tickets now", [{"x": ["VPN"], "y": [9], "customdata": [0]}]))
    sent = json.loads(chart.figure)
    assert sent["data"][0]["x"] == ["VPN"] and sent["data"][0]["y"] == [9]
    assert sent["layout"]["title"]["text"] == "Open tickets now"
    assert sent["layout"]["height"] == 300
    assert sent["data"][0]["name"] == "Open"


def test_showing_another_figure_sends_it():
    chart = Chart(_bars())
    chart.show(go.Figure(go.Scatter(x=[1, 2], y=[4, 6])))
    assert json.loads(chart.figure)["data"][0]["type"] == "scatter"


def test_a_click_calls_back_with_the_trace_and_point():
    chart = Chart(_bars())
    clicks = []
    chart.on_click(lambda trace, point: clicks.append((trace.name, trace.customdata[point])))
    chart._received(chart, {"event": "click", "trace": 0, "point": 1}, [])
    assert clicks == [("Open", 1)]


@pytest.mark.parametrize(
    "message",
    [
        {"event": "click", "trace": 0, "point": 2},  # no such bar
        {"event": "click", "trace": 1, "point": 0},  # no such trace
        {"event": "click", "trace": 0, "point": -1},
        {"event": "click", "trace": "0", "point": "1"},
        {"event": "click", "trace": 0},
        {"event": "hover", "trace": 0, "point": 0},
        ["click", 0, 0],
    ],
)
def test_anything_else_from_the_browser_is_ignored(message):
    chart = Chart(_bars())
    clicks = []
    chart.on_click(lambda trace, point: clicks.append(point))
    chart._received(chart, message, [])
    assert clicks == []


def test_a_trace_type_the_bundle_cannot_draw_is_refused_with_its_name():
    with pytest.raises(ValueError, match="heatmap") as error:
        Chart(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])))
    assert "bar, pie, scatter" in str(error.value)


def _version(path: Path) -> str:
    head = path.read_text(encoding="utf-8")[:300]
    return re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)", head).group(1)


def test_the_bundle_is_plotly_basic_of_the_version_plotly_py_draws_for():
    """plotly.py writes figures for one plotly.js; the app's bundle must be that one."""
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert _version(PLOTLY_BASIC) == _version(full)
    assert "(basic - minified)" in PLOTLY_BASIC.read_text(encoding="utf-8")[:200]
    assert sorted(TRACE_TYPES) == ["bar", "pie", "scatter"]  # what the basic bundle holds
    assert CHART_MODULE.rstrip().endswith("export default { render };")


def test_under_the_app_charts_import_its_cached_module(monkeypatch):
    from deskmetrics.ui.chart import share_chart_module
    from deskmetrics.ui.plotly_assets import BUNDLE_ADDRESS

    monkeypatch.setattr(Chart, "_esm", Chart._esm)  # restored after the test
    outside = Chart(_bars())
    share_chart_module([outside])  # JupyterLab, papermill: the code stays inline
    assert outside._esm == CHART_MODULE

    monkeypatch.setenv("SERVER_NAME", "dash.example.com")
    monkeypatch.setenv("SERVER_PORT", "8866")
    monkeypatch.setenv("DESKMETRICS_KERNEL_KEY", "k")
    built_before = Chart(_bars())
    share_chart_module([built_before])
    address = "http://dash.example.com:8866" + BUNDLE_ADDRESS
    assert built_before._esm == address
    assert Chart(_bars())._esm == address
