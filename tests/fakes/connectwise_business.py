"""The business side of the fake ConnectWise: agreements (with their configurations),
invoices, configurations, projects and opportunities (with their forecast), hand-written so a
test can check every canonical field against them.

Served by ``FakeConnectWise`` like its other lists (forward-only or navigable paging,
``conditions``, ``fields``); ``/finance/agreements/{id}/configurations`` is navigable only
and ``/sales/opportunities/{id}/forecast`` answers one object. Shapes follow public client
models of the REST API (the connector notes do not cover these endpoints): fake facts, not
vendor facts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime

from fakes.server import Request, Response

# kind -> path of the list endpoint
PATHS = {
    "agreements": "/finance/agreements",
    "invoices": "/finance/invoices",
    "configurations": "/company/configurations",
    "projects": "/project/projects",
    "opportunities": "/sales/opportunities",
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(id_: int | None, name: str | None, **extra) -> dict | None:
    if id_ is None:
        return None
    return {"id": id_, "name": name, **extra, "_info": {"href": f"https://fake/{id_}"}}


def _info(entered: str, updated: str) -> dict:
    return {"dateEntered": entered, "lastUpdated": updated, "updatedBy": "fake"}


def _day(text: str) -> str:
    return f"{text}T00:00:00Z"


ACME, BIRCH, PROSPECT = (250, "Acme Dental"), (251, "Birch & Co"), (260, "Cedar Prospects")


class CwBusiness:
    """The business records of one fake tenant; ``tick`` moves the fake clock and returns it
    as CW text (an update stamps ``_info.lastUpdated`` with it)."""

    def __init__(self, tick: Callable[[], str]) -> None:
        self.tick = tick
        self.stores: dict[str, dict[int, dict]] = {kind: {} for kind in PATHS}
        self.agreement_configurations: dict[int, list[int]] = {}
        self.forecasts: dict[int, dict] = {}
        self._agreements()
        self._invoices()
        self._configurations()
        self._projects()
        self._opportunities()

    # -- dataset ---------------------------------------------------------------------------
    def _agreements(self) -> None:
        rows = (
            # id, name, type, company, cycle, amount, start, end, cancelled, units, one time
            (400, "Acme Managed Services", "Managed Services", ACME, "Monthly", 2500.0,
             "2023-01-01", "2025-12-31", False, "Amount", False),
            (401, "Birch Block Hours", "Block Time", BIRCH, None, 4000.0,
             "2024-01-01", None, False, "Hours", True),
            (402, "Acme Old Support", "Support Plan", ACME, "Quarterly", 900.0,
             "2022-01-01", "2023-12-31", True, "Amount", False),
            (403, "Birch T&M", "Time & Materials", BIRCH, "Monthly", 0.0,
             "2024-02-01", None, False, "Amount", False),
        )  # fmt: skip
        for n, (
            aid,
            name,
            kind,
            company,
            cycle,
            amount,
            start,
            end,
            cancelled,
            units,
            once,
        ) in enumerate(rows):
            self.stores["agreements"][aid] = {
                "id": aid,
                "name": name,
                "type": _ref(10 + n, kind),
                "company": _ref(*company, identifier="x"),
                "startDate": _day(start),
                "endDate": _day(end) if end else None,
                "noEndingDateFlag": end is None,
                "cancelledFlag": cancelled,
                "dateCancelled": "2023-12-31T00:00:00Z" if cancelled else None,
                "agreementStatus": "Cancelled" if cancelled else "Active",
                "applicationUnits": units,
                "oneTimeFlag": once,
                "billingCycle": _ref(20 + n, cycle) if cycle else None,
                "billAmount": amount,
                "_info": _info("2023-01-01T09:00:00Z", f"2024-03-01T0{n}:00:00Z"),
            }
        # which configurations each agreement covers (402 is cancelled: 704 is not covered)
        self.agreement_configurations = {400: [700, 701], 401: [703], 402: [704], 403: []}

    def _invoices(self) -> None:
        rows = (
            # id, number, type, status, company, date, subtotal, tax, agreement, apply to
            (900, "INV-1001", "Agreement", "Sent", ACME, "2024-02-01", 2500.0, 200.0, 400,
             "Agreement"),
            (901, "INV-1002", "Standard", "Paid", BIRCH, "2024-02-10", 350.0, 28.0, None,
             "Ticket"),
            (902, "INV-1003", "CreditMemo", "Sent", ACME, "2024-02-15", 100.0, 8.0, None, "All"),
            (903, "INV-1004", "Agreement", "New", BIRCH, "2024-03-01", 4000.0, 0.0, 401,
             "Agreement"),
            (904, "INV-1005", "Progress", "Sent", ACME, "2024-03-05", 1200.0, 96.0, None,
             "Project"),
        )  # fmt: skip
        for n, (
            iid,
            number,
            kind,
            status,
            company,
            on,
            subtotal,
            tax,
            agreement,
            apply,
        ) in enumerate(rows):
            self.stores["invoices"][iid] = {
                "id": iid,
                "invoiceNumber": number,
                "type": kind,
                "status": _ref(30 + n, status),
                "company": _ref(*company, identifier="x"),
                "applyToType": apply,
                "applyToId": agreement or 0,
                "date": _day(on),
                "dueDate": _day(on),
                "subtotal": subtotal,
                "salesTax": tax,
                "total": subtotal + tax,
                "agreement": _ref(agreement, "agreement") if agreement else None,
                "_info": _info(f"{on}T08:00:00Z", f"2024-03-02T0{n}:00:00Z"),
            }

    def _configurations(self) -> None:
        rows = (
            # id, name, type, status, company, questions
            (700, "ACME-WS01", "Managed Workstation", "Active", ACME, []),
            (701, "ACME-SRV01", "Server", "Active", ACME, []),
            (702, "ACME-FW01", "Firewall", "Awaiting Review", ACME, []),
            (703, "BIRCH-LT02", "Laptop", "Active", BIRCH, []),
            (704, "ACME-PRN01", "Printer", "Active", ACME, []),
            (705, "BIRCH-IPHONE", "Mobile Device", "Active", BIRCH,
             [{"questionId": 1, "question": "Missing Patches", "answer": "3"}]),
        )  # fmt: skip
        for n, (cid, name, kind, status, company, questions) in enumerate(rows):
            self.stores["configurations"][cid] = {
                "id": cid,
                "name": name,
                "type": _ref(40 + n, kind),
                "status": _ref(50 + n, status),
                "company": _ref(*company, identifier="x"),
                "activeFlag": True,
                "questions": questions,
                "_info": _info(f"2024-02-0{n + 1}T12:00:00Z", f"2024-03-02T1{n}:00:00Z"),
            }

    def _projects(self) -> None:
        rows = (
            # id, name, status, type, company, budget, actual, est start, est end, actual
            # start, actual end, closed
            (600, "Acme Office Move", "Open", "Infrastructure", ACME, 40.0, 52.5, "2024-02-01",
             "2024-03-15", "2024-02-05", None, False),
            (601, "Birch M365 Migration", "Closed", "Migration", BIRCH, 80.0, 70.0,
             "2024-01-08", "2024-02-28", None, "2024-02-26T17:00:00Z", True),
            (602, "Acme Firewall Refresh", "On-Hold", None, ACME, 16.0, 4.0, "2024-03-01",
             "2024-03-29", None, None, False),
            (603, "Birch Rollout", "Cancelled", "Rollout", BIRCH, 24.0, 2.0, "2024-01-15",
             "2024-02-15", None, "2024-02-20T10:00:00Z", True),
        )  # fmt: skip
        for n, row in enumerate(rows):
            pid, name, status, kind, company, budget, actual, est_start, est_end = row[:9]
            started, ended, closed = row[9:]
            self.stores["projects"][pid] = {
                "id": pid,
                "name": name,
                "status": _ref(60 + n, status),
                "type": _ref(70 + n, kind) if kind else None,
                "board": _ref(5, "Projects"),
                "company": _ref(*company, identifier="x"),
                "budgetHours": budget,
                "actualHours": actual,
                "estimatedStart": _day(est_start),
                "estimatedEnd": _day(est_end),
                "actualStart": _day(started) if started else None,
                "actualEnd": ended,
                "closedFlag": closed,
                "_info": _info("2024-01-02T09:00:00Z", f"2024-03-03T0{n}:00:00Z"),
            }

    def _opportunities(self) -> None:
        rows = (
            # id, name, stage, status, probability, type, rep, company, entered, expected,
            # closed, pipeline change, reason, forecast revenue
            (800, "Acme Backup Upsell", "Proposal", "Open", "50", "Backup", "klee", ACME,
             "2024-01-10T10:00:00Z", "2024-04-30", None, "2024-02-20T10:00:00Z", None, 5000.0),
            (801, "Birch Renewal", "Closed", "Won", "100", "Managed Services", "sortiz", BIRCH,
             "2023-11-01T09:00:00Z", "2024-01-31", "2024-01-29T15:00:00Z",
             "2024-01-29T15:00:00Z", "Relationship", 30000.0),
            (802, "Cedar Firewall", "Qualification", "Lost", "0%", "Network", "klee", PROSPECT,
             "2023-12-01T09:00:00Z", "2024-02-01", "2024-02-05T11:00:00Z",
             "2024-01-05T11:00:00Z", "Price", 2000.0),
            (803, "Acme Laptops", "Discovery", "Open", "20", "Hardware", "sortiz", ACME,
             "2024-02-25T14:00:00Z", "2024-05-31", None, None, None, 3000.0),
        )  # fmt: skip
        for n, row in enumerate(rows):
            oid, name, stage, status, probability, kind, rep, company = row[:8]
            entered, expected, closed, moved, reason, revenue = row[8:]
            custom = [{"id": 3, "caption": "Won/Lost Reason", "type": "Text", "value": reason}]
            self.stores["opportunities"][oid] = {
                "id": oid,
                "name": name,
                "expectedCloseDate": _day(expected),
                "type": _ref(80 + n, kind),
                "stage": _ref(90 + n, stage),
                "status": _ref(95 + n, status),
                "probability": _ref(n + 1, probability),
                "primarySalesRep": {"id": 170 + n % 2, "identifier": rep, "name": rep},
                "company": _ref(*company, identifier="x"),
                "closedDate": closed,
                "pipelineChangeDate": moved,
                "customFields": custom,
                "_info": _info(entered, f"2024-03-03T1{n}:00:00Z"),
            }
            self.forecasts[oid] = {
                "id": oid,
                "forecastItems": [{"id": 1, "revenue": revenue, "cost": revenue * 0.4}],
                "forecastRevenueTotals": {
                    "id": 1,
                    "revenue": revenue,
                    "cost": revenue * 0.4,
                    "margin": revenue * 0.6,
                    "percentage": 60,
                },
            }

    # -- mutations between syncs ------------------------------------------------------------
    def update(self, kind: str, record_id: int, **fields) -> str:
        """Change fields of one record and stamp it as updated now (the clock moves on)."""
        record = self.stores[kind][record_id]
        record.update(copy.deepcopy(fields))
        record["_info"] = {**record["_info"], "lastUpdated": self.tick()}
        return record["_info"]["lastUpdated"]

    def delete(self, kind: str, record_id: int) -> None:
        self.stores[kind].pop(record_id)
        if kind == "agreements":
            self.agreement_configurations.pop(record_id, None)
        if kind == "opportunities":
            self.forecasts.pop(record_id, None)

    # -- HTTP ------------------------------------------------------------------------------
    def add_routes(self, api: str, route: Callable, listing: Callable) -> None:
        """Register the business endpoints; ``listing(request, store, forward=...)`` is the
        fake's list answer (paging, conditions, fields)."""
        for kind, path in PATHS.items():
            store = self.stores[kind]
            route("GET", api + path, lambda r, store=store: listing(r, store))
        route(
            "GET",
            api + r"/finance/agreements/(?P<id>\d+)/configurations",
            lambda r: self._covered(r, listing),
        )
        route("GET", api + r"/sales/opportunities/(?P<id>\d+)/forecast", self._forecast)

    def _covered(self, request: Request, listing: Callable) -> Response:
        agreement = int(request.params["id"])
        if agreement not in self.stores["agreements"]:
            return Response(404, {"code": "NotFound", "message": "Agreement not found"})
        configurations = self.stores["configurations"]
        refs = {
            cid: {"id": cid, "name": configurations.get(cid, {}).get("name")}
            for cid in self.agreement_configurations.get(agreement, [])
        }
        return listing(request, refs, forward=False)

    def _forecast(self, request: Request) -> Response:
        forecast = self.forecasts.get(int(request.params["id"]))
        if forecast is None:
            return Response(404, {"code": "NotFound", "message": "Opportunity not found"})
        return Response(200, copy.deepcopy(forecast))
