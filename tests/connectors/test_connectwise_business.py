"""The ConnectWise business streams end to end: agreements, invoices, configurations, projects
and opportunities from the fake ConnectWise over real HTTP into a DuckDB warehouse, checked
against hand-written rows; incremental, quarantine, resume and deletion."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from deskmetrics.connectors.connectwise import ConnectWiseConnector
from deskmetrics.connectors.connectwise_business_config import (
    CW_BUSINESS,
    CW_KEYS,
    classify,
    load_business,
)
from deskmetrics.connectors.connectwise_business_map import CwBusinessMapper
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.checks import plain_rows as rows
from fakes.checks import table, vendor_settings
from fakes.connectwise import API, ENV, SECRETS, FakeConnectWise

SETTINGS = vendor_settings("connectwise")
BUSINESS = ("agreements", "revenue_lines", "devices", "projects", "opportunities")
CW = "connectwise"
NA = None


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeConnectWise(tickets=3) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'cw.duckdb'}")


def source(fake, page_size=2, **settings) -> SourceConfig:
    return SourceConfig(
        name="cw",
        type="connectwise",
        base_url=fake.url,
        secrets=SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        settings={"business_streams": True, **settings},
    )


def run(fake, warehouse, page_size=2, full=False, **settings):
    config = source(fake, page_size, **settings)
    connector = ConnectWiseConnector(config, SETTINGS, sleep=lambda seconds: None)
    return sync_source(warehouse, SETTINGS, config, connector=connector, full=full)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def requests(fake, path: str, whole_records: bool = True) -> list:
    """Logged GETs of one list path; ``whole_records``: not the id listings (fields=id)."""
    logged = fake.requests_for(path)
    return [r for r in logged if bool(r.arg("fields")) != whole_records]


# -- expected rows, written out from fakes/connectwise_business.py ---------------------------
AGREEMENTS = [
    # id, client, name, type, period, start, end, revenue, cancelled, updated
    ("400", "250", "Acme Managed Services", "recurring", "monthly", "2023-01-01", "2025-12-31",
     2500.0, False, "2024-03-01T00:00:00"),
    ("401", "251", "Birch Block Hours", "block_hours", "one_time", "2024-01-01", None, 4000.0,
     False, "2024-03-01T01:00:00"),
    ("402", "250", "Acme Old Support", "recurring", "quarterly", "2022-01-01", "2023-12-31",
     900.0, True, "2024-03-01T02:00:00"),
    ("403", "251", "Birch T&M", "time_and_materials", "monthly", "2024-02-01", None, 0.0, False,
     "2024-03-01T03:00:00"),
]  # fmt: skip
REVENUE = [
    # line, client, agreement, service, amount, day, status, invoice
    ("900", "250", "400", "Managed services", 2500.0, "2024-02-01", "invoiced", "INV-1001"),
    ("901", "251", None, "Services", 350.0, "2024-02-10", "invoiced", "INV-1002"),
    ("902", "250", None, "Credit", -100.0, "2024-02-15", "invoiced", "INV-1003"),
    ("903", "251", "401", "Managed services", 4000.0, "2024-03-01", "pending", "INV-1004"),
    ("904", "250", None, "Project", 1200.0, "2024-03-05", "invoiced", "INV-1005"),
]
DEVICES = [
    # id, client, name, type, discovered, contract status, updated
    ("700", "250", "ACME-WS01", "workstation", "2024-02-01T12:00:00", "covered", "10"),
    ("701", "250", "ACME-SRV01", "server", "2024-02-02T12:00:00", "covered", "11"),
    ("702", "250", "ACME-FW01", "network", "2024-02-03T12:00:00", "awaiting_review", "12"),
    ("703", "251", "BIRCH-LT02", "workstation", "2024-02-04T12:00:00", "covered", "13"),
    ("704", "250", "ACME-PRN01", "other", "2024-02-05T12:00:00", "not_covered", "14"),
    ("705", "251", "BIRCH-IPHONE", "mobile", "2024-02-06T12:00:00", "not_covered", "15"),
]
PROJECTS = [
    # id, client, name, status, category, budget, actual, start, due, closed at
    ("600", "250", "Acme Office Move", "open", "Infrastructure", 40.0, 52.5, "2024-02-05",
     "2024-03-15", None),
    ("601", "251", "Birch M365 Migration", "closed", "Migration", 80.0, 70.0, "2024-01-08",
     "2024-02-28", "2024-02-26T17:00:00"),
    ("602", "250", "Acme Firewall Refresh", "on_hold", "Projects", 16.0, 4.0, "2024-03-01",
     "2024-03-29", None),
    ("603", "251", "Birch Rollout", "cancelled", "Rollout", 24.0, 2.0, "2024-01-15",
     "2024-02-15", "2024-02-20T10:00:00"),
]  # fmt: skip
OPPORTUNITIES = [
    # id, client, name, stage, amount, probability, category, owner, created, expected,
    # closed, outcome
    ("800", "250", "Acme Backup Upsell", "Proposal", 5000.0, 50.0, "Backup", "klee",
     "2024-01-10T10:00:00", "2024-04-30", None, None),
    ("801", "251", "Birch Renewal", "Closed", 30000.0, 100.0, "Managed Services", "sortiz",
     "2023-11-01T09:00:00", "2024-01-31", "2024-01-29T15:00:00", "won"),
    ("802", "260", "Cedar Firewall", "Qualification", 2000.0, 0.0, "Network", "klee",
     "2023-12-01T09:00:00", "2024-02-01", "2024-02-05T11:00:00", "lost"),
    ("803", "250", "Acme Laptops", "Discovery", 3000.0, 20.0, "Hardware", "sortiz",
     "2024-02-25T14:00:00", "2024-05-31", None, None),
]  # fmt: skip


def expected_agreements() -> list[dict]:
    keys = ("agreement_id", "client_id", "name", "type", "period_type", "start_date")
    out = []
    for *head, end, revenue, cancelled, updated in AGREEMENTS:
        row = dict(zip(keys, head, strict=True))
        row["start_date"] = day(row["start_date"])
        row |= {"end_date": day(end) if end else None, "recurring_revenue": revenue}
        row |= {"cancelled": cancelled, "source": CW, "updated_at": updated}
        out.append(row)
    return out


def expected_revenue() -> list[dict]:
    keys = ("line_id", "client_id", "agreement_id", "service", "amount", "line_date", "status")
    return [
        dict(zip(keys, line[:7], strict=True))
        | {"line_date": day(line[5]), "invoice_id": line[7], "source": CW}
        for line in REVENUE
    ]


def expected_devices(patches: dict | None = None) -> list[dict]:
    keys = ("device_id", "client_id", "name", "device_type", "discovered_at", "contract_status")
    return [
        dict(zip(keys, d[:6], strict=True))
        | {"missing_patches": (patches or {}).get(d[0]), "source": CW}
        | {"updated_at": f"2024-03-02T{d[6]}:00:00"}
        for d in DEVICES
    ]


def expected_projects() -> list[dict]:
    keys = ("project_id", "client_id", "name", "status", "category", "budget_hours")
    return [
        dict(zip(keys, p[:6], strict=True))
        | {"actual_hours": p[6], "start_date": day(p[7]), "due_date": day(p[8])}
        | {"closed_at": p[9], "source": CW, "updated_at": f"2024-03-03T0{n}:00:00"}
        for n, p in enumerate(PROJECTS)
    ]


def expected_opportunities(reasons: dict | None = None) -> list[dict]:
    keys = ("opportunity_id", "client_id", "name", "stage", "amount", "probability", "category")
    return [
        dict(zip(keys, o[:7], strict=True))
        | {"owner_tech_id": o[7], "created_at": o[8], "expected_close": day(o[9])}
        | {"closed_at": o[10], "outcome": o[11], "reason": (reasons or {}).get(o[0])}
        | {"source": CW, "updated_at": f"2024-03-03T1{n}:00:00"}
        for n, o in enumerate(OPPORTUNITIES)
    ]


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_maps_every_business_field(fake, warehouse):
    report = run(fake, warehouse)

    assert rows(warehouse, "agreements") == expected_agreements()
    assert rows(warehouse, "revenue_lines") == expected_revenue()
    assert rows(warehouse, "devices") == expected_devices()
    assert rows(warehouse, "projects") == expected_projects()
    assert rows(warehouse, "opportunities") == expected_opportunities()
    # the stage each opportunity is in, when it last moved (else when it was last updated)
    assert rows(warehouse, "opportunity_stages") == [
        {"opportunity_id": "800", "changed_at": "2024-02-20T10:00:00", "stage": "Proposal"},
        {"opportunity_id": "801", "changed_at": "2024-01-29T15:00:00", "stage": "Closed"},
        {"opportunity_id": "802", "changed_at": "2024-01-05T11:00:00", "stage": "Qualification"},
        {"opportunity_id": "803", "changed_at": "2024-03-03T13:00:00", "stage": "Discovery"},
    ]
    assert report.quarantined == 0
    names = list(report.streams)
    assert names[-5:] == ["agreements", "projects", "invoices", "configurations", "opportunities"]
    assert names[:5] == ["companies", "contacts", "members", "tickets", "time_entries"]

    # incremental paging like the tickets: lastUpdated, id order, forward-only, 2 a page
    for path in ("/finance/agreements", "/finance/invoices", "/project/projects"):
        pages = requests(fake, path)
        assert pages[0].arg("conditions") == "lastUpdated > [1999-12-31T23:59:59Z]"
        assert pages[0].arg("orderBy") == "id asc" and pages[0].arg("pageSize") == "2"
        assert all(p.headers["pagination-type"] == "forward-only" for p in pages)
    assert [p.items for p in requests(fake, "/company/configurations")] == [2, 2, 2]
    # the first sync lists the ids of every stream (deletions), 1000 a page
    (listing,) = requests(fake, "/sales/opportunities", whole_records=False)
    assert (listing.arg("fields"), listing.arg("pageSize")) == ("id", "1000")
    # coverage: the agreements that are not cancelled, then each one's configurations
    (covering,) = [r for r in requests(fake, "/finance/agreements", False) if r.arg("conditions")]
    assert covering.arg("conditions") == "cancelledFlag=false"
    covered = fake.requests_for(r"/finance/agreements/\d+/configurations")
    assert sorted(r.path.split("/")[-2] for r in covered) == ["400", "401", "403"]
    forecasts = fake.requests_for(r"/sales/opportunities/\d+/forecast")
    assert sorted(r.path.split("/")[-2] for r in forecasts) == ["800", "801", "802", "803"]


def test_mapping_file_fields_are_configurable(fake, warehouse, tmp_path):
    """A tenant's own names: the missing-patch question, the reason custom field, amounts."""
    custom = tmp_path / "cw.yaml"
    custom.write_text(
        "business:\n"
        "  device_patches_field: Missing Patches\n"
        "  opportunity_reason_field: Won/Lost Reason\n"
        "  invoice_amount_field: total\n"
        "  invoice_tax_field: salesTax\n"
        "  invoice_pending_statuses: [New, Sent]\n"
    )
    run(fake, warehouse, mapping=str(custom), device_coverage=False)

    assert rows(warehouse, "devices") == [
        d | {"contract_status": "awaiting_review" if d["device_id"] == "702" else "not_covered"}
        for d in expected_devices({"705": 3})
    ]
    assert not fake.requests_for(r"/finance/agreements/\d+/configurations")
    reasons = {"801": "Relationship", "802": "Price"}  # open ones keep none
    assert rows(warehouse, "opportunities") == expected_opportunities(reasons)
    revenue = {r["line_id"]: (r["amount"], r["status"]) for r in rows(warehouse, "revenue_lines")}
    assert revenue["900"] == (2500.0, "pending") and revenue["901"] == (350.0, "invoiced")
    # the shipped mapping keeps its other business keys, the file given replaces the defaults
    assert load_business(custom, CW_BUSINESS, CW_KEYS).agreement_revenue_field == "billAmount"

    custom.write_text("business:\n  agreement_types: {Gold: premium}\n")
    with pytest.raises(ConfigError, match=r"agreement_types.Gold: 'premium' is not one of"):
        run(fake, warehouse, mapping=str(custom))
    custom.write_text("business:\n  contract_fields: x\n")
    with pytest.raises(ConfigError, match=r"business: unknown key\(s\) \['contract_fields'\]"):
        run(fake, warehouse, mapping=str(custom))


