"""Tests for the demo data generator: contract, consistency, realism and deliberate dirt."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from deskmetrics.demo import FRAME_COLUMNS, generate, write_csv
from deskmetrics.demo.catalog import STATUSES
from deskmetrics.errors import ConfigError

N = 2_000
OPEN = {"New", "Assigned", "In Progress", "Waiting Customer", "Waiting Vendor", "Scheduled"}
DONE = {"Resolved", "Closed"}
ID_COLUMNS = {
    "clients": ["client_id"],
    "contacts": ["contact_id", "client_id"],
    "technicians": ["tech_id"],
    "tickets": ["ticket_id", "client_id", "contact_id", "owner_tech_id"],
    "status_changes": ["ticket_id", "tech_id"],
    "time_entries": ["entry_id", "ticket_id", "tech_id"],
    "surveys": ["response_id", "ticket_id", "client_id", "tech_id"],
    "ticket_events": ["ticket_id", "tech_id"],
}
TIME_COLUMNS = {
    "tickets": [
        "created_at", "first_response_at", "resolved_at", "closed_at", "updated_at",
        "response_due_at", "resolution_due_at",
    ],
    "status_changes": ["changed_at"],
    "time_entries": ["started_at"],
    "surveys": ["submitted_at"],
    "ticket_events": ["at"],
}  # fmt: skip


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return generate(N)


@pytest.fixture(scope="module")
def tickets(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["tickets"].set_index("ticket_id", drop=False)


# --- determinism and contract -------------------------------------------------------------


def test_same_seed_gives_identical_frames(frames: dict[str, pd.DataFrame]) -> None:
    again = generate(N)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[name], check_exact=True)


def test_different_seed_differs(frames: dict[str, pd.DataFrame]) -> None:
    other = generate(N, seed=8)
    assert not frames["tickets"].equals(other["tickets"])
    assert not frames["clients"].equals(other["clients"])
    assert not frames["ticket_events"].equals(other["ticket_events"])


def test_default_end_is_fixed_not_now(frames: dict[str, pd.DataFrame]) -> None:
    end = pd.Timestamp(datetime(2026, 11, 20, 17, 0, tzinfo=ZoneInfo("America/New_York")))
    created = frames["tickets"]["created_at"]
    assert created.max() <= end
    assert created.max() > end - pd.Timedelta(days=3)
    assert frames["status_changes"]["changed_at"].max() <= end
    assert frames["ticket_events"]["at"].max() <= end


def test_frames_and_columns_match_contract(frames: dict[str, pd.DataFrame]) -> None:
    assert list(frames) == list(FRAME_COLUMNS)
    for name, columns in FRAME_COLUMNS.items():
        assert tuple(frames[name].columns) == columns, name
    assert len(frames["tickets"]) == N
    assert len(frames["clients"]) == 40
    assert len(frames["technicians"]) == 25
    assert 80 <= len(frames["contacts"]) <= 400


def test_dtypes(frames: dict[str, pd.DataFrame]) -> None:
    for name, columns in TIME_COLUMNS.items():
        for column in columns:
            dtype = frames[name][column].dtype
            assert isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC", column
    for name, columns in ID_COLUMNS.items():
        for column in columns:
            values = frames[name][column].dropna()
            assert pd.api.types.is_string_dtype(frames[name][column].dtype), column
            assert values.map(type).eq(str).all(), column
    assert frames["tickets"]["priority"].dtype == "Int64"
    assert frames["time_entries"]["billable"].dtype == bool


def test_ids_unique(frames: dict[str, pd.DataFrame]) -> None:
    for name, column in [
        ("clients", "client_id"), ("contacts", "contact_id"), ("technicians", "tech_id"),
        ("tickets", "ticket_id"), ("time_entries", "entry_id"), ("surveys", "response_id"),
    ]:  # fmt: skip
        assert frames[name][column].is_unique, column
        assert frames[name][column].notna().all(), column


# --- reference data -----------------------------------------------------------------------


def test_clients_contacts_technicians(frames: dict[str, pd.DataFrame]) -> None:
    clients, contacts, techs = frames["clients"], frames["contacts"], frames["technicians"]
    assert clients["name"].is_unique
    assert clients["seats"].between(5, 400).all()
    assert clients["seats"].max() >= 200 and clients["seats"].median() < 60  # long tail
    per_client = contacts.groupby("client_id").size()
    assert set(per_client.index) == set(clients["client_id"]) and per_client.min() >= 2
    seats = clients.set_index("client_id")["seats"]
    assert per_client[seats.idxmax()] > per_client[seats.idxmin()]
    assert contacts["email"].str.fullmatch(r"[a-z]+\.[a-z]+@[a-z0-9]+\.example").all()
    assert set(techs["team"]) == {"Service Desk", "Escalations", "Projects", "NOC"}
    assert set(techs["tier"]) == {1, 2, 3}


def test_referential_integrity(frames: dict[str, pd.DataFrame], tickets: pd.DataFrame) -> None:
    clients = set(frames["clients"]["client_id"])
    techs = set(frames["technicians"]["tech_id"])
    ticket_ids = set(tickets["ticket_id"])
    assert set(frames["contacts"]["client_id"]) <= clients
    assert set(tickets["client_id"]) <= clients
    assert set(tickets["owner_tech_id"].dropna()) <= techs
    for name in ("status_changes", "time_entries", "surveys", "ticket_events"):
        assert set(frames[name]["ticket_id"].dropna()) <= ticket_ids, name
        assert set(frames[name]["tech_id"].dropna()) <= techs, name
    assert frames["time_entries"]["tech_id"].notna().all()
    # A ticket's contact belongs to the ticket's client.
    contact_client = frames["contacts"].set_index("contact_id")["client_id"]
    with_contact = tickets.dropna(subset=["contact_id"])
    assert (contact_client.loc[with_contact["contact_id"]].to_numpy()
            == with_contact["client_id"].to_numpy()).all()  # fmt: skip
    surveys = frames["surveys"]
    assert (tickets.loc[surveys["ticket_id"], "client_id"].to_numpy()
            == surveys["client_id"].to_numpy()).all()  # fmt: skip


# --- tickets ------------------------------------------------------------------------------


def test_ticket_attributes(tickets: pd.DataFrame) -> None:
    assert set(tickets["board"]) == {"Help Desk", "Tier 2", "Projects", "Alerts"}
    alerts = tickets["board"] == "Alerts"
    assert (tickets.loc[alerts, "channel"] == "alert").all()
    assert set(tickets.loc[~alerts, "channel"]) == {"email", "phone", "portal", "chat"}
    assert set(tickets["priority"]) == {1, 2, 3, 4}
    assert tickets["priority"].value_counts().idxmax() == 3
    assert (tickets["source"] == "demo").all()
    assert tickets["title"].notna().all() and tickets["title"].nunique() > 50
    # Three-level tree: every item has one parent, every subcategory one category.
    assert 5 <= tickets["category"].nunique() <= 8
    assert tickets.groupby("subcategory")["category"].nunique().max() == 1
    assert tickets.groupby(["category", "subcategory"])["item"].nunique().between(1, 4).all()


def test_arrivals_follow_local_working_week(tickets: pd.DataFrame) -> None:
    local = tickets["created_at"].dt.tz_convert("America/New_York")
    weekday = local.dt.day_of_week < 5
    assert weekday.mean() > 0.8
    assert (weekday & local.dt.hour.between(8, 17)).mean() > 0.6
    by_day = local.dt.day_of_week.value_counts()
    assert by_day.idxmax() == 0  # Monday peak
    assert tickets["created_at"].is_monotonic_increasing


def test_statuses_and_lifecycle_mix(tickets: pd.DataFrame) -> None:
    status = tickets["status"]
    assert status.isin(DONE).mean() > 0.85
    assert 0.005 <= (status == "Cancelled").mean() <= 0.02
    # Recent tickets are far more likely to be open than old ones.
    age = tickets["created_at"].max() - tickets["created_at"]
    is_open = status.isin(OPEN)
    assert is_open[age < pd.Timedelta(days=3)].mean() > is_open[age > pd.Timedelta(days=60)].mean()
    native = tickets["response_due_at"].notna()
    assert 0.05 <= native.mean() <= 0.15
    assert (native == tickets["resolution_due_at"].notna()).all()
    due = tickets[native]
    assert (due["response_due_at"] <= due["resolution_due_at"]).all()


def test_ticket_time_ordering(tickets: pd.DataFrame) -> None:
    created, first = tickets["created_at"], tickets["first_response_at"]
    resolved, closed = tickets["resolved_at"], tickets["closed_at"]
    assert (first.dropna() >= created[first.notna()]).all()
    both = resolved.notna() & closed.notna()
    assert (closed[both] >= resolved[both]).all()
    assert ((closed[both] == resolved[both]).mean()) > 0.2  # one-step closes exist ...
    assert ((closed[both] > resolved[both]).mean()) > 0.2  # ... and two-step ones
    for column in ("created_at", "first_response_at", "closed_at"):
        has = tickets[column].notna()
        assert (tickets.loc[has, "updated_at"] >= tickets.loc[has, column]).all(), column
    assert resolved[tickets["status"].isin(OPEN)].isna().all()
    # Auto-closed alerts never get a human first response.
    assert first[tickets["board"] == "Alerts"].isna().any()


def test_deliberately_dirty_records_exist(tickets: pd.DataFrame) -> None:
    status = tickets["status"]
    unmapped = ~status.isin(STATUSES)
    assert 1 <= unmapped.sum() <= 0.01 * N
    is_open = status.isin(OPEN)
    unassigned_open = (is_open & tickets["owner_tech_id"].isna()).sum()
    assert 1 <= unassigned_open <= 0.2 * is_open.sum()
    assert (status.isin(DONE) & tickets["resolved_at"].isna()).sum() >= 1
    early = (tickets["resolved_at"] < tickets["created_at"]).sum()
    assert 1 <= early <= 0.005 * N


# --- status history -----------------------------------------------------------------------


def test_status_changes_consistent_with_tickets(
    frames: dict[str, pd.DataFrame], tickets: pd.DataFrame
) -> None:
    changes = frames["status_changes"]
    assert set(changes["ticket_id"]) == set(tickets["ticket_id"])
    assert changes.groupby("ticket_id", sort=False)["changed_at"].apply(
        lambda s: s.is_monotonic_increasing
    ).all()  # fmt: skip
    first = changes.groupby("ticket_id").first()
    last = changes.groupby("ticket_id").last()
    assert (first["status"] == "New").all()
    assert (first["changed_at"] == tickets.loc[first.index, "created_at"]).all()
    assert (last["status"] == tickets.loc[last.index, "status"]).all()
    # The last Resolved change is the ticket's resolved_at (except the deliberately broken ones).
    resolves = changes[changes["status"] == "Resolved"].groupby("ticket_id")["changed_at"].last()
    done = tickets[tickets["status"].isin(DONE) & tickets["resolved_at"].notna()]
    done = done[done["resolved_at"] >= done["created_at"]]
    assert (resolves.loc[done.index] == done["resolved_at"]).all()
    closes = changes[changes["status"] == "Closed"].groupby("ticket_id")["changed_at"].last()
    closed = tickets[(tickets["status"] == "Closed") & tickets["closed_at"].notna()]
    assert (closes.loc[closed.index] == closed["closed_at"]).all()
    # Owners match the last change's technician.
    assert last["tech_id"].equals(tickets.loc[last.index, "owner_tech_id"].rename("tech_id"))


def test_status_history_patterns(frames: dict[str, pd.DataFrame]) -> None:
    changes = frames["status_changes"]
    per_ticket = changes.groupby("ticket_id")
    waiting = changes["status"].isin(["Waiting Customer", "Waiting Vendor", "Scheduled"])
    assert 0.1 <= waiting.groupby(changes["ticket_id"]).any().mean() <= 0.3
    reopened = (changes["status"] == "Resolved").groupby(changes["ticket_id"]).sum() > 1
    assert 0.02 <= reopened.mean() <= 0.07
    tier = frames["technicians"].set_index("tech_id")["tier"]
    tiers = changes["tech_id"].map(tier)
    rise = tiers.groupby(changes["ticket_id"]).agg(lambda s: s.dropna().is_monotonic_increasing)
    escalated = per_ticket["tech_id"].nunique() > 1
    assert 0.05 <= escalated.mean() <= 0.15
    assert rise[escalated].all()  # escalations always go up a tier


# --- time entries and surveys -------------------------------------------------------------


def test_time_entries(frames: dict[str, pd.DataFrame], tickets: pd.DataFrame) -> None:
    entries = frames["time_entries"].dropna(subset=["ticket_id"])  # project and admin time: none
    per_ticket = entries.groupby("ticket_id").size()
    assert per_ticket.max() <= 5
    assert 0.8 <= len(entries) / N <= 3.0
    assert (entries["hours"] > 0).all() and ((entries["hours"] * 4) % 1 == 0).all()
    assert 0.55 <= entries["billable"].mean() <= 0.85
    started_ok = entries["started_at"] >= tickets.loc[entries["ticket_id"], "created_at"].to_numpy()
    assert started_ok.all()
    alerts = tickets.index[tickets["board"] == "Alerts"]
    assert per_ticket.reindex(alerts, fill_value=0).eq(0).mean() > 0.5


def test_surveys(frames: dict[str, pd.DataFrame], tickets: pd.DataFrame) -> None:
    surveys = frames["surveys"]
    resolved = tickets["status"].isin(DONE)
    assert 0.12 <= len(surveys) / resolved.sum() <= 0.3
    assert tickets.loc[surveys["ticket_id"], "status"].isin(DONE).all()
    ranges = {"smileback": {-1, 0, 1}, "crewhu": {-5, 0, 5}, "stars5": set(range(1, 6)),
              "nps": set(range(11)), "ces7": set(range(1, 8))}  # fmt: skip
    assert set(surveys["scale"]) <= set(ranges)
    for scale, allowed in ranges.items():
        assert set(surveys.loc[surveys["scale"] == scale, "rating"]) <= allowed, scale
    sources = {"smileback": {"smileback"}, "crewhu": {"crewhu"}, "stars5": {"simplesat"},
               "nps": {"simplesat"}, "ces7": {"simplesat"}}  # fmt: skip
    for scale, group in surveys.groupby("scale"):
        assert set(group["source"]) <= sources[scale]
    assert {"smileback", "crewhu", "stars5"} <= set(surveys["scale"])
    assert surveys["source"].groupby(surveys["client_id"]).nunique().max() == 1  # one tool each
    resolved_at = tickets.loc[surveys["ticket_id"], "resolved_at"].to_numpy()
    has = ~pd.isna(resolved_at)
    assert (surveys["submitted_at"].to_numpy()[has] >= resolved_at[has]).all()
    top = {"smileback": 1, "crewhu": 5}
    main = surveys[surveys["scale"].isin(top)]
    positive = (main["rating"] == main["scale"].map(top)).mean()
    assert 0.8 <= positive <= 0.95
    comments = surveys["comment"].dropna()
    assert 0 < len(comments) < len(surveys)


# --- parameters and CSV -------------------------------------------------------------------


def test_custom_end_and_timezone() -> None:
    end = datetime(2024, 3, 10, 12, 0)  # naive: local to the given zone
    frames = generate(300, seed=3, end=end, timezone="Europe/Berlin")
    limit = pd.Timestamp(end, tz="Europe/Berlin")
    assert frames["tickets"]["created_at"].max() <= limit
    assert frames["status_changes"]["changed_at"].max() <= limit
    assert frames["ticket_events"]["at"].max() <= limit


def test_tiny_and_invalid_arguments() -> None:
    assert len(generate(1)["tickets"]) == 1
    with pytest.raises(ConfigError):
        generate(0)
    with pytest.raises(ConfigError):
        generate(10, timezone="Mars/Olympus_Mons")


def test_write_csv_round_trip(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    write_csv(frames, tmp_path / "demo")
    for name, frame in frames.items():
        back = pd.read_csv(tmp_path / "demo" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(back.columns) == list(frame.columns), name
        assert len(back) == len(frame), name
        for column in TIME_COLUMNS.get(name, []):
            text = back[column]
            assert text[text != ""].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
            parsed = pd.to_datetime(text.replace("", None), utc=True)
            pd.testing.assert_series_equal(parsed, frame[column], check_dtype=False)
    tickets = pd.read_csv(tmp_path / "demo" / "tickets.csv", dtype=str, keep_default_na=False)
    assert (tickets["owner_tech_id"] == "").sum() == frames["tickets"]["owner_tech_id"].isna().sum()
    entries = pd.read_csv(tmp_path / "demo" / "time_entries.csv", dtype=str)
    assert set(entries["billable"]) == {"true", "false"}
    events = pd.read_csv(tmp_path / "demo" / "ticket_events.csv", dtype=str, keep_default_na=False)
    assert ((events["tech_id"] == "") == (events["kind"] == "customer_message")).all()
