"""sla_state: the §1.3 states of one (ticket, target) at an as-of instant."""

from __future__ import annotations

import math

import pytest

from deskmetrics.errors import ConfigError
from deskmetrics.sla import SlaState, sla_state

from ._support import HOUR, OFFICE, et

CREATED = et(2025, 12, 15, 8)  # Monday, window opens
TARGET = 4 * HOUR


def state(as_of, *, stop=None, pauses=(), target=TARGET, **kwargs) -> SlaState:
    return sla_state(CREATED, stop, target, list(pauses), as_of, OFFICE, **kwargs)


def test_example_3_due_soon_then_breached_active():
    assert state(et(2025, 12, 15, 10)) is SlaState.ACTIVE  # 2 h of 4
    assert state(et(2025, 12, 15, 11)) is SlaState.DUE_SOON  # exactly 75 %
    assert state(et(2025, 12, 15, 11, 10)) is SlaState.DUE_SOON  # 3 h 10 m
    assert state(et(2025, 12, 15, 12)) is SlaState.DUE_SOON  # exactly 4 h: not yet breached
    assert state(et(2025, 12, 15, 12, 1)) is SlaState.BREACHED_ACTIVE  # 4 h 01 m


def test_due_soon_threshold_is_configurable():
    assert state(et(2025, 12, 15, 11, 10), due_soon_pct=0.9) is SlaState.ACTIVE
    with pytest.raises(ConfigError, match="due_soon_pct"):
        state(et(2025, 12, 15, 11), due_soon_pct=0)


def test_paused_and_breached_paused():
    waiting = [(et(2025, 12, 15, 9), None)]  # still waiting
    assert state(et(2025, 12, 15, 16), pauses=waiting) is SlaState.PAUSED
    late_wait = [(et(2025, 12, 15, 13), None)]
    assert state(et(2025, 12, 15, 16), pauses=late_wait) is SlaState.BREACHED_PAUSED
    ended = [(et(2025, 12, 15, 9), et(2025, 12, 15, 10))]
    assert state(et(2025, 12, 15, 12), pauses=ended) is SlaState.DUE_SOON  # 3 h net


def test_met_and_missed_once_stopped():
    assert state(et(2025, 12, 16), stop=et(2025, 12, 15, 12)) is SlaState.MET
    assert state(et(2025, 12, 16), stop=et(2025, 12, 15, 12, 1)) is SlaState.MISSED
    # outside hours after the target was used up: elapsed stays 4 h, so still met
    assert (
        state(
            et(2025, 12, 20),
            stop=et(2025, 12, 19, 20),
            pauses=[(et(2025, 12, 15, 9), et(2025, 12, 19, 16))],
        )
        is SlaState.MET
    )


def test_a_stop_after_as_of_has_not_happened_yet():
    assert state(et(2025, 12, 15, 9), stop=et(2025, 12, 15, 10)) is SlaState.ACTIVE


def test_not_applicable_and_cancelled():
    assert state(et(2025, 12, 15, 9), target=None) is SlaState.NOT_APPLICABLE
    assert state(et(2025, 12, 15, 9), target=math.nan) is SlaState.NOT_APPLICABLE
    assert state(et(2025, 12, 15, 9), cancelled=True) is SlaState.CANCELLED
    assert SlaState.BREACHED_PAUSED == "breached_paused"


def test_created_outside_hours_is_active_until_the_window_opens():
    friday_evening = et(2025, 12, 12, 18, 30)
    got = sla_state(friday_evening, None, 1200.0, [], et(2025, 12, 15, 8, 20), OFFICE)
    assert got is SlaState.DUE_SOON  # 20 of 20 minutes used: at the limit, not over
    got = sla_state(friday_evening, None, 1200.0, [], et(2025, 12, 15, 8, 21), OFFICE)
    assert got is SlaState.BREACHED_ACTIVE
