"""The Autotask business streams end to end: Contracts, Projects, Invoices, ConfigurationItems
and Opportunities from the fake Autotask over real HTTP into a DuckDB warehouse, checked
against hand-written rows; incremental, quarantine, resume and deletion."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from deskmetrics.connectors.autotask import AutotaskConnector
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes.autotask import API, ENV, SECRETS, FakeAutotask
from fakes.checks import plain_rows as rows
from fakes.checks import table, vendor_settings

SETTINGS = vendor_settings("autotask")
BUSINESS = ("agreements", "revenue_lines", "devices", "projects", "opportunities")
AT = "autotask"
ENTITIES = ("Contracts", "Projects", "Invoices", "ConfigurationItems", "Opportunities")


@pytest.fixture
def env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def fake(env):
    with FakeAutotask(tickets=3) as server:
        yield server
    assert not server.server.errors, server.server.errors[0]


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'at.duckdb'}")


def source(fake, page_size=2, **settings) -> SourceConfig:
    return SourceConfig(
        name="at",
        type="autotask",
        base_url=fake.url,
        secrets=SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        settings={"business_streams": True, **settings},
    )


def run(fake, warehouse, page_size=2, full=False, **settings):
    config = source(fake, page_size, **settings)
    connector = AutotaskConnector(config, SETTINGS, sleep=lambda seconds: None)
    return sync_source(warehouse, SETTINGS, config, connector=connector, full=full)


def day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def searches(fake, entity: str, listings: bool = False) -> list[dict]:
    """The search of each logged query of ``entity``: whole records, or the id listings."""
    found = [fake.search_of(r) for r in fake.queries(entity)]
    return [s for s in found if bool(s.get("IncludeFields")) == listings]


EVERY = {"op": "gt", "field": "id", "value": 0}

# -- expected rows, written out from fakes/autotask_business.py ------------------------------
AGREEMENTS = [
    # id, client, name, type, period, start, end, cancelled
    ("29684001", "29683001", "Acme Managed Services", "recurring", "monthly", "2023-01-01",
     "2025-12-31", False),
    ("29684002", "29683002", "Birch Block Hours", "block_hours", None, "2024-01-01",
     "2024-12-31", False),
    ("29684003", "29683001", "Acme Old Retainer", "block_hours", "annual", "2022-01-01",
     "2023-12-31", True),
    ("29684004", "29683002", "Birch T&M", "time_and_materials", "quarterly", "2024-02-01",
     "2025-01-31", False),
]  # fmt: skip
REVENUE = [
    # line, client, amount, day, invoice
    ("29685001", "29683001", 2500.0, "2024-02-01", "1001"),
    ("29685002", "29683002", 350.0, "2024-02-10", "1002"),
    ("29685003", "29683001", 1200.0, "2024-02-15", "1003"),
    ("29685004", "29683002", 4000.0, "2024-03-01", "1004"),
]
DEVICES = [
    # id, client, name, type, status, patches
    ("29686001", "29683001", "ACME-WS01", "workstation", "covered", 2),
    ("29686002", "29683001", "ACME-SRV01", "server", "covered", 0),
    ("29686003", "29683001", "ACME-FW01", "network", "awaiting_review", None),
    ("29686004", "29683002", "BIRCH-LT02", "workstation", "covered", None),
    ("29686005", "29683001", "ACME-PRN01", "other", "not_covered", 5),
    ("29686006", "29683002", "BIRCH-IPHONE", "mobile", "not_covered", None),
]
PROJECTS = [
    # id, client, name, status, category, budget, actual, start, due, closed at
    ("29687001", "29683001", "Acme Office Move", "open", "Client", 40.0, 52.5, "2024-02-01",
     "2024-03-15", None),
    ("29687002", "29683002", "Birch M365 Migration", "closed", "Client", 80.0, 70.0,
     "2024-01-08", "2024-02-28", "2024-02-26T17:00:00"),
    ("29687003", "29683001", "Acme Firewall Refresh", "on_hold", "Client", 16.0, 4.0,
     "2024-03-01", "2024-03-29", None),
    ("29687004", "29683001", "Internal Tooling", "cancelled", "Internal", 24.0, 2.0,
     "2024-01-15", "2024-02-15", "2024-02-20T10:00:00"),
]  # fmt: skip
OPPORTUNITIES = [
    # id, client, name, stage, amount, probability, category, owner, created, expected,
    # closed, outcome, reason
    ("29688001", "29683001", "Acme Backup Upsell", "Proposal", 5000.0, 50.0,
     "Managed Services", "29682885", "2024-01-10T10:00:00", "2024-04-30", None, None, None),
    ("29688002", "29683002", "Birch Renewal", "Closing", 30000.0, 100.0, "Managed Services",
     "29682886", "2023-11-01T09:00:00", "2024-01-31", "2024-01-29T15:00:00", "won",
     "Relationship"),
    ("29688003", "29683003", "Cedar Firewall", "Qualified", 2000.0, 0.0, "Hardware",
     "29682885", "2023-12-01T09:00:00", "2024-02-01", "2024-02-05T11:00:00", "lost",
     "Went with a competitor"),
    ("29688004", "29683001", "Acme Laptops", "Lead", 3000.0, 20.0, "Hardware", "29682886",
     "2024-02-25T14:00:00", "2024-05-31", None, None, None),
]  # fmt: skip


def expected_agreements(updated: bool = False) -> list[dict]:
    keys = ("agreement_id", "client_id", "name", "type", "period_type")
    return [
        dict(zip(keys, a[:5], strict=True))
        | {"start_date": day(a[5]), "end_date": day(a[6]), "recurring_revenue": None}
        | {"cancelled": a[7], "source": AT}
        | {"updated_at": f"2024-03-01T0{n}:00:00" if updated else None}
        for n, a in enumerate(AGREEMENTS)
    ]


def expected_revenue() -> list[dict]:
    return [
        {"line_id": line, "client_id": client, "agreement_id": None, "service": None}
        | {"amount": amount, "line_date": day(on), "status": "invoiced"}
        | {"invoice_id": number, "source": AT}
        for line, client, amount, on, number in REVENUE
    ]


def expected_devices() -> list[dict]:
    keys = ("device_id", "client_id", "name", "device_type")
    return [
        dict(zip(keys, d[:4], strict=True))
        | {"discovered_at": f"2024-02-0{n + 1}T12:00:00", "contract_status": d[4]}
        | {"missing_patches": d[5], "source": AT, "updated_at": f"2024-03-02T1{n}:00:00"}
        for n, d in enumerate(DEVICES)
    ]


def expected_projects() -> list[dict]:
    keys = ("project_id", "client_id", "name", "status", "category", "budget_hours")
    return [
        dict(zip(keys, p[:6], strict=True))
        | {"actual_hours": p[6], "start_date": day(p[7]), "due_date": day(p[8])}
        | {"closed_at": p[9], "source": AT, "updated_at": f"2024-03-03T0{n}:00:00"}
        for n, p in enumerate(PROJECTS)
    ]


def expected_opportunities() -> list[dict]:
    keys = ("opportunity_id", "client_id", "name", "stage", "amount", "probability", "category")
    return [
        dict(zip(keys, o[:7], strict=True))
        | {"owner_tech_id": o[7], "created_at": o[8], "expected_close": day(o[9])}
        | {"closed_at": o[10], "outcome": o[11], "reason": o[12], "source": AT}
        | {"updated_at": f"2024-03-03T1{n}:00:00"}
        for n, o in enumerate(OPPORTUNITIES)
    ]


# -- full sync ------------------------------------------------------------------------------
def test_full_sync_maps_every_business_field(fake, warehouse):
    report = run(fake, warehouse)

    assert rows(warehouse, "agreements") == expected_agreements()
    assert rows(warehouse, "revenue_lines") == expected_revenue()  # the voided one is not
    assert rows(warehouse, "devices") == expected_devices()
    assert rows(warehouse, "projects") == expected_projects()
    assert rows(warehouse, "opportunities") == expected_opportunities()
    # the stage each opportunity is in, at its last activity
    assert rows(warehouse, "opportunity_stages") == [
        {"opportunity_id": o[0], "changed_at": f"2024-03-03T1{n}:00:00", "stage": o[3]}
        for n, o in enumerate(OPPORTUNITIES)
    ]
    assert report.quarantined == 0
    assert list(report.streams)[-5:] == [
        "contracts",
        "projects",
        "invoices",
        "configuration_items",
        "opportunities",
    ]

    # entities with an update time are read from it, the others whole; 2 a page, in id order
    assert searches(fake, "Projects")[0] == {
        "filter": [
            {"op": "gt", "field": "lastActivityDateTime", "value": "1999-12-31T23:59:59Z"},
            EVERY,
        ],
        "MaxRecords": 2,
    }
    since = {
        "ConfigurationItems": "lastModifiedTime",
        "Opportunities": "lastActivity",
        "Contracts": None,
        "Invoices": None,
    }
    for entity, field in since.items():
        first = searches(fake, entity)[0]["filter"]
        assert first[0]["field"] == (field or "id"), entity
    continued = [r.arg("after") for r in fake.queries("ConfigurationItems")]
    assert continued == [None, "29686002", "29686004", None]  # the last: the id listing
    # the first sync lists every entity's ids (deletions); picklists once per entity
    for entity in ENTITIES:
        listing = searches(fake, entity, listings=True)
        assert listing == [{"filter": [EVERY], "MaxRecords": 500, "IncludeFields": ["id"]}]
        fields = fake.server.requests(f"{API}/{entity}/entityInformation/fields")
        assert len(fields) == (0 if entity == "Invoices" else 1), entity


def test_mapping_and_cursor_fields_are_configurable(fake, warehouse, tmp_path):
    custom = tmp_path / "at.yaml"
    custom.write_text(
        "business:\n"
        "  cancelled_statuses: [Inactive, Cancelled]\n"
        "  device_review_field: ''\n"
        "  device_patches_field: ''\n"
        "  agreement_revenue_field: estimatedRevenue\n"
        "  opportunity_reason_field: lossReasonDetail\n"
    )
    cursors = {"contracts": "lastModifiedDateTime", "opportunities": None}
    run(fake, warehouse, mapping=str(custom), cursor_fields=cursors)

    assert rows(warehouse, "agreements") == [
        a | {"recurring_revenue": 1000.0 * (n + 1)} for n, a in enumerate(expected_agreements(True))
    ]
    devices = rows(warehouse, "devices")
    assert [d["contract_status"] for d in devices] == [
        "covered",
        "covered",
        "not_covered",
        "covered",
        "not_covered",
        "not_covered",
    ]
    assert {d["missing_patches"] for d in devices} == {None}
    reasons = {o["opportunity_id"]: o["reason"] for o in rows(warehouse, "opportunities")}
    assert reasons["29688003"] == "Went with a competitor" and reasons["29688002"] is None
    assert searches(fake, "Contracts")[0]["filter"][0]["field"] == "lastModifiedDateTime"
    assert searches(fake, "Opportunities")[0]["filter"] == [EVERY]

    custom.write_text("business:\n  invoice_pending_statuses: [New]\n")  # ConnectWise only
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['invoice_pending_statuses'\]"):
        run(fake, warehouse, mapping=str(custom))
    with pytest.raises(ConfigError, match="cursor_fields: a mapping of contracts"):
        run(fake, warehouse, cursor_fields={"tickets": "lastActivityDate"})
    with pytest.raises(ConfigError, match="business_streams: use true, false or a list"):
        run(fake, warehouse, business_streams="contracts")


def test_business_streams_are_off_unless_chosen(fake, warehouse):
    config = source(fake).model_copy(update={"settings": {}})
    connector = AutotaskConnector(config, SETTINGS, sleep=lambda seconds: None)
    names = [s.name for s in connector.streams()]
    assert names == ["companies", "contacts", "resources", "tickets", "time_entries", "surveys"]
    connector.close()

    report = run(fake, warehouse, business_streams=["invoices", "contracts"])
    assert list(report.streams)[-2:] == ["contracts", "invoices"]
    assert not fake.queries("Opportunities") and table(warehouse, "projects").empty


# -- incremental ----------------------------------------------------------------------------
def test_a_second_sync_reads_only_what_changed(fake, warehouse):
    run(fake, warehouse)
    business = fake.business
    business.update("Projects", 29687001, actualHours=60.0, status=5)
    business.update("Projects", 29687001, completedDateTime="2024-03-05T16:00:00.000")
    business.update("ConfigurationItems", 29686005, contractID=29684001)
    business.update("Opportunities", 29688001, stage=4, amount=6500.0)
    business.update("Invoices", 29685002, isVoided=True)
    business.update("Contracts", 29684004, contractName="Birch Time & Materials")
    fake.server.clear_log()

    report = run(fake, warehouse)

    # the changed record plus the newest one of the first sync inside the 5-minute overlap
    for name, entity in (
        ("projects", "Projects"),
        ("configuration_items", "ConfigurationItems"),
        ("opportunities", "Opportunities"),
    ):
        (search,) = searches(fake, entity)
        assert search["filter"][0]["op"] == "gt" and search["filter"][0]["field"] != "id"
        assert report.streams[name].records == 2, name
    assert searches(fake, "Projects")[0]["filter"][0]["value"] == "2024-03-03T02:54:59Z"
    # no update time: read whole again
    assert report.streams["contracts"].records == 4 and report.streams["invoices"].records == 5
    assert not any(searches(fake, e, listings=True) for e in ENTITIES)  # not due yet

    project = next(p for p in rows(warehouse, "projects") if p["project_id"] == "29687001")
    assert (project["status"], project["actual_hours"]) == ("closed", 60.0)
    assert project["closed_at"] == "2024-03-05T16:00:00"
    devices = {d["device_id"]: d["contract_status"] for d in rows(warehouse, "devices")}
    assert devices["29686005"] == "covered" and devices["29686006"] == "not_covered"
    opportunity = next(
        o for o in rows(warehouse, "opportunities") if o["opportunity_id"] == "29688001"
    )
    assert (opportunity["stage"], opportunity["amount"]) == ("Closing", 6500.0)
    seen = [s for s in rows(warehouse, "opportunity_stages") if s["opportunity_id"] == "29688001"]
    assert [s["stage"] for s in seen] == ["Proposal", "Closing"]
    assert {r["line_id"] for r in rows(warehouse, "revenue_lines")} == {
        "29685001",
        "29685003",
        "29685004",
    }
    assert report.streams["invoices"].removed == 1
    names = {a["agreement_id"]: a["name"] for a in rows(warehouse, "agreements")}
    assert names["29684004"] == "Birch Time & Materials"


def test_records_deleted_at_the_source_are_removed_on_a_full_sync(fake, warehouse):
    run(fake, warehouse)
    fake.business.delete("Opportunities", 29688002)
    fake.business.delete("ConfigurationItems", 29686005)
    fake.server.clear_log()

    report = run(fake, warehouse, full=True)

    assert report.streams["opportunities"].removed == 1
    kept = {o["opportunity_id"] for o in rows(warehouse, "opportunities")}
    assert kept == {"29688001", "29688003", "29688004"}
    assert {s["opportunity_id"] for s in rows(warehouse, "opportunity_stages")} == kept
    assert "29686005" not in {d["device_id"] for d in rows(warehouse, "devices")}
    assert len(rows(warehouse, "projects")) == 4


# -- quarantine and resume ------------------------------------------------------------------
def test_a_malformed_record_is_quarantined_and_the_rest_load(fake, warehouse):
    data = fake.data
    data["Opportunities"][29688004]["stage"] = 99
    data["Invoices"][29685003]["invoiceDateTime"] = None
    data["Projects"][29687002]["estimatedTime"] = "lots"
    data["ConfigurationItems"][29686001]["createDate"] = "yesterday"

    report = run(fake, warehouse)

    quarantine = table(warehouse, "quarantine").set_index(["stream", "record_key"])
    assert quarantine["reason"].to_dict() == {
        ("configuration_items", "29686001"): "createDate is not an ISO timestamp: 'yesterday'",
        ("invoices", "29685003"): "invoiceDateTime (the invoice date) is missing",
        ("opportunities", "29688004"): "stage 99 is not in the Opportunities stage picklist",
        ("projects", "29687002"): "estimatedTime is not a number: 'lots'",
    }
    payload = json.loads(quarantine.loc[("opportunities", "29688004"), "payload"])
    assert payload["title"] == "Acme Laptops" and payload["stage"] == 99
    assert report.quarantined == 4
    assert len(rows(warehouse, "opportunities")) == 3 and len(rows(warehouse, "projects")) == 3
    assert len(rows(warehouse, "revenue_lines")) == 3 and len(rows(warehouse, "devices")) == 5
    assert len(rows(warehouse, "agreements")) == 4


def test_a_sync_killed_mid_stream_resumes_where_it_stopped(env, tmp_path):
    with FakeAutotask(tickets=2) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        run(fake, clean)

        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=1, path=r"/ConfigurationItems/query$")
        fake.server.clear_log()
        with pytest.raises(SourceError, match=r"HTTP 500 from /?ConfigurationItems/query"):
            run(fake, crashed)
        assert [d["device_id"] for d in rows(crashed, "devices")] == ["29686001", "29686002"]

        fake.server.clear_faults()
        fake.server.clear_log()
        report = run(fake, crashed)

        assert report.streams["configuration_items"].resumed
        first = searches(fake, "ConfigurationItems")[0]
        assert first["filter"][-1] == {"op": "gt", "field": "id", "value": 29686002}
        assert report.streams["configuration_items"].records == 4
        for name in (*BUSINESS, "opportunity_stages"):
            pd.testing.assert_frame_equal(table(crashed, name), table(clean, name))
        assert not fake.server.errors