def test_business_streams_are_chosen_by_a_setting(fake, warehouse):
    report = run(fake, warehouse, business_streams=["agreements", "opportunities"])
    assert list(report.streams)[5:] == ["agreements", "opportunities"]
    assert not fake.requests_for("/finance/invoices") and table(warehouse, "devices").empty

    fake.server.clear_log()
    config = source(fake).model_copy(update={"settings": {}})  # left out: service streams only
    connector = ConnectWiseConnector(config, SETTINGS, sleep=lambda seconds: None)
    assert [s.name for s in connector.streams()] == [
        "companies",
        "contacts",
        "members",
        "tickets",
        "time_entries",
    ]
    connector.close()
    with pytest.raises(ConfigError, match="business_streams: use true, false or a list of"):
        run(fake, warehouse, business_streams=["contracts"])


# -- incremental ----------------------------------------------------------------------------
def test_a_second_sync_reads_only_what_changed(fake, warehouse):
    run(fake, warehouse)
    business = fake.business
    business.update("agreements", 401, billAmount=4500.0, name="Birch Block Hours 2024")
    business.update("invoices", 903, status={"id": 31, "name": "Sent"})
    business.update("configurations", 704, status={"id": 99, "name": "Awaiting Review"})
    business.update("projects", 600, actualHours=60.0, status={"id": 1, "name": "Closed"})
    moved = business.update("opportunities", 800, stage={"id": 9, "name": "Negotiation"})
    business.stores["opportunities"][800]["pipelineChangeDate"] = moved
    business.forecasts[800]["forecastRevenueTotals"]["revenue"] = 6500.0
    fake.server.clear_log()

    report = run(fake, warehouse)

    # each stream asks from its cursor (its newest lastUpdated, less the 5-minute overlap) and
    # gets the changed record plus the newest one of the first sync inside the overlap
    for name, path in (
        ("agreements", "/finance/agreements"),
        ("invoices", "/finance/invoices"),
        ("configurations", "/company/configurations"),
        ("projects", "/project/projects"),
        ("opportunities", "/sales/opportunities"),
    ):
        pages = requests(fake, path)
        assert len(pages) == 1 and pages[0].items == 2, name
        assert report.streams[name].records == 2
        assert not requests(fake, path, whole_records=False) or name == "agreements"
    assert requests(fake, "/finance/agreements")[0].arg("conditions") == (
        "lastUpdated > [2024-03-01T02:54:59Z]"
    )
    assert len(fake.requests_for(r"/sales/opportunities/\d+/forecast")) == 2

    agreements = {r["agreement_id"]: r for r in rows(warehouse, "agreements")}
    assert agreements["401"]["recurring_revenue"] == 4500.0
    assert agreements["401"]["name"] == "Birch Block Hours 2024"
    revenue = {r["line_id"]: r["status"] for r in rows(warehouse, "revenue_lines")}
    assert revenue == {"900": "invoiced", "901": "invoiced", "902": "invoiced"} | {
        "903": "invoiced",
        "904": "invoiced",
    }
    devices = {r["device_id"]: r["contract_status"] for r in rows(warehouse, "devices")}
    assert devices["704"] == "awaiting_review" and devices["700"] == "covered"
    project = next(r for r in rows(warehouse, "projects") if r["project_id"] == "600")
    assert (project["status"], project["actual_hours"]) == ("closed", 60.0)
    opportunity = next(r for r in rows(warehouse, "opportunities") if r["opportunity_id"] == "800")
    assert (opportunity["stage"], opportunity["amount"]) == ("Negotiation", 6500.0)
    stages = [r for r in rows(warehouse, "opportunity_stages") if r["opportunity_id"] == "800"]
    assert [(s["stage"], s["changed_at"]) for s in stages] == [
        ("Proposal", "2024-02-20T10:00:00"),
        ("Negotiation", moved.removesuffix("Z")),
    ]
    assert len(rows(warehouse, "opportunity_stages")) == 5  # re-reading 803 added nothing


