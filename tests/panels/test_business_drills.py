"""Record drill-downs of the Business tab on the hand-computed business fixture
(tests/fixtures/business_kpis/README.md): the records listed behind a row add up to the
panel's number for that row, in the period and under the Client filter."""

from __future__ import annotations

import pytest
from panels.test_business_fixture import DECEMBER, load_business, run

from deskmetrics.errors import MetricError
from deskmetrics.panels.model import panels_for
from deskmetrics.panels.run import drill_panel, drill_records
from deskmetrics.session import Session

# panel -> row key, {drill field: the records' column that sums to it (None: count records)}
DRILLS = {
    "profitability_by_client": (
        "client_id",
        {
            "revenue": "amount",
            "hard_costs": "amount",
            "labour_cost": "labour_cost",
            "hours": "hours",
        },
    ),
    "profitability_by_agreement": (
        "agreement_id",
        {
            "revenue": "amount",
            "hard_costs": "amount",
            "labour_cost": "labour_cost",
            "hours": "hours",
        },
    ),
    "pending_revenue_by_client": ("client_id", {"pending_amount": "amount", "lines": None}),
    "contracts_expiring": (
        "agreement_type",
        {"within_30_days": None, "within_60_days": None, "within_90_days": None},
    ),
    "devices_awaiting_review": ("client_id", {"awaiting_review": None, "devices": None}),
    "missing_patches_by_client": (
        "client_id",
        {
            "devices": None,
            "devices_missing_patches": None,
            "missing_patches": "missing_patches",
            "devices_patches_unknown": None,
        },
    ),
    "projects_at_risk": ("risk", {"projects": None}),
    "sales_funnel": (
        "stage",
        {"opportunities": None, "amount": "amount", "weighted_amount": "weighted_amount"},
    ),
    "won_lost_by_reason": (
        "reason",
        {"won": None, "lost": None, "won_amount": "amount", "lost_amount": "amount"},
    ),
}


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Session:
    return load_business(f"duckdb:///{tmp_path_factory.mktemp('drills') / 'w.duckdb'}")


def _drill(session: Session, panel_id: str, row: dict, field: str, **filters: str):
    scope = session.scope(*DECEMBER, **filters)
    with session.warehouse.reading() as conn:
        return drill_records(conn, session.settings, scope, panel_id, row, field)


def _row(frame, key: str, value) -> dict:
    return frame[frame[key].fillna("-") == value].iloc[0].to_dict()


@pytest.mark.parametrize("filters", [{}, {"client": "C1"}, {"client": "C2"}])
@pytest.mark.parametrize("panel_id", sorted(DRILLS))
def test_records_add_up_to_every_rows_number(business, panel_id, filters):
    key, fields = DRILLS[panel_id]
    frame = run(business, panel_id, *DECEMBER, **filters)
    assert set(fields) <= set(frame.columns)
    for row in frame.to_dict("records"):
        for field, column in fields.items():
            records = _drill(business, panel_id, row, field, **filters)
            got = len(records) if column is None else records[column].sum()
            assert got == pytest.approx(float(row[field])), (row[key], field)
            if filters and "client" in records.columns and len(records):
                client = run(business, "profitability_by_client", *DECEMBER, **filters)
                assert set(records["client"]) <= set(client["client"]), (row[key], field)


def test_business_panels_declare_their_record_drills(business):
    drilled = {p.id for p in panels_for("business") if p.drill_records is not None}
    assert set(DRILLS) <= drilled
    for panel in panels_for("business"):
        assert panel.drill is None  # their rows are not tickets
        if panel.drill_records is not None:
            assert set(DRILLS[panel.id][1]) == set(panel.drill_fields)
            assert panel.drill_button.startswith("List ")


