"""The demo's business tables: deterministic, within the CSV contract, and shaped like an MSP's
(renewals in every window, MRR with pending lines, over-run projects, a pipeline with history,
overdue timesheets), plus the time entries' new columns and the time logged without a ticket."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from deskmetrics.config import load_settings
from deskmetrics.demo import FRAME_COLUMNS, generate, write_csv
from deskmetrics.demo.business import BUSINESS_FRAMES
from deskmetrics.warehouse.importer import read_csv_dir

N = 500
END_DAY = date(2026, 11, 20)
END = pd.Timestamp("2026-11-20T17:00", tz="America/New_York")
# tables that depend only on the seed, not on the number of tickets
FIXED = [n for n in BUSINESS_FRAMES if n not in ("revenue_lines", "hard_costs")]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return generate(N)


def _days(column: pd.Series) -> pd.Series:
    return column.map(lambda d: (d - END_DAY).days, na_action="ignore")


def test_deterministic_and_independent_of_the_ticket_count(frames):
    again, fewer, other = generate(N), generate(200), generate(N, seed=8)
    for name in BUSINESS_FRAMES:
        pd.testing.assert_frame_equal(frames[name], again[name], check_exact=True)
        assert not frames[name].equals(other[name]), name
    for name in FIXED:
        pd.testing.assert_frame_equal(frames[name], fewer[name], check_exact=True)
    pd.testing.assert_frame_equal(frames["technicians"], fewer["technicians"], check_exact=True)


def test_frames_follow_the_csv_contract(frames, tmp_path):
    assert list(frames)[-len(BUSINESS_FRAMES) :] == list(BUSINESS_FRAMES)
    for name, columns in FRAME_COLUMNS.items():
        assert tuple(frames[name].columns) == columns, name
    write_csv(frames, tmp_path)
    back = read_csv_dir(tmp_path, load_settings(None))  # every value passes the contract
    for name, frame in frames.items():
        assert len(back[name]) == len(frame), name
    assert back["agreements"]["end_date"].equals(frames["agreements"]["end_date"])


def test_agreements_renew_in_every_window(frames):
    agreements, clients = frames["agreements"], frames["clients"]
    per_client = agreements.groupby("client_id").size()
    assert set(per_client.index) == set(clients["client_id"])
    assert per_client.between(1, 3).all()
    managed = agreements[agreements["type"] == "recurring"]
    assert managed["name"].str.startswith("Managed IT").sum() >= 0.7 * len(clients)
    assert {"block_hours", "time_and_materials"} <= set(agreements["type"])
    active = agreements[~agreements["cancelled"]]
    left = _days(active["end_date"])
    for low, high in ((0, 30), (31, 60), (61, 90)):
        assert left.between(low, high).sum() >= 2, (low, high)
    assert (left > 365).sum() >= 3
    assert (active["end_date"].isna() & (active["type"] == "recurring")).sum() >= 3
    gone = agreements[agreements["cancelled"]]
    assert len(gone) >= 1 and (_days(gone["end_date"]) < 0).all()
    assert agreements.loc[agreements["type"] != "recurring", "recurring_revenue"].isna().all()
    assert (agreements["start_date"].dropna() <= END_DAY).all()


def test_revenue_lines_and_hard_costs(frames):
    lines, agreements = frames["revenue_lines"], frames["agreements"]
    months = pd.to_datetime(lines["line_date"].astype(str)).dt.to_period("M")
    assert months.nunique() >= 13 and lines["line_date"].max() <= END_DAY
    assert set(lines["agreement_id"].dropna()) <= set(agreements["agreement_id"])
    monthly = agreements[agreements["period_type"] == "monthly"]["agreement_id"]
    per_month = lines[lines["agreement_id"].isin(monthly)].groupby(months).size()
    assert per_month.min() >= 20  # every month bills the managed-services fees
    last = lines[months == months.max()]
    assert set(last["status"]) == {"pending", "invoiced"}
    assert (lines["status"] == "invoiced").equals(lines["invoice_id"].notna())
    assert set(lines.loc[months < months.max(), "status"]) == {"invoiced"}
    credits = lines[lines["amount"] < 0]
    assert len(credits) >= 1 and set(credits["service"]) == {"Credit"}
    assert {"Managed services", "Hardware", "Project", "Time and materials"} <= set(
        lines["service"]
    )
    costs = frames["hard_costs"]
    assert (costs["amount"] >= 0).all() and len(costs) > 12 * 20
    assert set(costs["agreement_id"].dropna()) <= set(agreements["agreement_id"])


def test_roles_and_cost_rates(frames):
    techs, rates = frames["technicians"], frames["cost_rates"]
    assert set(techs["role"]) == {"Tier 1", "Tier 2", "Tier 3", "Engineer"}
    assert techs["weekly_hours"].isna().sum() >= 1 and (techs["weekly_hours"].dropna() > 0).all()
    roles = rates[rates["subject"] == "role"]
    assert set(roles["subject_id"]) == set(techs["role"])
    personal = rates[rates["subject"] == "technician"]
    assert 1 <= len(personal) <= 5 and set(personal["subject_id"]) <= set(techs["tech_id"])
    assert (rates["effective_from"] <= END_DAY).all()
    # every time entry has a role rate in force on its day
    first = roles["effective_from"].min()
    assert (frames["time_entries"]["started_at"].dt.date >= first).all()


def test_devices(frames):
    devices = frames["devices"]
    assert 300 <= len(devices) <= 5_000 and devices["device_id"].is_unique
    assert {"workstation", "server", "network"} <= set(devices["device_type"])
    assert set(devices["contract_status"]) == {"covered", "awaiting_review", "not_covered"}
    found = devices["discovered_at"]
    assert found.max() <= END and found.min() < END - pd.Timedelta(days=365)
    waiting = devices["contract_status"] == "awaiting_review"
    assert (found[waiting] > END - pd.Timedelta(days=22)).all()
    assert waiting.sum() >= 20  # the recent batch
    patches = devices["missing_patches"]
    assert patches.median() <= 2 and patches.max() >= 20 and (patches == 0).mean() > 0.3


def test_projects_run_over_hours_and_schedule(frames):
    projects = frames["projects"]
    assert 20 <= len(projects) <= 40
    over_hours = projects["actual_hours"] > projects["budget_hours"]
    closed_day = projects["closed_at"].dt.tz_convert("America/New_York").dt.date
    late = np.where(
        projects["status"] == "closed",
        closed_day > projects["due_date"],
        (projects["status"] != "cancelled") & (projects["due_date"] < END_DAY),
    )
    assert (over_hours & ~late).sum() >= 1 and (late & ~over_hours).sum() >= 1
    assert (over_hours & late).sum() >= 1 and (~over_hours & ~late).sum() >= 1
    assert set(projects["status"]) == {"open", "on_hold", "closed", "cancelled"}
    assert projects["closed_at"].notna().equals(projects["status"].isin(["closed", "cancelled"]))
    assert projects["category"].nunique() >= 4
    # a project's actual hours are its time entries'
    entries = frames["time_entries"]
    logged = entries.groupby("project_id")["hours"].sum()
    actual = projects.set_index("project_id")["actual_hours"]
    pd.testing.assert_series_equal(
        logged.reindex(actual.index, fill_value=0.0), actual, check_names=False
    )


def test_opportunities_and_their_stage_history(frames):
    opps, stages = frames["opportunities"], frames["opportunity_stages"]
    assert 150 <= len(opps) <= 300
    assert opps["created_at"].min() >= END - pd.Timedelta(days=549)
    won, lost, open_ = (
        (opps["outcome"] == "won"),
        (opps["outcome"] == "lost"),
        opps["outcome"].isna(),
    )
    assert won.sum() >= 20 and lost.sum() >= 20 and open_.sum() >= 10
    assert opps.loc[~open_, "reason"].notna().all() and opps.loc[open_, "reason"].isna().all()
    assert opps.loc[~open_, "closed_at"].notna().all() and opps.loc[open_, "closed_at"].isna().all()
    assert set(opps.loc[won, "probability"]) == {100} and set(opps.loc[lost, "probability"]) == {0}
    assert opps.loc[open_, "probability"].between(1, 99).all()
    assert (opps.loc[open_, "expected_close"] > END_DAY).any()
    assert (opps.loc[open_, "expected_close"] < END_DAY).any()  # overdue pipeline
    assert opps["client_id"].isna().any() and opps["client_id"].notna().any()

    assert stages["changed_at"].max() <= END
    assert not stages.duplicated(["opportunity_id", "changed_at", "stage"]).any()
    grouped = stages.groupby("opportunity_id", sort=False)
    assert grouped["changed_at"].apply(lambda s: s.is_monotonic_increasing).all()
    history = opps.set_index("opportunity_id")
    first, last = grouped.first(), grouped.last()
    assert (first["stage"] == "Prospecting").all()
    assert (first["changed_at"] == history.loc[first.index, "created_at"]).all()
    assert (last["stage"] == history.loc[last.index, "stage"]).all()
    closed = history["closed_at"].dropna()
    assert (last.loc[closed.index, "changed_at"] == closed).all()


def test_timesheets_of_the_last_twelve_weeks(frames):
    sheets = frames["timesheets"]
    weeks = sorted(sheets["week_start"].unique())
    assert len(weeks) == 12 and all(w.weekday() == 0 for w in weeks)
    assert weeks[-1] <= END_DAY < weeks[-1] + pd.Timedelta(days=7)
    assert len(sheets) == 12 * len(frames["technicians"])
    past_deadline = (sheets["status"] == "open") & (sheets["week_start"] < weeks[-1])
    assert 2 <= sheets.loc[past_deadline, "tech_id"].nunique() <= 5
    assert sheets["submitted_at"].isna().equals(sheets["status"] == "open")
    assert sheets["submitted_at"].max() <= END


def test_time_entries_gain_client_agreement_and_work_type(frames):
    entries, tickets = frames["time_entries"], frames["tickets"].set_index("ticket_id")
    on_ticket = entries[entries["ticket_id"].notna()]
    assert on_ticket["entry_id"].str.startswith("TE").all()
    assert entries.index[: len(on_ticket)].equals(on_ticket.index)  # ticket time comes first
    clients = tickets.loc[on_ticket["ticket_id"], "client_id"].to_numpy()
    assert (on_ticket["client_id"].to_numpy() == clients).all()
    agreements = frames["agreements"].set_index("agreement_id")
    charged = on_ticket.dropna(subset=["agreement_id"])
    assert len(charged) >= 0.9 * len(on_ticket)
    owner = agreements.loc[charged["agreement_id"], "client_id"].to_numpy()
    assert (owner == charged["client_id"].to_numpy()).all()
    assert {"Remote Support", "Onsite", "After Hours", "NOC"} == set(on_ticket["work_type"])

    other = entries[entries["ticket_id"].isna()]
    project = other["work_type"] == "Project"
    assert project.sum() > 0 and (~project).sum() > 0
    assert other.loc[project, ["project_id", "client_id"]].notna().all().all()
    assert other.loc[project, "billable"].all() and not other.loc[~project, "billable"].any()
    assert other.loc[~project, ["project_id", "client_id", "agreement_id"]].isna().all().all()
    assert set(other.loc[~project, "work_type"]) == {"Admin", "Internal Meeting", "Training"}
    assert entries["entry_id"].is_unique and entries["started_at"].max() <= END


def test_a_custom_end_places_everything_before_it():
    end = datetime(2024, 3, 10, 12, 0)
    frames = generate(200, seed=3, end=end, timezone="Europe/Berlin")
    limit = pd.Timestamp(end, tz="Europe/Berlin")
    assert frames["revenue_lines"]["line_date"].max() <= limit.date()
    assert frames["opportunities"]["created_at"].max() <= limit
    assert frames["devices"]["discovered_at"].max() <= limit
    assert frames["time_entries"]["started_at"].max() <= limit
    assert frames["timesheets"]["week_start"].max() <= limit.date()