def test_records_deleted_at_the_source_are_removed_on_a_full_sync(fake, warehouse):
    run(fake, warehouse)
    fake.business.delete("opportunities", 802)
    fake.business.delete("invoices", 901)
    fake.server.clear_log()

    report = run(fake, warehouse, full=True)

    assert report.streams["opportunities"].removed == 1
    assert {r["opportunity_id"] for r in rows(warehouse, "opportunities")} == {"800", "801", "803"}
    assert "802" not in {r["opportunity_id"] for r in rows(warehouse, "opportunity_stages")}
    assert {r["line_id"] for r in rows(warehouse, "revenue_lines")} == {"900", "902", "903", "904"}
    assert len(rows(warehouse, "agreements")) == 4  # the other streams lose nothing


# -- quarantine and resume ------------------------------------------------------------------
def test_a_malformed_record_is_quarantined_and_the_rest_load(fake, warehouse):
    stores = fake.business.stores
    stores["invoices"][901]["date"] = "the tenth"
    stores["opportunities"][803]["_info"]["dateEntered"] = None
    stores["agreements"][402]["billAmount"] = "lots"
    fake.business.forecasts[800]["forecastRevenueTotals"]["revenue"] = -5.0

    report = run(fake, warehouse)

    quarantine = table(warehouse, "quarantine").set_index(["stream", "record_key"])
    assert quarantine["reason"].to_dict() == {
        ("agreements", "402"): "billAmount is not a number: 'lots'",
        ("invoices", "901"): "date is not an ISO date: 'the tenth'",
        ("opportunities", "800"): "forecast/forecastRevenueTotals/revenue is negative: -5.0",
        ("opportunities", "803"): "_info.dateEntered (the creation time) is missing",
    }
    assert report.quarantined == 4
    assert {r["agreement_id"] for r in rows(warehouse, "agreements")} == {"400", "401", "403"}
    assert {r["line_id"] for r in rows(warehouse, "revenue_lines")} == {"900", "902", "903", "904"}
    assert {r["opportunity_id"] for r in rows(warehouse, "opportunities")} == {"801", "802"}

    # fixed at the source: the next sync loads it and clears its quarantine row
    fake.business.update("invoices", 901, date="2024-02-10T00:00:00Z")
    run(fake, warehouse)
    assert ("invoices", "901") not in set(
        table(warehouse, "quarantine").set_index(["stream", "record_key"]).index
    )
    assert "901" in {r["line_id"] for r in rows(warehouse, "revenue_lines")}


