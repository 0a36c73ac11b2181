"""Autotask business records -> canonical rows: Contracts (agreements), Invoices (revenue
lines), ConfigurationItems (devices), Projects and Opportunities with the stages they are seen
in.

The connector notes (reference section 2) cover the service entities only; the field names
here come from a public client's typed entities and are UNCONFIRMED against a live tenant.
Picklist fields (contractType, contractPeriodType, status, configurationItemType, projectType,
stage, winReason, lossReason...) are resolved to their tenant labels from
``{Entity}/entityInformation/fields``, and labels that decide canonical values go through the
``business:`` section of the mapping file (``BusinessMapping``).
"""

from __future__ import annotations

from deskmetrics.connectors.autotask_map import ref
from deskmetrics.connectors.autotask_stream import SOURCE
from deskmetrics.connectors.connectwise_business_config import BusinessMapping, classify, listed
from deskmetrics.connectors.connectwise_business_map import (
    not_negative,
    patches,
    percent,
    truthy,
)
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    day,
    instant,
    lookup,
    number,
    record_id,
    text,
)


class AtBusinessMapper:
    """``picklists``: entity -> field (lower case) -> {value: label}, filled by the streams;
    ``stamps``: entity -> the field that holds its update time (None: the entity has none)."""

    def __init__(self, mapping: BusinessMapping, stamps: dict[str, str | None]) -> None:
        self.mapping = mapping
        self.stamps = stamps
        self.picklists: dict[str, dict[str, dict[str, str]]] = {}

    def label(self, entity: str, record: dict, key: str, *, strict: bool = False) -> str | None:
        """A picklist id as its label; an id the picklist lacks is Malformed when ``strict``,
        else left empty (a field Autotask may not publish as a picklist)."""
        value = record.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        labels = self.picklists.get(entity, {}).get(key.lower(), {})
        if str(value) in labels:
            return labels[str(value)]
        if strict:
            raise Malformed(f"{key} {value!r} is not in the {entity} {key} picklist")
        return None

    def _updated(self, entity: str, record: dict):
        field = self.stamps.get(entity)
        return instant(record.get(field), field) if field else None

    def agreement(self, record: dict) -> dict:
        """A Contract: type from the contractType label (the mapping, else keywords, else
        "other"), period_type from the contractPeriodType label, cancelled when the status
        label is one of ``cancelled_statuses``; recurring_revenue from
        ``agreement_revenue_field`` (default none: Autotask keeps recurring prices on the
        contract's services, which are not read)."""
        m = self.mapping
        kind = self.label("Contracts", record, "contractType")
        period = self.label("Contracts", record, "contractPeriodType")
        revenue = number(lookup(record, m.agreement_revenue_field), m.agreement_revenue_field)
        return {
            "agreement_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "name": text(record.get("contractName")),
            "type": classify(m, "agreement_types", kind) or "other",
            "period_type": classify(m, "period_types", period),
            "start_date": day(record.get("startDate"), "startDate"),
            "end_date": day(record.get("endDate"), "endDate"),
            "recurring_revenue": not_negative(revenue, m.agreement_revenue_field),
            "cancelled": listed(m.cancelled_statuses, self.label("Contracts", record, "status")),
            "source": SOURCE,
            "updated_at": self._updated("Contracts", record),
        }

    def revenue_line(self, record: dict) -> dict:
        """One line per Invoice (Autotask creates an Invoice when it invoices, so every line
        is invoiced; items approved but not yet invoiced are not read): amount =
        ``invoiceTotal`` less ``totalTaxValue``, on the invoice day. A voided invoice is
        removed by the stream, not mapped."""
        m = self.mapping
        amount = number(lookup(record, m.invoice_amount_field), m.invoice_amount_field)
        if amount is None:
            raise Malformed(f"{m.invoice_amount_field} (the invoice amount) is missing")
        amount -= number(lookup(record, m.invoice_tax_field), m.invoice_tax_field) or 0.0
        on = day(record.get("invoiceDateTime"), "invoiceDateTime")
        if on is None:
            raise Malformed("invoiceDateTime (the invoice date) is missing")
        return {
            "line_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "agreement_id": None,
            "service": None,
            "amount": amount,
            "line_date": on,
            "status": "invoiced",
            "invoice_id": text(record.get("invoiceNumber")) or record_id(record),
            "source": SOURCE,
        }

    def device(self, record: dict) -> dict:
        """A ConfigurationItem: covered when it names a contract (``contractID``), else
        awaiting_review when ``device_review_field`` holds a true value, else not_covered;
        device_type from the configurationItemType label; missing patches from the RMM audit
        count (``device_patches_field``)."""
        m = self.mapping
        if ref(record, "contractID"):
            status = "covered"
        elif truthy(lookup(record, m.device_review_field)):
            status = "awaiting_review"
        else:
            status = "not_covered"
        kind = self.label("ConfigurationItems", record, "configurationItemType")
        name = record.get("referenceTitle") or record.get("rmmDeviceAuditHostname")
        return {
            "device_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "name": text(name),
            "device_type": classify(m, "device_types", kind) or "other",
            "discovered_at": instant(record.get("createDate"), "createDate"),
            "contract_status": status,
            "missing_patches": patches(lookup(record, m.device_patches_field)),
            "source": SOURCE,
            "updated_at": self._updated("ConfigurationItems", record),
        }

    def project(self, record: dict) -> dict:
        """A Project: status from its label (the mapping, else keywords, else open), category
        from the projectType label, hours estimated (``estimatedTime``) and actual, closed_at
        (``completedDateTime``) of a closed or cancelled project."""
        status = classify(
            self.mapping, "project_statuses", self.label("Projects", record, "status")
        )
        status = status or "open"
        hours = number(record.get("estimatedTime"), "estimatedTime")
        actual = number(record.get("actualHours"), "actualHours")
        completed = instant(record.get("completedDateTime"), "completedDateTime")
        return {
            "project_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "name": text(record.get("projectName")),
            "status": status,
            "category": self.label("Projects", record, "projectType"),
            "budget_hours": not_negative(hours, "estimatedTime"),
            "actual_hours": not_negative(actual, "actualHours"),
            "start_date": day(record.get("startDateTime"), "startDateTime"),
            "due_date": day(record.get("endDateTime"), "endDateTime"),
            "closed_at": completed if status in {"closed", "cancelled"} else None,
            "source": SOURCE,
            "updated_at": self._updated("Projects", record),
        }

    def opportunity(self, record: dict) -> dict:
        """An Opportunity: stage is the stage picklist label (an unknown id is malformed),
        outcome from the status label (``opportunity_outcomes``: by default Closed and
        Implemented are won, Lost lost), reason from the win or loss reason label (else its
        detail text), amount from ``opportunity_amount_field`` (default ``amount``)."""
        m = self.mapping
        created = instant(record.get("createDate"), "createDate")
        if created is None:
            raise Malformed("createDate (the creation time) is missing")
        stage = self.label("Opportunities", record, "stage", strict=True)
        outcome = classify(m, "opportunity_outcomes", self.label("Opportunities", record, "status"))
        amount = number(lookup(record, m.opportunity_amount_field), m.opportunity_amount_field)
        closed = instant(record.get("closedDate"), "closedDate") or instant(
            record.get("lostDate"), "lostDate"
        )
        return {
            "opportunity_id": record_id(record),
            "client_id": ref(record, "companyID"),
            "name": text(record.get("title")),
            "stage": stage,
            "amount": not_negative(amount, m.opportunity_amount_field),
            "probability": percent(record.get("probability")),
            "category": self.label("Opportunities", record, "opportunityCategoryID"),
            "owner_tech_id": ref(record, "ownerResourceID"),
            "created_at": created,
            "expected_close": day(record.get("projectedCloseDate"), "projectedCloseDate"),
            "closed_at": closed if outcome else None,
            "outcome": outcome,
            "reason": self._reason(record, outcome),
            "source": SOURCE,
            "updated_at": self._updated("Opportunities", record),
        }

    def _reason(self, record: dict, outcome: str | None) -> str | None:
        if outcome is None:
            return None
        if self.mapping.opportunity_reason_field:
            return text(lookup(record, self.mapping.opportunity_reason_field))
        key = "winReason" if outcome == "won" else "lossReason"
        label = self.label("Opportunities", record, key)
        return label or text(record.get(f"{key}Detail"))

    @staticmethod
    def stage(opportunity: dict) -> dict | None:
        """The stage the opportunity is in, as seen by this sync: Autotask offers no stage
        history the notes confirm, so each sync records the current stage at the
        opportunity's last activity (else its creation). Re-reading an unchanged opportunity
        adds nothing; activity that leaves the stage as it was adds a row for the same stage."""
        if opportunity["stage"] is None:
            return None
        return {
            "opportunity_id": opportunity["opportunity_id"],
            "changed_at": opportunity["updated_at"] or opportunity["created_at"],
            "stage": opportunity["stage"],
        }
