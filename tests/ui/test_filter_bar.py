"""The filter bar shared by the Dashboard and the detailed tabs."""

from __future__ import annotations

from datetime import date

import pytest

from deskmetrics.access.viewer import STAFF, Viewer
from deskmetrics.errors import AccessError
from deskmetrics.session import FilterOptions
from deskmetrics.ui.filter_bar import ALL, FilterBar, period_state

OPTIONS = FilterOptions(
    clients=[("Acme Dental", "c1"), ("Birch Legal", "c2")],
    boards=["Help Desk", "Projects"],
    categories=["Email", "Network"],
    technicians=[("Dana Reyes", "t1")],
    teams=["Service Desk"],
    channels=["Phone"],
)
STATE = {
    "date_from": date(2026, 10, 1),
    "date_to": date(2026, 10, 31),
    "client": "c2",
    "board": ALL,
    "owner": "t1",
}
NAMES = ("client", "board", "owner")


def bar_with_calls(viewer: Viewer = STAFF, apply=None) -> tuple[FilterBar, list[dict]]:
    calls: list[dict] = []
    bar = FilterBar(dict(STATE), NAMES, OPTIONS, viewer, apply or (lambda **s: calls.append(s)))
    return bar, calls


def test_a_readers_change_applies_every_filter_of_the_bar():
    bar, calls = bar_with_calls()
    assert list(bar.dropdowns) == list(NAMES)
    assert bar.dropdowns["board"].options[0] == ("All boards", ALL)
    assert bar.dropdowns["owner"].options[0] == ("All technicians", ALL)
    bar.dropdowns["board"].value = "Projects"
    assert calls == [{**STATE, "board": "Projects"}]
    assert bar.status.value == ""


def test_a_period_that_ends_before_it_starts_is_not_applied_and_says_why():
    bar, calls = bar_with_calls()
    bar.date_to.value = date(2026, 9, 1)
    assert calls == []
    assert "start date on or before the end date" in bar.status.value


def test_moving_the_bar_from_code_applies_nothing_and_drops_unknown_values():
    bar, calls = bar_with_calls()
    bar.move_to({**STATE, "date_from": date(2026, 9, 1), "board": "Nowhere", "client": "c1"})
    assert calls == []
    assert bar.date_from.value == date(2026, 9, 1)
    assert bar.dropdowns["board"].value == ALL  # not a board the warehouse knows
    assert bar.dropdowns["client"].value == "c1"
    bar.submit()  # the next reader's change applies what the bar now shows
    assert calls == [{**STATE, "date_from": date(2026, 9, 1), "client": "c1"}]


def test_a_link_that_stopped_working_is_named_in_the_status_line():
    def refuse(**_state):
        raise AccessError("this client link was revoked")

    bar, _ = bar_with_calls(apply=refuse)
    bar.dropdowns["owner"].value = ALL
    assert "revoked" in bar.status.value and "<b>" in bar.status.value


def test_a_client_link_shows_its_one_client_fixed():
    client_options = FilterOptions([("Birch Legal", "c2")], [], [], [], [], [])
    bar = FilterBar(dict(STATE), ("client",), client_options, Viewer(client_id="c2"), print)
    choice = bar.dropdowns["client"]
    assert choice.box.options == (("Birch Legal", "c2"),) and choice.box.disabled


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, (date(2026, 10, 2), date(2026, 10, 31), ALL)),
        (
            {"date_to": "2026-06-30", "board": "Projects"},
            (date(2026, 6, 1), date(2026, 6, 30), "Projects"),
        ),
        (
            {"date_from": "2026-01-01", "date_to": "2026-01-05"},
            (date(2026, 1, 1), date(2026, 1, 5), ALL),
        ),
    ],
)
def test_the_period_defaults_to_the_30_days_up_to_the_last_day_with_tickets(params, expected):
    class LastTicketOn:
        def data_range(self):
            return date(2025, 1, 1), date(2026, 10, 31)

    state = period_state(LastTicketOn(), ("board",), params)
    assert (state["date_from"], state["date_to"], state["board"]) == expected