def test_acme_dentals_revenue_lines_sum_to_3600(business):
    row = _row(run(business, "profitability_by_client"), "client_id", "C1")
    lines = _drill(business, "profitability_by_client", row, "revenue")
    assert list(lines.columns) == [
        "line",
        "date",
        "client",
        "agreement",
        "service",
        "status",
        "amount",
    ]
    assert list(lines["line"]) == ["L1", "L2"] and lines["amount"].sum() == 3600
    assert all(len(d) == 10 and d.startswith("2024-12-") for d in lines["date"])
    assert lines["date"].iloc[-1] == "2024-12-31"  # L2, pending
    assert set(lines["client"]) == {"Acme Dental"}


def test_acme_dentals_time_entries_carry_their_hourly_cost(business):
    row = _row(run(business, "profitability_by_client"), "client_id", "C1")
    entries = _drill(business, "profitability_by_client", row, "labour_cost")
    by_entry = dict(zip(entries["entry"], entries["hourly_cost"], strict=True))
    # E4's local day is the 15th, before K2's own rate: the role's 40; E5 the own 45
    assert by_entry["E4"] == 40 and by_entry["E5"] == 45
    assert entries["hours"].sum() == 27 and entries["labour_cost"].sum() == 980
    assert dict(zip(entries["entry"], entries["date"], strict=True))["E15"] == "2024-12-31"


def test_the_rows_without_a_key_list_their_records(business):
    frame = run(business, "profitability_by_agreement")
    none = _row(frame, "agreement_id", "-")  # (no agreement): L5, L10; H2; E6, E11
    lines = _drill(business, "profitability_by_agreement", none, "revenue")
    assert sorted(lines["line"]) == ["L10", "L5"]
    costs = _drill(business, "profitability_by_agreement", none, "hard_costs")
    assert list(costs["cost"]) == ["H2"]
    entries = _drill(business, "profitability_by_agreement", none, "hours")
    assert sorted(entries["entry"]) == ["E11", "E6"]
    devices = run(business, "devices_awaiting_review")
    assert list(
        _drill(business, "devices_awaiting_review", _row(devices, "client_id", "-"), "devices")[
            "device_id"
        ]
    ) == ["D9"]


def test_named_records_behind_the_readme_counts(business):
    contracts = run(business, "contracts_expiring")
    recurring = _row(contracts, "agreement_type", "recurring")
    listed = _drill(business, "contracts_expiring", recurring, "within_60_days")
    assert list(listed["agreement_id"]) == ["A5", "A1", "A6"]  # A4 is cancelled
    assert list(listed["end_date"]) == ["2025-01-20", "2025-01-31", "2025-03-01"]
    risks = run(business, "projects_at_risk")
    late = _drill(business, "projects_at_risk", _row(risks, "risk", "over schedule"), "projects")
    assert sorted(late["project_id"]) == ["PR1", "PR3"]
    funnel = run(business, "sales_funnel")
    proposal = _drill(business, "sales_funnel", _row(funnel, "stage", "Proposal"), "amount")
    assert sorted(proposal["opportunity_id"]) == ["O11", "O3"]
    reasons = run(business, "won_lost_by_reason")
    price = _drill(business, "won_lost_by_reason", _row(reasons, "reason", "Price"), "lost")
    assert list(price["outcome"]) == ["lost"] and price["amount"].sum() == 36000
    pending = _drill(
        business,
        "pending_revenue_by_client",
        _row(run(business, "pending_revenue_by_client"), "client_id", "C2"),
        "lines",
    )
    assert list(pending["line"]) == ["L11", "L5"]  # L11 of November is still pending


def test_drill_panel_picks_records_and_refuses_unknown_fields(business):
    row = _row(run(business, "profitability_by_client"), "client_id", "C1")
    scope = business.scope(*DECEMBER)
    with business.warehouse.reading() as conn:
        lines = drill_panel(
            conn, business.settings, scope, "profitability_by_client", row, "revenue"
        )
        assert lines["amount"].sum() == 3600
        with pytest.raises(MetricError, match="cannot list records"):
            drill_records(conn, business.settings, scope, "profitability_by_client", row, "margin")
        with pytest.raises(MetricError, match="cannot list records"):
            drill_records(conn, business.settings, scope, "revenue_concentration", row, "revenue")