def test_a_sync_killed_mid_stream_resumes_where_it_stopped(env, tmp_path):
    with FakeConnectWise(tickets=2) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean)

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=1, path=r"/company/configurations$")
        fake.server.clear_log()
        with pytest.raises(SourceError, match=r"HTTP 500 from /?company/configurations"):
            run(fake, crashed)
        assert [r["device_id"] for r in rows(crashed, "devices")] == ["700", "701"]

        fake.server.clear_faults()
        fake.server.clear_log()
        report = run(fake, crashed)

        assert report.streams["configurations"].resumed
        pages = requests(fake, "/company/configurations")
        assert pages[0].arg("conditions").endswith("(id > 701)")
        assert [p.items for p in pages] == [2, 2]
        for name in (*BUSINESS, "opportunity_stages"):
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors
        assert len(fake.server.requests(API + "/finance/agreements")) >= 1


# -- mapping rules --------------------------------------------------------------------------
def test_names_fall_back_to_keywords_and_odd_values_stay_empty():
    mapping = CW_BUSINESS
    assert classify(mapping, "agreement_types", "Gold Managed Plan") == "recurring"
    assert classify(mapping, "agreement_types", "Prepaid Hours") == "block_hours"
    assert classify(mapping, "agreement_types", "Warranty") is None  # mapped as "other"
    assert classify(mapping, "period_types", "Semi-Annual") is None  # no canonical period
    assert classify(mapping, "device_types", "Virtual Host") == "server"
    assert classify(mapping, "project_statuses", "Closed - Cancelled") == "cancelled"
    assert classify(mapping, "opportunity_outcomes", "Closed Won") == "won"

    mapper = CwBusinessMapper(
        load_business("parameters/mappings/connectwise.yaml", mapping, CW_KEYS)
    )
    stamp = {"dateEntered": "2024-01-01T00:00:00Z", "lastUpdated": "2024-01-02T00:00:00Z"}
    device = mapper.device(
        {
            "id": 1,
            "type": {"name": "Desktop"},
            "status": {"name": "awaiting   review"},  # case and spaces ignored
            "questions": [{"question": "Missing Patches", "answer": "n/a"}],
            "_info": stamp,
        },
        covered=set(),
    )
    assert (device["device_type"], device["contract_status"]) == ("workstation", "awaiting_review")
    assert device["missing_patches"] is None  # the shipped mapping reads no patch count
    opportunity = mapper.opportunity({"id": 2, "probability": {"name": "high"}, "_info": stamp})
    assert opportunity["probability"] is None and opportunity["outcome"] is None
    assert mapper.stage(opportunity, {}) is None  # no stage, no stage row
    agreement = mapper.agreement(
        {"id": 3, "type": {"name": "Warranty"}, "applicationUnits": "Hours"}
    )
    assert agreement["type"] == "block_hours"  # counted in hours
