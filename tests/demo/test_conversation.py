"""Tests for the demo ticket conversations (``ticket_events``): consistency with each ticket's
life, the contract of the frame and the realism of the threads."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from deskmetrics.demo import generate

N = 2_000
OPEN = {"New", "Assigned", "In Progress", "Waiting Customer", "Waiting Vendor", "Scheduled"}
DONE = {"Resolved", "Closed"}
KINDS = {"customer_message", "agent_reply", "internal_note"}
END = pd.Timestamp(datetime(2026, 11, 20, 17, 0, tzinfo=ZoneInfo("America/New_York")))  # default


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return generate(N)


@pytest.fixture(scope="module")
def tickets(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["tickets"].set_index("ticket_id", drop=False)


@pytest.fixture(scope="module")
def events(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["ticket_events"]


def test_ticket_events_contract(events: pd.DataFrame) -> None:
    assert set(events["kind"]) == KINDS
    assert not events.duplicated(["ticket_id", "at", "kind"]).any()
    customer = events["kind"] == "customer_message"
    assert events.loc[customer, "tech_id"].isna().all()
    assert events.loc[~customer, "tech_id"].notna().all()
    # Sorted by ticket, then time.
    assert events["ticket_id"].is_monotonic_increasing
    assert events.groupby("ticket_id", sort=False)["at"].apply(
        lambda s: s.is_monotonic_increasing
    ).all()  # fmt: skip


def test_ticket_events_inside_ticket_life(events: pd.DataFrame, tickets: pd.DataFrame) -> None:
    ticket = tickets.loc[events["ticket_id"]]
    created = ticket["created_at"].to_numpy()
    # The resolve bounds the thread; without a usable one (open, cancelled or deliberately
    # broken timestamps) the history's end does.
    resolved = ticket["resolved_at"].where(ticket["resolved_at"] >= ticket["created_at"])
    bound = resolved.fillna(END).to_numpy()
    at = events["at"].to_numpy()
    assert ((at >= created) & (at <= bound)).all()
    # Only the opening message sits on created_at; follow-ups are strictly inside the window.
    opening = at == created
    assert (events.loc[opening, "kind"] == "customer_message").all()
    done = ticket["resolved_at"].notna().to_numpy() & (bound == ticket["resolved_at"].to_numpy())
    assert (at[done] < bound[done]).all()


def test_ticket_events_opening_and_first_reply(
    frames: dict[str, pd.DataFrame], events: pd.DataFrame, tickets: pd.DataFrame
) -> None:
    alerts = tickets["channel"] == "alert"
    customer = events[events["kind"] == "customer_message"]
    assert not customer["ticket_id"].isin(tickets.index[alerts]).any()
    # Every human-raised ticket opens with the customer's message at created_at.
    opening = customer.groupby("ticket_id")["at"].min()
    human = tickets[~alerts]
    assert set(opening.index) == set(human.index)
    assert (opening.loc[human.index] == human["created_at"]).all()
    # The first agent reply is the ticket's first response, by the technician holding it then.
    replies = events[events["kind"] == "agent_reply"].groupby("ticket_id").first()
    first = tickets["first_response_at"].dropna()
    assert set(replies.index) == set(first.index)
    assert (replies.loc[first.index, "at"] == first).all()
    changes = frames["status_changes"].merge(first.rename("first"), left_on="ticket_id",
                                             right_index=True)  # fmt: skip
    at_first = changes[(changes["changed_at"] == changes["first"])
                       & (changes["status"] == "In Progress")].groupby("ticket_id").first()  # fmt: skip
    held = at_first["tech_id"].dropna()
    assert len(held) > 0.9 * len(first)
    assert (replies.loc[held.index, "tech_id"] == held).all()


def test_ticket_events_conversation_patterns(
    frames: dict[str, pd.DataFrame], events: pd.DataFrame, tickets: pd.DataFrame
) -> None:
    human = tickets.index[tickets["channel"] != "alert"]
    kind = events["kind"]
    follow_ups = (kind == "customer_message").groupby(events["ticket_id"]).sum() - 1
    follow_ups = follow_ups.reindex(human, fill_value=0)
    assert follow_ups.between(0, 4).all()
    counts = follow_ups.value_counts()
    assert counts.idxmax() == 0 and counts[0] > counts[1] > counts[2] > counts[3]  # long tail
    assert 0.7 <= follow_ups.mean() <= 1.6
    # Waiting periods and reopens mean more back-and-forth.
    changes = frames["status_changes"]
    waited = changes["status"].isin(["Waiting Customer", "Waiting Vendor", "Scheduled"])
    reopened = (changes["status"] == "Resolved").groupby(changes["ticket_id"]).sum() > 1
    busy = waited.groupby(changes["ticket_id"]).any() | reopened
    busy = busy.reindex(human, fill_value=False)
    assert follow_ups[busy].mean() > 1.5 * follow_ups[~busy].mean()
    # Replies come minutes to hours after the customer writes.
    previous = events.groupby("ticket_id")[["kind", "at"]].shift()
    answer = (kind == "agent_reply") & (previous["kind"] == "customer_message")
    delay = (events["at"] - previous["at"])[answer]
    assert pd.Timedelta(minutes=10) <= delay.median() <= pd.Timedelta(hours=4)
    # Some open tickets end with a customer follow-up nobody has answered yet.
    last = events.groupby("ticket_id").last()
    open_ids = tickets.index[tickets["status"].isin(OPEN)].intersection(last.index)
    waiting = (last.loc[open_ids, "kind"] == "customer_message") & (
        follow_ups.reindex(open_ids) > 0
    )
    assert 1 <= waiting.sum() < len(open_ids)
    closed_ids = tickets.index[tickets["status"].isin(DONE)].intersection(last.index)
    assert (last.loc[closed_ids, "kind"] == "customer_message").mean() < 0.05


def test_ticket_events_internal_notes(events: pd.DataFrame, tickets: pd.DataFrame) -> None:
    notes = events[events["kind"] == "internal_note"]
    assert 0.5 <= len(notes) / len(tickets) <= 1.5
    # Alerts have no customer: a worked alert is documented in internal notes.
    worked = tickets[(tickets["channel"] == "alert") & tickets["first_response_at"].notna()
                     & tickets["status"].isin(DONE)]  # fmt: skip
    assert len(worked) > 0
    assert worked.index.isin(notes["ticket_id"]).all()
    # Notes are written by technicians, mostly the one holding the ticket.
    assert notes["ticket_id"].isin(tickets.index[tickets["channel"] != "alert"]).any()
    owner = tickets.loc[notes["ticket_id"], "owner_tech_id"].to_numpy()
    assert (notes["tech_id"].to_numpy() == owner).mean() > 0.7
    # Nobody writes notes on tickets nobody has worked (auto-closed alerts).
    assert not notes["ticket_id"].isin(tickets.index[tickets["first_response_at"].isna()]).any()
