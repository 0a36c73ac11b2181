"""compute_activity_facts: hand-computed examples of metrics reference §1.2 (next reply), §2.3, §3.2, §4.2.

Every ticket lives in the week of Mon 2025-06-02 (EDT, UTC-4) on the office calendar
America/New_York Mon-Fri 08:00-17:00 without holidays; expected numbers are worked out by hand
in the comments.
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from deskmetrics.config import load_settings
from deskmetrics.errors import InputError
from deskmetrics.warehouse.activity import ACTIVITY_COLUMNS, compute_activity_facts

ET = ZoneInfo("America/New_York")
HOUR = 3600.0
SETTINGS = load_settings(
    overrides={
        "timezone": "America/New_York",
        "business_hours": {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": [],
        "sla": {"next_response_hours": {1: 1, 3: 4}},
        "analysis": {"reopen_window_days": 7, "fcr_max_time_entries": 1},
    },
    use_local=False,
)
TECHNICIANS = pd.DataFrame(
    {
        "tech_id": pd.Series(["L1a", "L1b", "L2", "L3", "NOTIER"], dtype=object),
        "tier": pd.array([1, 1, 2, 3, None], dtype="Int64"),
    }
)


def et(*parts: int) -> datetime:
    """A wall-clock time in America/New_York."""
    return datetime(*parts, tzinfo=ET)


def _utc(values: list) -> pd.Series:
    return pd.Series(pd.to_datetime(values, utc=True), dtype="datetime64[ns, UTC]")


def _objects(values: list) -> pd.Series:
    return pd.Series(values, dtype=object)


def ticket_frame(rows: list[dict]) -> pd.DataFrame:
    """Tickets created Mon 09:00, open in_progress, by email, P1, unless a row says otherwise."""
    defaults = {
        "created_at": et(2025, 6, 2, 9),
        "ended_at": None,
        "category_status": "in_progress",
        "owner_tech_id": None,
        "channel": "email",
        "priority": 1,
        "board": "Help Desk",
        "resolution_business_s": math.nan,
    }
    full = [{**defaults, **row} for row in rows]
    return pd.DataFrame(
        {
            "ticket_id": _objects([r["ticket_id"] for r in full]),
            "created_at": _utc([r["created_at"] for r in full]),
            "ended_at": _utc([r["ended_at"] for r in full]),
            "category_status": _objects([r["category_status"] for r in full]),
            "owner_tech_id": _objects([r["owner_tech_id"] for r in full]),
            "channel": _objects([r["channel"] for r in full]),
            "priority": pd.array([r["priority"] for r in full], dtype="Int64"),
            "board": _objects([r["board"] for r in full]),
            "resolution_business_s": pd.Series(
                [r["resolution_business_s"] for r in full], dtype="float64"
            ),
        }
    )


def change_frame(rows: list[tuple[str, datetime, str, str | None]]) -> pd.DataFrame:
    """Status changes from ``(ticket_id, changed_at, raw status, tech_id)``, mapped as configured."""
    return pd.DataFrame(
        {
            "ticket_id": _objects([r[0] for r in rows]),
            "changed_at": _utc([r[1] for r in rows]),
            "status": _objects([r[2] for r in rows]),
            "category_status": _objects([SETTINGS.status_category(r[2]) for r in rows]),
            "tech_id": _objects([r[3] for r in rows]),
        }
    )


def entry_frame(rows: list[tuple[str, str | None, float, bool | None]]) -> pd.DataFrame:
    """Time entries from ``(ticket_id, tech_id, hours, billable)``."""
    return pd.DataFrame(
        {
            "ticket_id": _objects([r[0] for r in rows]),
            "tech_id": _objects([r[1] for r in rows]),
            "hours": pd.Series([r[2] for r in rows], dtype="float64"),
            "billable": pd.array([r[3] for r in rows], dtype="boolean"),
        }
    )


def event_frame(rows: list[tuple[str, datetime, str]]) -> pd.DataFrame:
    """Conversation events from ``(ticket_id, at, kind)``."""
    return pd.DataFrame(
        {
            "ticket_id": _objects([r[0] for r in rows]),
            "at": _utc([r[1] for r in rows]),
            "kind": _objects([r[2] for r in rows]),
            "tech_id": _objects([None] * len(rows)),
        }
    )


def run(tickets, changes=(), entries=(), events=(), *, settings=SETTINGS) -> pd.DataFrame:
    """compute_activity_facts on hand-written rows; the result is indexed by ticket id."""
    out = compute_activity_facts(
        ticket_frame(tickets),
        change_frame(list(changes)),
        entry_frame(list(entries)),
        event_frame(list(events)),
        TECHNICIANS,
        settings,
    )
    return out.set_index("ticket_id", drop=False)


def resolved(ticket_id: str, ended_at: datetime, **extra) -> dict:
    return {"ticket_id": ticket_id, "ended_at": ended_at, "category_status": "closed", **extra}


def test_one_row_per_ticket_in_input_order_and_index():
    tickets = ticket_frame([{"ticket_id": "B"}, {"ticket_id": "A"}]).set_axis([10, 3])
    out = compute_activity_facts(
        tickets, change_frame([]), entry_frame([]), event_frame([]), TECHNICIANS, SETTINGS
    )
    assert list(out.columns) == list(ACTIVITY_COLUMNS)
    assert list(out.index) == [10, 3] and list(out["ticket_id"]) == ["B", "A"]


def test_t_fcr_1_time_entry_variant_gross_and_net():
    # metrics reference §3.2: time-entry counts [1,1,0,2,1,3,1,1,2,1]; #2 reopened with new work;
    # #3 (0 entries) is an auto-closed RMM alert
    counts = [1, 1, 0, 2, 1, 3, 1, 1, 2, 1]
    done = et(2025, 6, 2, 11)
    tickets = [resolved(f"F{i}", done) for i in range(1, 11)]
    tickets[1] = resolved("F2", et(2025, 6, 3, 10))  # re-resolved after the reopen
    tickets[2] = resolved("F3", done, channel="alert")
    changes = [(f"F{i}", done, "Resolved", "L1a") for i in range(1, 11) if i != 2]
    changes += [
        ("F2", done, "Resolved", "L1a"),
        ("F2", et(2025, 6, 3, 9), "In Progress", "L1a"),  # reopened 22 h after the resolve
        ("F2", et(2025, 6, 3, 10), "Resolved", "L1a"),
    ]
    entries = [(f"F{i}", "L1a", 0.5, True) for i, c in enumerate(counts, 1) for _ in range(c)]
    out = run(tickets, changes, entries)

    assert list(out["time_entry_count"]) == counts
    assert list(out["fcr_eligible"]) == [True, True, False, *[True] * 7]  # 10 - the alert = 9
    # candidates with <= 1 entry: #1 #2 #5 #7 #8 #10; #2 is out for the reopen -> 5
    assert out["fcr_time_entry"].tolist() == [
        True, False, pd.NA, False, True, False, True, True, False, True
    ]  # fmt: skip
    assert out.loc["F2", "reopened_within_window"]
    gross = out["fcr_time_entry"].sum() / out["fcr_eligible"].sum()
    assert round(gross * 100, 1) == 55.6  # 5 / 9
    # net: #4 and #6 are onsite hardware jobs, not L1-resolvable
    net_base = out[out["fcr_eligible"] & ~out["ticket_id"].isin(["F4", "F6"])]
    assert net_base["fcr_time_entry"].sum() / len(net_base) == 5 / 7  # 71.4 %


def test_escalation_transfer_and_vendor_signals():
    end = et(2025, 6, 5, 12)  # Thu noon
    tickets = [resolved(t, end) for t in ("E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8")]
    changes = [
        # tier 1 -> tier 2 owner change on Tue 10:30
        ("E1", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E1", et(2025, 6, 3, 10, 30), "In Progress", "L2"),
        ("E1", end, "Resolved", "L2"),
        # tier 1 -> another tier 1: a transfer
        ("E2", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E2", et(2025, 6, 2, 13), "In Progress", "L1b"),
        ("E2", end, "Resolved", "L1b"),
        # waiting on a vendor, same tech throughout
        ("E3", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E3", et(2025, 6, 2, 10), "Waiting Vendor", "L1a"),
        ("E3", et(2025, 6, 3, 9), "In Progress", "L1a"),
        ("E3", end, "Resolved", "L1a"),
        # a status named "Escalated" on Mon 11:00
        ("E4", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E4", et(2025, 6, 2, 11), "Escalated", "L1a"),
        ("E4", end, "Resolved", "L1a"),
        # tier-up only after the resolve (a tier-2 admin closes it on Fri)
        ("E5", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E5", end, "Resolved", "L1a"),
        ("E5", et(2025, 6, 6, 9), "Closed", "L2"),
        # starts at tier 2 and moves down: never above the first tier
        ("E6", et(2025, 6, 2, 9, 5), "Assigned", "L2"),
        ("E6", et(2025, 6, 2, 10), "In Progress", "L1a"),
        ("E6", end, "Resolved", "L1a"),
        # a tech without a tier is skipped: the baseline is L1a, so L2 on Wed 08:00 escalates
        ("E7", et(2025, 6, 2, 9, 5), "Assigned", "NOTIER"),
        ("E7", et(2025, 6, 2, 10), "In Progress", "L1a"),
        ("E7", et(2025, 6, 4, 8), "In Progress", "L2"),
        ("E7", end, "Resolved", "L2"),
        # the tier-2 tech appears only with the resolve itself: not before the resolve
        ("E8", et(2025, 6, 2, 9, 5), "Assigned", "L1a"),
        ("E8", end, "Resolved", "L2"),
    ]
    out = run(tickets, changes)

    assert out["escalated"].to_dict() == {
        "E1": True, "E2": False, "E3": False, "E4": True,
        "E5": False, "E6": False, "E7": True, "E8": False,
    }  # fmt: skip
    assert list(out.index[out["transferred"]]) == ["E2"]
    assert list(out.index[out["vendor_escalated"]]) == ["E3"]
    assert out.loc["E1", "escalated_at"] == pd.Timestamp("2025-06-03 14:30", tz="UTC")
    # Mon 09:00-17:00 = 8 h, Tue 08:00-10:30 = 2.5 h
    assert out.loc["E1", "escalation_business_s"] == 10.5 * HOUR
    assert out.loc["E4", "escalated_at"] == pd.Timestamp("2025-06-02 15:00", tz="UTC")
    assert out.loc["E4", "escalation_business_s"] == 2 * HOUR  # Mon 09:00-11:00
    # Mon 8 h + Tue 9 h + Wed 0 h (08:00 is the start of the day)
    assert out.loc["E7", "escalation_business_s"] == 17 * HOUR
    assert pd.isna(out.loc["E2", "escalated_at"]) and math.isnan(
        out.loc["E2", "escalation_business_s"]
    )
    # no time entries, so only the escalation spoils E1's time-entry FCR
    # (bool(<NA>) raises, so a plain truth test also proves the value is known)
    assert not out.loc["E1", "fcr_time_entry"]
    assert out.loc["E2", "fcr_time_entry"]


def test_t_esc_1_rates_of_the_may_example():
    # metrics reference §4.2: 200 resolved; 24 tier 1 -> tier 2/Projects (6 of 20 P1, 18 of 180 P3),
    # 6 between two tier-1 techs, 3 into Waiting Vendor
    start, end = et(2025, 5, 5, 9), et(2025, 5, 7, 9)
    priorities = [1] * 20 + [3] * 180
    escalate = set(range(6)) | set(range(20, 38))  # 6 P1 + 18 P3
    lateral, vendor = set(range(38, 44)), set(range(44, 47))
    tickets, changes = [], []
    for i, priority in enumerate(priorities):
        tid = f"M{i:03d}"
        tickets.append(resolved(tid, end, created_at=start, priority=priority))
        changes.append((tid, et(2025, 5, 5, 9, 10), "Assigned", "L1a"))
        if i in escalate:
            changes.append((tid, et(2025, 5, 6, 9), "In Progress", "L3" if i < 4 else "L2"))
        elif i in lateral:
            changes.append((tid, et(2025, 5, 6, 9), "In Progress", "L1b"))
        elif i in vendor:
            changes.append((tid, et(2025, 5, 6, 9), "Waiting Vendor", "L1a"))
        changes.append((tid, end, "Resolved", None))
    out = run(tickets, changes)

    assert out["escalated"].mean() == 0.12  # 24 / 200
    assert out["transferred"].mean() == 0.03  # 6 / 200
    assert out["vendor_escalated"].mean() == 0.015  # 3 / 200
    by_priority = out["escalated"].groupby(np.array(priorities)).mean()
    assert by_priority.to_dict() == {1: 0.30, 3: 0.10}  # 6/20, 18/180
    # every escalation happened Tue 09:00 after a Mon 09:00 start: 8 h + 1 h business
    assert set(out.loc[out["escalated"], "escalation_business_s"]) == {9 * HOUR}


def test_reopen_within_the_window_counts_from_the_resolve():
    resolve = et(2025, 6, 2, 12)
    tickets = [{"ticket_id": t} for t in ("R1", "R2", "R3", "R4", "R5", "R6")]
    changes = [
        ("R1", resolve, "Resolved", None),
        ("R1", et(2025, 6, 9, 12), "In Progress", None),  # exactly 7 days: within
        ("R2", resolve, "Resolved", None),
        ("R2", et(2025, 6, 10, 12), "In Progress", None),  # 8 days: outside
        ("R3", resolve, "Resolved", None),
        ("R3", et(2025, 6, 8, 12), "Closed", None),
        ("R3", et(2025, 6, 10, 12), "In Progress", None),  # 2 d after close, 8 d after resolve
        ("R4", resolve, "Resolved", None),
        ("R4", et(2025, 6, 3, 12), "Cancelled", None),  # cancelling is not reopening
        ("R5", resolve, "Closed", None),
        ("R5", et(2025, 6, 3, 12), "Waiting Customer", None),  # any other category reopens
        ("R6", resolve, "Resolved", None),
        ("R6", et(2025, 6, 20, 12), "In Progress", None),  # first reopen too late (18 d) ...
        ("R6", et(2025, 6, 21, 12), "Resolved", None),
        ("R6", et(2025, 6, 23, 12), "Waiting Vendor", None),  # ... the second 2 d after re-resolve
    ]
    out = run(tickets, changes)
    assert out["reopened_within_window"].to_dict() == {
        "R1": True, "R2": False, "R3": False, "R4": False, "R5": True, "R6": True,
    }  # fmt: skip


def test_reopen_window_follows_the_setting():
    tickets = [{"ticket_id": "R2"}]
    changes = [
        ("R2", et(2025, 6, 2, 12), "Resolved", None),
        ("R2", et(2025, 6, 10, 12), "In Progress", None),  # 8 days
    ]
    thirty = load_settings(
        overrides={"analysis": {"reopen_window_days": 30}, "holidays": []}, use_local=False
    )
    assert run(tickets, changes, settings=thirty).loc["R2", "reopened_within_window"]


def test_next_response_cycles():
    c, a = "customer_message", "agent_reply"
    tickets = [
        {"ticket_id": "N1", "priority": 1},  # target 1 h
        {"ticket_id": "N2", "priority": None},  # no target
        {"ticket_id": "N3", "priority": 1},
        {"ticket_id": "N4", "priority": 3},  # target 4 h
    ]
    events = [
        ("N1", et(2025, 6, 2, 9), c),  # the ticket's opening message
        ("N1", et(2025, 6, 2, 9, 30), a),  # first response: excluded
        ("N1", et(2025, 6, 2, 9, 45), "internal_note"),  # ignored
        ("N1", et(2025, 6, 2, 10), c),
        ("N1", et(2025, 6, 2, 12), a),  # 2 business h: late (> 1 h)
        ("N1", et(2025, 6, 2, 13), c),
        ("N1", et(2025, 6, 2, 13, 20), c),  # same cycle, measured from 13:00
        ("N1", et(2025, 6, 2, 13, 50), a),  # 50 min: on time
        ("N1", et(2025, 6, 2, 16, 30), c),  # unanswered: not counted
        ("N2", et(2025, 6, 2, 9), c),
        ("N2", et(2025, 6, 2, 9, 10), a),
        ("N2", et(2025, 6, 2, 16, 30), c),
        ("N2", et(2025, 6, 3, 8, 30), a),  # Mon 16:30-17:00 + Tue 08:00-08:30 = 1 h
        ("N3", et(2025, 6, 2, 9), c),
        ("N3", et(2025, 6, 2, 9, 10), a),
        ("N3", et(2025, 6, 2, 16, 30), c),
        ("N3", et(2025, 6, 3, 8, 30), a),  # 1 h against 1 h: met, not late
        ("N4", et(2025, 6, 2, 9), a),  # the agent wrote first: that was the first reply
        ("N4", et(2025, 6, 2, 10), c),
        ("N4", et(2025, 6, 2, 10, 30), a),  # 30 min: counted
    ]
    out = run(tickets, events=events)

    assert out["next_response_count"].to_dict() == {"N1": 2, "N2": 1, "N3": 1, "N4": 1}
    assert out["next_response_late"].to_dict() == {"N1": 1, "N2": 0, "N3": 0, "N4": 0}
    assert out["next_response_business_s"].to_dict() == {
        "N1": 2 * HOUR + 50 * 60,  # 7200 + 3000
        "N2": HOUR,
        "N3": HOUR,
        "N4": 30 * 60,
    }
    assert out["agent_replies"].to_dict() == {"N1": 3, "N2": 2, "N3": 2, "N4": 2}
    # after created_at (Mon 09:00): N1 10:00, 13:00, 13:20, 16:30
    assert out["customer_followups"].to_dict() == {"N1": 4, "N2": 1, "N3": 1, "N4": 1}


def test_time_entries_per_ticket():
    entries = [
        ("T1", "L1a", 1.5, True),
        ("T1", "L1b", 0.25, False),
        ("T1", None, 2.0, None),  # no tech, billable unknown: counted, not billable
        ("T1", "L1a", 0.5, True),
        ("ZZ", "L1a", 9.0, True),  # unknown ticket: ignored
    ]
    out = run([{"ticket_id": "T1"}, {"ticket_id": "T2"}], entries=entries)
    assert out["time_entry_count"].to_dict() == {"T1": 4, "T2": 0}
    assert out["time_entry_techs"].to_dict() == {"T1": 2, "T2": 0}  # L1a, L1b
    assert out["hours_logged"].to_dict() == {"T1": 4.25, "T2": 0.0}  # 1.5 + 0.25 + 2 + 0.5
    assert out["billable_hours"].to_dict() == {"T1": 2.0, "T2": 0.0}  # 1.5 + 0.5


def test_fcr_eligibility_and_the_other_variants():
    end = et(2025, 6, 2, 10)
    tickets = [
        resolved("OK", end, resolution_business_s=HOUR),  # exactly 1 business hour: FCR
        resolved("SLOW", end, resolution_business_s=HOUR + 1),
        resolved("NORES", end),  # no resolution time: 1-hour variant unknown
        resolved("UNMAPPED", end, category_status=None, channel=None),  # NA-safe: eligible
        resolved("CANCEL", end, category_status="cancelled"),
        {"ticket_id": "OPEN"},
        resolved("ALERT", end, channel="Alert"),
        resolved("CHATTY", end, resolution_business_s=600.0),
    ]
    events = [
        ("CHATTY", et(2025, 6, 2, 9, 10), "agent_reply"),
        ("CHATTY", et(2025, 6, 2, 9, 20), "customer_message"),
        ("CHATTY", et(2025, 6, 2, 9, 30), "agent_reply"),
    ]
    out = run(tickets, events=events)

    assert out["fcr_eligible"].to_dict() == {
        "OK": True, "SLOW": True, "NORES": True, "UNMAPPED": True,
        "CANCEL": False, "OPEN": False, "ALERT": False, "CHATTY": True,
    }  # fmt: skip
    assert out["fcr_1_business_hour"].tolist() == [
        True, False, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, True
    ]  # fmt: skip
    assert not out.loc["CHATTY", "fcr_one_touch"]  # 2 agent replies
    assert not out.loc["CHATTY", "fcr_no_customer_followup"]  # the 09:20 message
    assert out.loc["OK", "fcr_one_touch"] and out.loc["OK", "fcr_no_customer_followup"]
    for column in ("fcr_time_entry", "fcr_one_touch", "fcr_no_customer_followup"):
        assert str(out[column].dtype) == "boolean"
        assert out[column].isna().tolist() == (~out["fcr_eligible"]).tolist()


def test_empty_inputs():
    out = run([])
    assert list(out.columns) == list(ACTIVITY_COLUMNS) and out.empty
    out = run([{"ticket_id": "T1"}])
    row = out.loc["T1"]
    assert row["time_entry_count"] == 0 and row["hours_logged"] == 0.0
    assert not row["escalated"] and pd.isna(row["escalated_at"])
    assert row["next_response_count"] == 0 and row["next_response_business_s"] == 0.0
    assert not row["fcr_eligible"] and pd.isna(row["fcr_time_entry"])


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        ("tickets", "ended_at"),
        ("status_changes", "tech_id"),
        ("time_entries", "billable"),
        ("ticket_events", "kind"),
        ("technicians", "tier"),
    ],
)
def test_missing_column_is_named(frame, column):
    frames = {
        "tickets": ticket_frame([{"ticket_id": "T1"}]),
        "status_changes": change_frame([]),
        "time_entries": entry_frame([]),
        "ticket_events": event_frame([]),
        "technicians": TECHNICIANS,
    }
    frames[frame] = frames[frame].drop(columns=[column])
    with pytest.raises(InputError, match=rf"{frame} lacks column\(s\) {column}") as info:
        compute_activity_facts(*frames.values(), SETTINGS)
    assert info.value.column == f"{frame}.{column}"


def test_repeated_ticket_id_is_refused():
    tickets = ticket_frame([{"ticket_id": "T1"}, {"ticket_id": "T1"}])
    with pytest.raises(InputError, match="tickets.ticket_id"):
        compute_activity_facts(
            tickets, change_frame([]), entry_frame([]), event_frame([]), TECHNICIANS, SETTINGS
        )
