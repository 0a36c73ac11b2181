"""ConnectWise records -> canonical rows: the only place that knows CW field names."""

from __future__ import annotations

import re

from deskmetrics.connectors.base import Quarantined
from deskmetrics.connectors.connectwise_config import CwMapping
from deskmetrics.connectors.connectwise_fields import (
    Malformed,
    instant,
    norm,
    path_value,
    quarantined,
    record_id,
    ref_id,
    ref_name,
    text,
    whole,
)

_PRIORITY_DIGIT = re.compile(r"^\s*priority\s*(\d)\b", re.I)
_TIER_DIGIT = re.compile(r"\btier\s*(\d)\b", re.I)


# -- entities -------------------------------------------------------------------------------
class CwMapper:
    def __init__(self, mapping: CwMapping) -> None:
        self.mapping = mapping
        self.status_regex = mapping.status_regex
        self._priorities = {norm(str(k)): v for k, v in mapping.priority.items()}
        self._tiers = {norm(str(k)): v for k, v in mapping.tiers.items()}

    def priority(self, name: str | None) -> int | None:
        """Mapped name first, else the digit of "Priority N - ..." when it is 1-4."""
        if name is None:
            return None
        if norm(name) in self._priorities:
            return self._priorities[norm(name)]
        digit = _PRIORITY_DIGIT.match(name)
        return int(digit[1]) if digit and 1 <= int(digit[1]) <= 4 else None

    def client(self, record: dict) -> dict:
        """Seats from the custom field, else the field path; a value that is not a whole
        number leaves seats empty rather than losing the client."""
        seats = None
        if self.mapping.seats_custom_field:
            for custom in record.get("customFields") or []:
                if isinstance(custom, dict) and norm(str(custom.get("caption", ""))) == norm(
                    self.mapping.seats_custom_field
                ):
                    seats = custom.get("value")
        if seats in (None, "") and self.mapping.seats_field:
            seats = path_value(record, self.mapping.seats_field)
        return {
            "client_id": record_id(record),
            "name": text(record.get("name")),
            "seats": _seats(seats),
        }

    def contact(self, record: dict) -> dict:
        name = " ".join(
            p for p in (text(record.get("firstName")), text(record.get("lastName"))) if p
        )
        return {
            "contact_id": record_id(record),
            "client_id": ref_id(record, "company"),
            "name": name or None,
            "email": _email(record),
        }

    def technician(self, record: dict) -> dict:
        ident = text(record.get("identifier"))
        if ident is None:
            raise Malformed("member has no identifier (tickets and time entries refer to it)")
        name = " ".join(
            p for p in (text(record.get("firstName")), text(record.get("lastName"))) if p
        )
        team = (
            text(path_value(record, self.mapping.team_field)) if self.mapping.team_field else None
        )
        return {
            "tech_id": ident,
            "name": name or text(record.get("name")),
            "team": team,
            "tier": self._tier(path_value(record, self.mapping.tier_field)),
        }

    def _tier(self, value: object) -> int | None:
        if value is None or not self.mapping.tier_field:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        label = str(value)
        if norm(label) in self._tiers:
            return self._tiers[norm(label)]
        digit = _TIER_DIGIT.search(label)
        return int(digit[1]) if digit else None

    def ticket(self, record: dict) -> dict:
        ticket_id = record_id(record)
        created = instant(path_value(record, "_info/dateEntered"), "_info.dateEntered")
        if created is None:
            raise Malformed("_info.dateEntered (the creation time) is missing")
        status = ref_name(record, "status")
        if status is None:
            raise Malformed("status.name is missing")
        return {
            "ticket_id": ticket_id,
            "created_at": created,
            "status": status,
            "client_id": ref_id(record, "company"),
            "contact_id": ref_id(record, "contact"),
            "board": ref_name(record, "board"),
            "category": ref_name(record, "type"),
            "subcategory": ref_name(record, "subType"),
            "item": ref_name(record, "item"),
            "priority": self.priority(ref_name(record, "priority")),
            "channel": ref_name(record, "source"),
            "owner_tech_id": text(path_value(record, "owner/identifier")),
            "first_response_at": instant(record.get("dateResponded"), "dateResponded"),
            "resolved_at": instant(record.get("dateResolved"), "dateResolved"),
            "closed_at": instant(record.get("closedDate"), "closedDate"),
            "updated_at": instant(path_value(record, "_info/lastUpdated"), "_info.lastUpdated"),
            "title": text(record.get("summary")),
            "source": "connectwise",
        }

    def status_changes(
        self, ticket: dict, entries: list[dict]
    ) -> tuple[list[dict], list[Quarantined]]:
        """Status changes parsed from audit-trail text. When the first change names the status
        it left (group "old") and happened after creation, that status is recorded at
        ``created_at``, so a ticket created straight into "In Progress" starts there."""
        rows, bad = [], []
        for n, entry in enumerate(entries):
            matches = list(self.status_regex.finditer(str(entry.get("text") or "")))
            if not matches:
                continue
            try:
                at = instant(entry.get("enteredDate"), "enteredDate")
                if at is None:
                    raise Malformed("enteredDate is missing")
            except Malformed as exc:
                key = f"{ticket['ticket_id']}/audit/{n}"
                bad.append(quarantined(key, f"audit entry: {exc}", entry))
                continue
            for match in matches:
                if text(match["new"]) is None:
                    continue
                rows.append(
                    {
                        "ticket_id": ticket["ticket_id"],
                        "changed_at": at,
                        "status": text(match["new"]),
                        "tech_id": text(entry.get("enteredBy")),
                        "_old": match.groupdict().get("old"),
                    }
                )
        rows.sort(key=lambda r: r["changed_at"])
        if rows and text(rows[0]["_old"]) and rows[0]["changed_at"] > ticket["created_at"]:
            first = {"changed_at": ticket["created_at"], "status": rows[0]["_old"].strip()}
            rows.insert(0, {"ticket_id": ticket["ticket_id"], "tech_id": None, **first})
        return [{k: v for k, v in r.items() if k != "_old"} for r in rows], bad

    def event(self, ticket_id: str, note: dict) -> dict:
        """A ticket note as a conversation event.

        Contact-authored -> customer_message; member notes flagged internal (``internalFlag``,
        or ``internalAnalysisFlag`` without ``detailDescriptionFlag``) -> internal_note; member
        notes flagged external, discussion (``detailDescriptionFlag``) or resolution ->
        agent_reply; other member notes -> internal_note."""
        at = instant(
            note.get("dateCreated") or path_value(note, "_info/dateEntered"), "dateCreated"
        )
        if at is None:
            raise Malformed("dateCreated is missing")
        member = text(path_value(note, "member/identifier"))
        contact = path_value(note, "contact/id") or path_value(note, "contact/name")
        flags = {name for name, value in note.items() if value is True}
        if contact and not member:
            kind = "customer_message"
        elif "internalFlag" in flags or (
            "internalAnalysisFlag" in flags and "detailDescriptionFlag" not in flags
        ):
            kind = "internal_note"
        elif flags & {"externalFlag", "detailDescriptionFlag", "resolutionFlag"}:
            kind = "agent_reply"
        else:
            kind = "internal_note"
        return {"ticket_id": ticket_id, "at": at, "kind": kind, "tech_id": member}

    def time_entry(self, record: dict) -> dict:
        ticket_id = record.get("chargeToId") or path_value(record, "ticket/id")
        if ticket_id in (None, ""):
            raise Malformed("chargeToId (the ticket) is missing")
        started = instant(record.get("timeStart"), "timeStart")
        ended = instant(record.get("timeEnd"), "timeEnd")
        hours = record.get("actualHours")
        if hours is None and started is not None and ended is not None:
            hours = (ended - started).total_seconds() / 3600 - float(record.get("hoursDeduct") or 0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
            raise Malformed(f"actualHours is missing or not a number of hours: {hours!r}")
        option = record.get("billableOption")
        return {
            "entry_id": record_id(record),
            "ticket_id": str(ticket_id),
            "tech_id": text(path_value(record, "member/identifier")),
            "started_at": started,
            "hours": float(hours),
            "billable": None if option is None else option == "Billable",
        }


def _seats(value: object) -> int | None:
    try:
        return whole(value, "seats")
    except Malformed:
        return None


def _email(record: dict) -> str | None:
    items = [i for i in record.get("communicationItems") or [] if isinstance(i, dict)]
    emails = [
        i
        for i in items
        if str(i.get("communicationType", "")).lower() == "email"
        or str(path_value(i, "type/name") or "").lower() == "email"
    ]
    emails.sort(key=lambda i: not i.get("defaultFlag"))
    return text(emails[0].get("value")) if emails else text(record.get("defaultEmail"))
