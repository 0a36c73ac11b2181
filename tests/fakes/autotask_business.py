"""The business side of the fake Autotask: Contracts, Invoices, ConfigurationItems, Projects
and Opportunities with their picklists, hand-written so a test can check every canonical field
against them.

Served by ``FakeAutotask`` like its other entities (``{Entity}/query`` with filters, paging
through ``nextPageUrl``, ``IncludeFields``; ``{Entity}/entityInformation/fields``). Shapes
follow a public client's typed entities (the connector notes do not cover these entities):
fake facts, not vendor facts. Timestamps are naive UTC with milliseconds, as Autotask sends.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

ACME, BIRCH, CEDAR = 29683001, 29683002, 29683003  # CEDAR: a prospect, not among Companies
KIM, SAM = 29682885, 29682886

PICKLISTS = {
    "Contracts": {
        "contractType": {
            1: "Time and Materials",
            3: "Fixed Price",
            4: "Block Hours",
            6: "Retainer",
            7: "Recurring Service",
            8: "Per Ticket",
        },
        "contractPeriodType": {1: "Monthly", 2: "Quarterly", 3: "Semi-Annual", 4: "Yearly"},
        "status": {0: "Inactive", 1: "Active", 2: "Cancelled"},
    },
    "Projects": {
        "status": {1: "New", 2: "Active", 5: "Complete", 6: "On Hold", 7: "Cancelled"},
        "projectType": {4: "Template", 5: "Client", 9: "Internal"},
    },
    "ConfigurationItems": {
        "configurationItemType": {
            1: "Workstation",
            2: "Server",
            3: "Network Device",
            4: "Printer",
            5: "Mobile Device",
        },
    },
    "Opportunities": {
        "stage": {1: "Lead", 2: "Qualified", 3: "Proposal", 4: "Closing"},
        "status": {0: "Not Ready To Buy", 1: "Active", 2: "Lost", 3: "Closed", 4: "Implemented"},
        "opportunityCategoryID": {1: "Managed Services", 2: "Project", 3: "Hardware"},
        "winReason": {1: "Relationship", 2: "Service quality"},
        "lossReason": {1: "Price", 2: "Competitor"},
    },
}
# the field each entity stamps when it changes (Invoices have none)
STAMPS = {
    "Contracts": "lastModifiedDateTime",
    "Projects": "lastActivityDateTime",
    "ConfigurationItems": "lastModifiedTime",
    "Opportunities": "lastActivity",
}
ENTITIES = ("Contracts", "Invoices", "ConfigurationItems", "Projects", "Opportunities")


def _at(text: str | None) -> str | None:
    """``2024-02-01`` or ``2024-02-01T10:00`` -> Autotask's naive UTC with milliseconds."""
    if text is None:
        return None
    stamp = text if "T" in text else f"{text}T00:00"
    return f"{stamp}:00.000"


def _contracts() -> dict[int, dict]:
    rows = (
        # id, name, type, period, status, company, start, end
        (29684001, "Acme Managed Services", 7, 1, 1, ACME, "2023-01-01", "2025-12-31"),
        (29684002, "Birch Block Hours", 4, None, 1, BIRCH, "2024-01-01", "2024-12-31"),
        (29684003, "Acme Old Retainer", 6, 4, 2, ACME, "2022-01-01", "2023-12-31"),
        (29684004, "Birch T&M", 1, 2, 1, BIRCH, "2024-02-01", "2025-01-31"),
    )
    return {
        cid: {
            "id": cid,
            "contractName": name,
            "contractType": kind,
            "contractPeriodType": period,
            "status": status,
            "companyID": company,
            "startDate": _at(start),
            "endDate": _at(end),
            "estimatedRevenue": 1000.0 * (n + 1),
            "lastModifiedDateTime": _at(f"2024-03-01T0{n}:00"),
        }
        for n, (cid, name, kind, period, status, company, start, end) in enumerate(rows)
    }


def _invoices() -> dict[int, dict]:
    rows = (
        # id, number, company, day, total, tax, voided
        (29685001, "1001", ACME, "2024-02-01", 2700.0, 200.0, False),
        (29685002, "1002", BIRCH, "2024-02-10", 378.0, 28.0, False),
        (29685003, "1003", ACME, "2024-02-15", 1296.0, 96.0, False),
        (29685004, "1004", BIRCH, "2024-03-01", 4000.0, 0.0, False),
        (29685005, "1005", ACME, "2024-03-02", 500.0, 40.0, True),
    )
    return {
        iid: {
            "id": iid,
            "invoiceNumber": number,
            "companyID": company,
            "invoiceDateTime": _at(on),
            "createDateTime": _at(f"{on}T08:00"),
            "invoiceTotal": total,
            "totalTaxValue": tax,
            "isVoided": voided,
            "voidedDate": _at("2024-03-03T09:00") if voided else None,
        }
        for iid, number, company, on, total, tax, voided in rows
    }


