"""compute_ticket_facts: worked examples and edge cases of metrics reference §1, via the public API."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskmetrics.errors import ConfigError, InputError
from deskmetrics.sla import (
    FACT_COLUMNS,
    BusinessCalendar,
    add_business,
    business_seconds,
    compute_ticket_facts,
)

from ._support import CALENDARS, HOUR, OFFICE, change_frame, et, run_facts, ticket_frame, ts

MINUTE = 60.0
EXAMPLE_1 = {
    "ticket_id": "EX1",
    "created_at": et(2024, 11, 27, 16),
    "first_response_at": et(2024, 11, 27, 16, 30),
    "resolved_at": et(2024, 12, 2, 9, 30),
    "category_status": "resolved",
}
EXAMPLE_1_CHANGES = [
    ("EX1", et(2024, 11, 27, 16, 45), "waiting_customer"),
    ("EX1", et(2024, 11, 29, 10), "in_progress"),
    ("EX1", et(2024, 12, 2, 9, 30), "resolved"),
]


def row(frame: pd.DataFrame, i: int = 0) -> pd.Series:
    return frame.iloc[i]


def test_output_has_one_row_per_ticket_in_input_order_and_index():
    tickets = ticket_frame(
        [
            {"ticket_id": "B", "created_at": et(2025, 12, 15, 9)},
            {"ticket_id": "A", "created_at": et(2025, 12, 15, 10)},
        ]
    ).set_axis([10, 3])
    out = compute_ticket_facts(tickets, change_frame([]), OFFICE, {1: 1}, {1: 8})
    assert list(out.columns) == list(FACT_COLUMNS)
    assert list(out.index) == [10, 3] and list(out["ticket_id"]) == ["B", "A"]


def test_t_sla_1_2_example_1_durations():
    out = row(run_facts([EXAMPLE_1], EXAMPLE_1_CHANGES))
    assert out["response_business_s"] == 30 * MINUTE
    assert out["resolution_business_s"] == 555 * MINUTE
    assert out["resolution_calendar_s"] == 113.5 * HOUR
    assert out["resolution_calendar_net_s"] == 72.25 * HOUR
    assert out["pause_calendar_s"] == 41.25 * HOUR
    assert out["reopen_count"] == 0 and not out["negative_duration"]


def test_t_sla_3_example_1_with_8_hour_target_is_missed_by_75_minutes():
    out = row(run_facts([{**EXAMPLE_1, "priority": 1}], EXAMPLE_1_CHANGES))
    assert out["resolution_target_s"] == 8 * HOUR
    assert out["resolution_breach_at"] == ts(et(2024, 12, 2, 8, 15))
    assert not bool(out["resolution_met"])  # bool(pd.NA) would raise
    assert out["resolution_decided_at"] == out["resolution_breach_at"]
    assert out["resolution_business_s"] - out["resolution_target_s"] == 75 * MINUTE
    assert out["resolution_sla_source"] == "computed"


def test_example_1_with_16_hour_target_is_met_and_decided_when_resolved():
    out = row(run_facts([{**EXAMPLE_1, "priority": 2}], EXAMPLE_1_CHANGES))
    assert out["resolution_target_s"] == 16 * HOUR
    assert bool(out["resolution_met"]) is True
    assert pd.isna(out["resolution_breach_at"])
    assert out["resolution_decided_at"] == ts(EXAMPLE_1["resolved_at"])
    # first response 30 min against 4 h: met, decided at the response
    assert bool(out["response_met"]) and out["response_decided_at"] == ts(et(2024, 11, 27, 16, 30))


def test_t_sla_4_example_2_open_ticket_forecast_moves_with_waiting():
    tickets = [
        {"ticket_id": "W", "created_at": et(2025, 12, 16, 10)},
        {"ticket_id": "N", "created_at": et(2025, 12, 16, 10)},
    ]
    changes = [
        ("W", et(2025, 12, 16, 15), "waiting_customer"),
        ("W", et(2025, 12, 17, 11), "in_progress"),
    ]
    out = run_facts(tickets, changes)
    assert out["resolution_breach_at"].tolist() == [
        ts(et(2025, 12, 17, 14)),
        ts(et(2025, 12, 17, 9)),
    ]
    assert out["resolution_met"].isna().all()  # open and running: undecided
    assert out["resolution_business_s"].isna().all() and out["resolution_decided_at"].isna().all()


def test_due_soon_instant_uses_the_percentage():
    out = row(run_facts([{"created_at": et(2025, 12, 16, 10)}], due_soon_pct=0.5))
    assert out["resolution_due_soon_at"] == ts(et(2025, 12, 16, 14))  # 4 of 8 business hours


def test_t_sla_5_created_outside_hours():
    out = row(
        run_facts(
            [{"created_at": et(2025, 12, 12, 18, 30), "first_response_at": et(2025, 12, 15, 8, 20)}]
        )
    )
    assert out["response_business_s"] == 20 * MINUTE
    assert bool(out["response_met"])


def test_paused_at_creation_counts_nothing_until_the_first_running_status():
    created = et(2025, 12, 15, 9)
    tickets = [
        {"ticket_id": "AT", "created_at": created, "resolved_at": et(2025, 12, 15, 12)},
        {"ticket_id": "BEFORE", "created_at": created, "resolved_at": et(2025, 12, 15, 12)},
    ]
    changes = [
        ("AT", created, "waiting_customer"),  # created straight into waiting
        ("AT", et(2025, 12, 15, 11), "in_progress"),
        ("BEFORE", et(2025, 12, 15, 8), "waiting_vendor"),  # recorded before creation
        ("BEFORE", et(2025, 12, 15, 10, 30), "in_progress"),
    ]
    out = run_facts(tickets, changes)
    assert out["resolution_business_s"].tolist() == [1 * HOUR, 1.5 * HOUR]
    assert out["pause_calendar_s"].tolist() == [2 * HOUR, 1.5 * HOUR]


def test_ticket_without_changes_runs_from_creation_to_stop():
    out = row(run_facts([{"created_at": et(2025, 12, 15, 9), "resolved_at": et(2025, 12, 16, 9)}]))
    assert out["resolution_business_s"] == 9 * HOUR and out["pause_calendar_s"] == 0


def test_unmapped_status_keeps_the_clock_running():
    changes = [("T0", et(2025, 12, 15, 10), None), ("T0", et(2025, 12, 15, 11), "waiting_vendor")]
    out = row(
        run_facts(
            [{"created_at": et(2025, 12, 15, 9), "resolved_at": et(2025, 12, 15, 12)}], changes
        )
    )
    assert out["resolution_business_s"] == 2 * HOUR


def test_reopen_resume_skips_time_in_resolved_and_stops_at_the_last_resolve():
    ticket = {
        "created_at": et(2025, 12, 15, 9),
        "resolved_at": et(2025, 12, 17, 10),
        "category_status": "closed",
    }
    changes = [
        ("T0", et(2025, 12, 15, 11), "resolved"),  # 2 h
        ("T0", et(2025, 12, 15, 12), "closed"),
        ("T0", et(2025, 12, 16, 9), "in_progress"),  # reopened: resume from 2 h
        ("T0", et(2025, 12, 16, 10), "resolved"),  # +1 h
        ("T0", et(2025, 12, 17, 9), "waiting_customer"),  # reopened again, waiting
        ("T0", et(2025, 12, 17, 9, 30), "in_progress"),  # +0.5 h
        ("T0", et(2025, 12, 17, 10), "resolved"),
    ]
    out = row(run_facts([ticket], changes, resolution_hours={1: 3.25}))
    assert out["resolution_business_s"] == 3.5 * HOUR
    assert out["reopen_count"] == 2
    assert not bool(out["resolution_met"])
    assert out["resolution_breach_at"] == ts(et(2025, 12, 17, 9, 45))
    # calendar time net of everything the clock skipped (resolved gaps and waiting)
    assert out["resolution_calendar_s"] == 49 * HOUR
    assert out["resolution_calendar_net_s"] == 3.5 * HOUR


def test_priority_missing_or_unmapped_is_not_applicable():
    base = {"created_at": et(2025, 12, 15, 9), "resolved_at": et(2025, 12, 15, 10)}
    out = run_facts([{**base, "priority": None}, {**base, "priority": 4}])
    for col in (
        "response_target_s",
        "resolution_target_s",
        "resolution_breach_at",
        "resolution_decided_at",
        "resolution_met",
        "resolution_sla_source",
        "response_met",
        "response_sla_source",
    ):
        assert out[col].isna().all(), col
    assert out["resolution_business_s"].tolist() == [HOUR, HOUR]  # elapsed is still a fact


def test_native_due_date_wins_and_is_recorded_as_native():
    base = {"created_at": et(2025, 12, 15, 9), "resolution_due_at": et(2025, 12, 15, 10)}
    out = run_facts(
        [
            {**base, "resolved_at": et(2025, 12, 15, 10)},  # at the due date: met
            {**base, "resolved_at": et(2025, 12, 15, 10, 1)},  # computed would be met; native not
            {**base},  # open: breach instant is the due date, undecided without as_of
            {**base, "priority": None, "resolved_at": et(2025, 12, 15, 9, 30)},  # no target
        ]
    )
    assert out["resolution_sla_source"].tolist() == ["native"] * 4
    assert out["resolution_met"].tolist() == [True, False, pd.NA, True]
    due = ts(base["resolution_due_at"])
    assert out["resolution_breach_at"].tolist()[1:3] == [due, due]
    assert pd.isna(out["resolution_breach_at"].iloc[0])
    assert out["resolution_decided_at"].tolist()[:2] == [ts(et(2025, 12, 15, 10)), due]
    assert out["response_sla_source"].tolist() == ["computed"] * 3 + [None]
    with_as_of = run_facts([base], as_of=et(2025, 12, 15, 11))
    assert row(with_as_of)["resolution_met"] is not pd.NA
    assert not bool(row(with_as_of)["resolution_met"])


def test_edge_11_no_response_but_resolved_counts_the_resolution_instant():
    base = {"created_at": et(2025, 12, 15, 9)}
    out = run_facts(
        [
            {**base, "resolved_at": et(2025, 12, 15, 9, 45)},
            {**base, "resolved_at": et(2025, 12, 15, 11)},
        ]
    )
    assert out["response_business_s"].tolist() == out["resolution_business_s"].tolist()
    assert out["response_met"].tolist() == [True, False]
    assert out["response_decided_at"].tolist() == [
        ts(et(2025, 12, 15, 9, 45)),
        ts(et(2025, 12, 15, 10)),
    ]


def test_negative_durations_are_clamped_and_flagged():
    out = run_facts(
        [
            {"created_at": et(2025, 12, 15, 12), "resolved_at": et(2025, 12, 15, 10)},
            {"created_at": et(2025, 12, 15, 12), "first_response_at": et(2025, 12, 15, 11)},
            {"created_at": et(2025, 12, 15, 12), "resolved_at": et(2025, 12, 15, 13)},
        ]
    )
    assert out["negative_duration"].tolist() == [True, True, False]
    assert out["resolution_calendar_s"].iloc[0] == 0
    assert out["resolution_business_s"].iloc[0] == 0
    assert out["response_business_s"].iloc[1] == 0


def test_cancelled_tickets_have_no_sla_outcome():
    ticket = {
        "created_at": et(2025, 12, 15, 9),
        "resolved_at": et(2025, 12, 16, 12),
        "category_status": "cancelled",
        "resolution_due_at": et(2025, 12, 15, 10),
    }
    out = run_facts([ticket])
    sla_columns = [
        c
        for c in FACT_COLUMNS
        if c.startswith(("response_", "resolution_")) and "calendar" not in c
    ]
    for col in sla_columns:
        assert out[col].isna().all(), col


def test_open_ticket_paused_before_breaching_has_no_breach_instant():
    changes = [("T0", et(2025, 12, 15, 10), "waiting_customer")]
    out = row(run_facts([{"created_at": et(2025, 12, 15, 9)}], changes))
    assert pd.isna(out["resolution_breach_at"]) and out["resolution_met"] is pd.NA
    # ... but the response target (1 h) was reached exactly as the pause began: not breached
    assert pd.isna(out["response_breach_at"]) and out["response_met"] is pd.NA


def test_open_ticket_paused_after_breaching_is_breached():
    changes = [("T0", et(2025, 12, 15, 11), "waiting_customer")]
    out = row(run_facts([{"created_at": et(2025, 12, 15, 9)}], changes))
    assert out["response_breach_at"] == ts(et(2025, 12, 15, 10))
    assert not bool(out["response_met"]) and out["response_decided_at"] == ts(et(2025, 12, 15, 10))


def test_as_of_decides_open_running_tickets():
    tickets = [{"created_at": et(2025, 12, 15, 9)}]
    assert row(run_facts(tickets, as_of=et(2025, 12, 15, 9, 59)))["response_met"] is pd.NA
    assert row(run_facts(tickets, as_of=et(2025, 12, 15, 10)))["response_met"] is pd.NA
    late = row(run_facts(tickets, as_of=et(2025, 12, 15, 10, 1)))
    assert not bool(late["response_met"])
    assert late["response_decided_at"] == ts(et(2025, 12, 15, 10))
    assert late["pause_calendar_s"] == 0


def test_changes_of_unknown_tickets_are_ignored_and_changes_may_be_empty():
    tickets = [{"created_at": et(2025, 12, 15, 9), "resolved_at": et(2025, 12, 15, 12)}]
    noisy = run_facts(tickets, [("ELSEWHERE", et(2025, 12, 15, 10), "waiting_customer")])
    assert row(noisy)["resolution_business_s"] == 3 * HOUR
    assert row(run_facts(tickets))["resolution_business_s"] == 3 * HOUR
    empty = compute_ticket_facts(ticket_frame(tickets).iloc[:0], change_frame([]), OFFICE, {}, {})
    assert empty.empty and list(empty.columns) == list(FACT_COLUMNS)


def test_bad_inputs_name_what_to_fix():
    tickets = ticket_frame([{"created_at": et(2025, 12, 15, 9)}])
    changes = change_frame([("T0", et(2025, 12, 15, 10), "pending")])
    with pytest.raises(InputError, match="'pending' is not a status category"):
        compute_ticket_facts(tickets, changes, OFFICE, {}, {})
    with pytest.raises(InputError, match="lacks column"):
        compute_ticket_facts(tickets.drop(columns="priority"), change_frame([]), OFFICE, {}, {})
    naive = tickets.assign(created_at=tickets["created_at"].dt.tz_localize(None))
    with pytest.raises(InputError, match="created_at.*timezone-aware"):
        compute_ticket_facts(naive, change_frame([]), OFFICE, {}, {})
    with pytest.raises(InputError, match="more than once"):
        compute_ticket_facts(pd.concat([tickets, tickets]), change_frame([]), OFFICE, {}, {})
    with pytest.raises(ConfigError, match=r"resolution_hours\[2\]: 0 is not a positive"):
        compute_ticket_facts(tickets, change_frame([]), OFFICE, {}, {2: 0})
    with pytest.raises(ConfigError, match="due_soon_pct"):
        compute_ticket_facts(tickets, change_frame([]), OFFICE, {}, {}, due_soon_pct=1.5)


def test_calendar_without_hours_leaves_forecasts_empty():
    none = BusinessCalendar.from_spec("UTC", {}, [])
    out = row(run_facts([{"created_at": datetime(2025, 1, 1, tzinfo=UTC)}], calendar=none))
    assert pd.isna(out["resolution_breach_at"]) and out["resolution_met"] is pd.NA


def test_business_seconds_are_net_of_pauses_per_ticket_in_a_mixed_batch():
    # several tickets in one frame: segments of neighbours must not leak into each other
    created = et(2025, 12, 15, 9)
    tickets = [
        {
            "ticket_id": f"K{i}",
            "created_at": created + timedelta(hours=i),
            "resolved_at": created + timedelta(hours=i + 3),
        }
        for i in range(4)
    ]
    changes = [(f"K{i}", created + timedelta(hours=i + 1), "waiting_customer") for i in (0, 2)]
    changes += [(f"K{i}", created + timedelta(hours=i + 2), "in_progress") for i in (0, 2)]
    out = run_facts(tickets, changes)
    assert out["resolution_business_s"].tolist() == [2 * HOUR, 3 * HOUR, 2 * HOUR, 3 * HOUR]
    assert not math.isnan(out["resolution_calendar_net_s"].sum())


# --- property: the vectorized facts agree with the scalar reference functions ---

RUNNING = {"new", "in_progress", None}
CATEGORIES = [
    "new",
    "in_progress",
    None,
    "waiting_customer",
    "waiting_vendor",
    "resolved",
    "closed",
    "cancelled",
]
PROPERTY_BASE = datetime(2024, 10, 28, tzinfo=UTC)  # two weeks around the New York fall-back


@st.composite
def ticket_histories(draw):
    rows, changes = [], []
    for i in range(draw(st.integers(1, 5))):
        created = PROPERTY_BASE + timedelta(seconds=draw(st.integers(0, 14 * 86400)))
        offsets = st.integers(-6 * 3600, 8 * 86400).map(lambda s: timedelta(seconds=s))
        stop_offsets = st.one_of(st.none(), st.integers(-3600, 10 * 86400))
        resolved, responded = draw(stop_offsets), draw(stop_offsets)
        rows.append(
            {
                "ticket_id": f"P{i}",
                "created_at": created,
                "resolved_at": None if resolved is None else created + timedelta(seconds=resolved),
                "first_response_at": None
                if responded is None
                else created + timedelta(seconds=responded),
                "priority": draw(st.sampled_from([1, 2, None])),
                "category_status": "resolved" if resolved is not None else "in_progress",
            }
        )
        for _ in range(draw(st.integers(0, 5))):
            changes.append((f"P{i}", created + draw(offsets), draw(st.sampled_from(CATEGORIES))))
    return rows, draw(st.permutations(changes))


def reference(row: dict, changes: list, calendar, target_s: float | None, stop: datetime | None):
    """(elapsed_s, breach_at, met) from business_seconds/add_business on one ticket."""
    created = row["created_at"]
    ordered = sorted((c for c in changes if c[0] == row["ticket_id"]), key=lambda c: c[1])
    state = "new"
    for _, at, category in ordered:
        if at <= created:
            state = category
    segments = [(created, state)] + [(at, cat) for _, at, cat in ordered if at > created]
    far = created + timedelta(days=3000)
    pauses, closed_until = [], created
    for k, (start, category) in enumerate(segments):
        end = segments[k + 1][0] if k + 1 < len(segments) else far
        if category not in RUNNING:
            pauses.append((start, end))
    last_running = segments[-1][1] in RUNNING
    closed_until = segments[-1][0]
    elapsed = None if stop is None else business_seconds(created, stop, calendar, pauses)
    if target_s is None:
        return elapsed, None, None
    if stop is not None:
        breached = elapsed > target_s
    else:
        breached = business_seconds(created, closed_until, calendar, pauses) > target_s
    show = breached or (stop is None and last_running)
    breach = add_business(created, target_s, calendar, pauses) if show else None
    met = (not breached) if stop is not None else (False if breached else None)
    return elapsed, breach, met


@settings(max_examples=150, deadline=None)
@given(case=ticket_histories(), name=st.sampled_from(["office", "night_shift", "always"]))
def test_facts_agree_with_the_scalar_reference(case, name):
    rows, changes = case
    calendar = CALENDARS[name]
    out = run_facts(
        rows,
        changes,
        calendar=calendar,
        response_hours={1: 2.0, 2: 5.5},
        resolution_hours={1: 9.0, 2: 30.0},
    )
    targets = {"response": {1: 2.0, 2: 5.5}, "resolution": {1: 9.0, 2: 30.0}}
    for i, ticket in enumerate(rows):
        stops = {
            "response": ticket["first_response_at"] or ticket["resolved_at"],
            "resolution": ticket["resolved_at"],
        }
        for kind, stop in stops.items():
            hours = targets[kind].get(ticket["priority"])
            elapsed, breach, met = reference(
                ticket, changes, calendar, None if hours is None else hours * HOUR, stop
            )
            got = out.iloc[i]
            if elapsed is None:
                assert math.isnan(got[f"{kind}_business_s"])
            else:
                assert got[f"{kind}_business_s"] == elapsed, (kind, ticket)
            assert _opt(got[f"{kind}_breach_at"]) == _opt(breach), (kind, ticket)
            assert _opt(got[f"{kind}_met"]) == met, (kind, ticket)


def _opt(value):
    """NaT/NA -> None; instants -> UTC Timestamps; booleans -> bool."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return pd.Timestamp(value).tz_convert("UTC")
    return bool(value)
