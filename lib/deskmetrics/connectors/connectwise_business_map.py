"""ConnectWise business records -> canonical rows: agreements, invoices (revenue lines),
configurations (devices), projects, opportunities and the stages they are seen in.

The connector notes (reference section 1) cover only the service endpoints; the field names
here come from public client models of the same REST API and are UNCONFIRMED against a live
tenant. Every vendor name that decides a canonical value goes through the ``business:``
section of the mapping file (``BusinessMapping``), so a tenant can correct them.
"""

from __future__ import annotations

import re

from deskmetrics.connectors.connectwise_business_config import BusinessMapping, classify, listed
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    day,
    instant,
    lookup,
    number,
    path_value,
    record_id,
    ref_id,
    ref_name,
    text,
    whole,
)
from deskmetrics.connectors.connectwise_stream import SOURCE

_PERCENT = re.compile(r"-?\d+(?:\.\d+)?")
_TRUE = {"true", "yes", "y", "1", "x"}


class CwBusinessMapper:
    def __init__(self, mapping: BusinessMapping) -> None:
        self.mapping = mapping

    def agreement(self, record: dict) -> dict:
        """``type/name`` -> type (the mapping, else keywords, else "other"; an agreement
        counted in ``applicationUnits`` Hours is block_hours); ``billingCycle/name`` ->
        period_type (one_time when ``oneTimeFlag``/``billOneTimeFlag``); ``billAmount`` is the
        amount billed each cycle; ``noEndingDateFlag`` leaves end_date empty."""
        m = self.mapping
        kind = ref_name(record, "type")
        agreement_type = classify(m, "agreement_types", kind)
        if agreement_type is None and record.get("applicationUnits") == "Hours":
            agreement_type = "block_hours"
        if record.get("oneTimeFlag") is True or record.get("billOneTimeFlag") is True:
            period = "one_time"
        else:
            period = classify(m, "period_types", ref_name(record, "billingCycle"))
        status = text(record.get("agreementStatus"))
        revenue = number(lookup(record, m.agreement_revenue_field), m.agreement_revenue_field)
        return {
            "agreement_id": record_id(record),
            "client_id": ref_id(record, "company"),
            "name": text(record.get("name")),
            "type": agreement_type or "other",
            "period_type": period,
            "start_date": day(record.get("startDate"), "startDate"),
            "end_date": None
            if record.get("noEndingDateFlag") is True
            else day(record.get("endDate"), "endDate"),
            "recurring_revenue": not_negative(revenue, m.agreement_revenue_field),
            "cancelled": record.get("cancelledFlag") is True
            or listed(m.cancelled_statuses, status),
            "source": SOURCE,
            "updated_at": instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated"),
        }

    def revenue_line(self, record: dict) -> dict:
        """One line per invoice: ConnectWise's invoice list carries totals, not lines.
        amount = ``subtotal`` (before tax; a credit memo counts negative); pending while the
        billing status is one of ``invoice_pending_statuses`` (default "New": not yet sent),
        else invoiced; service from the invoice ``type`` through ``invoice_services``."""
        m = self.mapping
        amount = number(lookup(record, m.invoice_amount_field), m.invoice_amount_field)
        if amount is None:
            raise Malformed(f"{m.invoice_amount_field} (the invoice amount) is missing")
        amount -= number(lookup(record, m.invoice_tax_field), m.invoice_tax_field) or 0.0
        kind = text(record.get("type"))
        if kind == "CreditMemo" and amount > 0:
            amount = -amount
        on = day(record.get("date"), "date")
        if on is None:
            raise Malformed("date (the invoice date) is missing")
        agreement = ref_id(record, "agreement")
        if agreement is None and record.get("applyToType") == "Agreement":
            agreement = text(record.get("applyToId"))
        services = {k.casefold(): v for k, v in m.invoice_services.items()}
        pending = listed(m.invoice_pending_statuses, ref_name(record, "status"))
        return {
            "line_id": record_id(record),
            "client_id": ref_id(record, "company"),
            "agreement_id": agreement,
            "service": services.get((kind or "").casefold(), kind),
            "amount": amount,
            "line_date": on,
            "status": "pending" if pending else "invoiced",
            "invoice_id": text(record.get("invoiceNumber")) or record_id(record),
            "source": SOURCE,
        }

    def device(self, record: dict, covered: set[str]) -> dict:
        """contract_status: covered when the configuration is attached to an agreement that
        is not cancelled (``covered``: ids from each agreement's configurations); else
        awaiting_review when its status is one of ``device_review_statuses`` or
        ``device_review_field`` holds a true value; else not_covered. discovered_at is when
        the configuration entered ConnectWise (``_info/dateEntered``)."""
        m = self.mapping
        device_id = record_id(record)
        if device_id in covered:
            status = "covered"
        elif listed(m.device_review_statuses, ref_name(record, "status")) or truthy(
            lookup(record, m.device_review_field)
        ):
            status = "awaiting_review"
        else:
            status = "not_covered"
        return {
            "device_id": device_id,
            "client_id": ref_id(record, "company"),
            "name": text(record.get("name")),
            "device_type": classify(m, "device_types", ref_name(record, "type")) or "other",
            "discovered_at": instant(path_value(record, "_info/dateEntered"), "_info.dateEntered"),
            "contract_status": status,
            "missing_patches": patches(lookup(record, m.device_patches_field)),
            "source": SOURCE,
            "updated_at": instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated"),
        }

    def project(self, record: dict) -> dict:
        """status from ``status/name`` (the mapping, else keywords; ``closedFlag`` means
        closed), category from ``type/name`` (else the project board), hours budgeted and
        actual, start (actual, else estimated), due (estimated end), closed_at (``actualEnd``
        of a closed or cancelled project)."""
        status = classify(self.mapping, "project_statuses", ref_name(record, "status"))
        if status is None:
            status = "closed" if record.get("closedFlag") is True else "open"
        ended = instant(record.get("actualEnd"), "actualEnd")
        return {
            "project_id": record_id(record),
            "client_id": ref_id(record, "company"),
            "name": text(record.get("name")),
            "status": status,
            "category": ref_name(record, "type") or ref_name(record, "board"),
            "budget_hours": not_negative(
                number(record.get("budgetHours"), "budgetHours"), "budgetHours"
            ),
            "actual_hours": not_negative(
                number(record.get("actualHours"), "actualHours"), "actualHours"
            ),
            "start_date": day(record.get("actualStart"), "actualStart")
            or day(record.get("estimatedStart"), "estimatedStart"),
            "due_date": day(record.get("estimatedEnd"), "estimatedEnd"),
            "closed_at": ended if status in {"closed", "cancelled"} else None,
            "source": SOURCE,
            "updated_at": instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated"),
        }

    def opportunity(self, record: dict) -> dict:
        """outcome from ``status/name`` (``opportunity_outcomes``, else won/lost keywords;
        empty while open); amount from ``opportunity_amount_field`` (default the forecast's
        revenue total, read per opportunity); probability from ``probability/name`` (e.g.
        "50" or "50%"); reason from ``opportunity_reason_field`` (default none)."""
        m = self.mapping
        created = instant(path_value(record, "_info/dateEntered"), "_info.dateEntered")
        if created is None:
            raise Malformed("_info.dateEntered (the creation time) is missing")
        outcome = classify(m, "opportunity_outcomes", ref_name(record, "status"))
        amount = number(lookup(record, m.opportunity_amount_field), m.opportunity_amount_field)
        return {
            "opportunity_id": record_id(record),
            "client_id": ref_id(record, "company"),
            "name": text(record.get("name")),
            "stage": ref_name(record, "stage"),
            "amount": not_negative(amount, m.opportunity_amount_field),
            "probability": percent(record.get("probability")),
            "category": ref_name(record, "type"),
            "owner_tech_id": text(path_value(record, "primarySalesRep/identifier")),
            "created_at": created,
            "expected_close": day(record.get("expectedCloseDate"), "expectedCloseDate"),
            "closed_at": instant(record.get("closedDate"), "closedDate"),
            "outcome": outcome,
            "reason": text(lookup(record, m.opportunity_reason_field)) if outcome else None,
            "source": SOURCE,
            "updated_at": instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated"),
        }

    @staticmethod
    def stage(opportunity: dict, record: dict) -> dict | None:
        """The stage the opportunity is in, as seen by this sync: ConnectWise offers no stage
        history the notes confirm, so each sync records the current stage at
        ``pipelineChangeDate`` (when it last moved in the pipeline; UNCONFIRMED), else at the
        opportunity's last update. Re-reading an unmoved opportunity adds nothing."""
        if opportunity["stage"] is None:
            return None
        try:
            at = instant(record.get("pipelineChangeDate"), "pipelineChangeDate")
        except Malformed:
            at = None
        at = at or opportunity["updated_at"] or opportunity["created_at"]
        return {
            "opportunity_id": opportunity["opportunity_id"],
            "changed_at": at,
            "stage": opportunity["stage"],
        }


def patches(value: object) -> int | None:
    """A count of missing patches; a value that is not a whole number (a free-text answer)
    leaves it empty rather than losing the device."""
    try:
        return whole(value, "missing patches")
    except Malformed:
        return None


def truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().casefold() in _TRUE


def not_negative(value: float | None, name: str) -> float | None:
    if value is not None and value < 0:
        raise Malformed(f"{name} is negative: {value!r}")
    return value


def percent(value: object) -> float | None:
    """A probability reference ``{"id", "name": "50"}``, a plain number or "50%" -> 0-100;
    anything else (no number, outside 0-100) is left empty."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, bool) or value is None:
        return None
    found = _PERCENT.search(str(value))
    share = float(found[0]) if found else None
    return share if share is not None and 0 <= share <= 100 else None