def _configuration_items() -> dict[int, dict]:
    rows = (
        # id, title, type, company, contract, patches, awaiting review (a UDF)
        (29686001, "ACME-WS01", 1, ACME, 29684001, 2, None),
        (29686002, "ACME-SRV01", 2, ACME, 29684001, 0, None),
        (29686003, "ACME-FW01", 3, ACME, None, None, "Yes"),
        (29686004, "BIRCH-LT02", 1, BIRCH, 29684002, None, None),
        (29686005, "ACME-PRN01", 4, ACME, None, 5, "No"),
        (29686006, "BIRCH-IPHONE", 5, BIRCH, None, None, None),
    )
    return {
        cid: {
            "id": cid,
            "referenceTitle": title,
            "configurationItemType": kind,
            "companyID": company,
            "contractID": contract,
            "isActive": True,
            "productID": 1,
            "rmmDeviceAuditMissingPatchCount": patches,
            "createDate": _at(f"2024-02-0{n + 1}T12:00"),
            "lastModifiedTime": _at(f"2024-03-02T1{n}:00"),
            "userDefinedFields": [{"name": "Awaiting Review", "value": review}],
        }
        for n, (cid, title, kind, company, contract, patches, review) in enumerate(rows)
    }


def _projects() -> dict[int, dict]:
    rows = (
        # id, name, status, type, company, estimated, actual, start, end, completed
        (29687001, "Acme Office Move", 2, 5, ACME, 40.0, 52.5, "2024-02-01", "2024-03-15", None),
        (29687002, "Birch M365 Migration", 5, 5, BIRCH, 80.0, 70.0, "2024-01-08", "2024-02-28",
         "2024-02-26T17:00"),
        (29687003, "Acme Firewall Refresh", 6, 5, ACME, 16.0, 4.0, "2024-03-01", "2024-03-29",
         None),
        (29687004, "Internal Tooling", 7, 9, ACME, 24.0, 2.0, "2024-01-15", "2024-02-15",
         "2024-02-20T10:00"),
    )  # fmt: skip
    return {
        pid: {
            "id": pid,
            "projectName": name,
            "status": status,
            "projectType": kind,
            "companyID": company,
            "estimatedTime": estimated,
            "actualHours": actual,
            "startDateTime": _at(start),
            "endDateTime": _at(end),
            "completedDateTime": _at(completed),
            "lastActivityDateTime": _at(f"2024-03-03T0{n}:00"),
        }
        for n, (pid, name, status, kind, company, estimated, actual, start, end, completed) in (
            enumerate(rows)
        )
    }


def _opportunities() -> dict[int, dict]:
    rows = (
        # id, title, stage, status, amount, probability, category, owner, company, created,
        # projected close, closed, lost, win reason, loss reason, loss detail
        (29688001, "Acme Backup Upsell", 3, 1, 5000.0, 50, 1, KIM, ACME, "2024-01-10T10:00",
         "2024-04-30", None, None, None, None, None),
        (29688002, "Birch Renewal", 4, 3, 30000.0, 100, 1, SAM, BIRCH, "2023-11-01T09:00",
         "2024-01-31", "2024-01-29T15:00", None, 1, None, None),
        (29688003, "Cedar Firewall", 2, 2, 2000.0, 0, 3, KIM, CEDAR, "2023-12-01T09:00",
         "2024-02-01", None, "2024-02-05T11:00", None, None, "Went with a competitor"),
        (29688004, "Acme Laptops", 1, 1, 3000.0, 20, 3, SAM, ACME, "2024-02-25T14:00",
         "2024-05-31", None, None, None, None, None),
    )  # fmt: skip
    out = {}
    for n, row in enumerate(rows):
        oid, title, stage, status, amount, probability, category, owner, company = row[:9]
        created, projected, closed, lost, win, loss, loss_detail = row[9:]
        out[oid] = {
            "id": oid,
            "title": title,
            "stage": stage,
            "status": status,
            "amount": amount,
            "cost": amount * 0.4,
            "probability": probability,
            "opportunityCategoryID": category,
            "ownerResourceID": owner,
            "companyID": company,
            "createDate": _at(created),
            "projectedCloseDate": _at(projected),
            "closedDate": _at(closed),
            "lostDate": _at(lost),
            "winReason": win,
            "lossReason": loss,
            "lossReasonDetail": loss_detail,
            "lastActivity": _at(f"2024-03-03T1{n}:00"),
        }
    return out


class AtBusiness:
    """The business records of one fake tenant, inside the fake's ``data`` (entity -> id ->
    record); ``tick`` moves the fake clock and returns it as Autotask text."""

    def __init__(self, data: dict[str, dict[int, dict]], tick: Callable[[], str]) -> None:
        self.data, self.tick = data, tick
        data["Contracts"] = _contracts()
        data["Invoices"] = _invoices()
        data["ConfigurationItems"] = _configuration_items()
        data["Projects"] = _projects()
        data["Opportunities"] = _opportunities()

    def update(self, entity: str, record_id: int, **fields) -> str | None:
        """Change fields of one record and stamp it as changed now (Invoices have no stamp)."""
        record = self.data[entity][record_id]
        record.update(copy.deepcopy(fields))
        stamp = STAMPS.get(entity)
        if stamp is None:
            return None
        record[stamp] = self.tick()
        return record[stamp]

    def delete(self, entity: str, record_id: int) -> None:
        self.data[entity].pop(record_id)
