"""SLA clocks: business calendars, business time, and per-ticket SLA facts (metrics reference §1).

Pure functions and immutable classes, no I/O. Scalar reference functions
(:func:`business_seconds`, :func:`add_business`, :func:`sla_state`) define the semantics; the
vectorized :class:`BusinessClock` and :func:`compute_ticket_facts` agree with them exactly.
"""

from deskmetrics.sla.business_time import (
    MAX_WALK_DAYS,
    DeadlineOutOfRangeError,
    add_business,
    business_seconds,
)
from deskmetrics.sla.calendar import BusinessCalendar
from deskmetrics.sla.clock import NAT, BusinessClock
from deskmetrics.sla.facts import FACT_COLUMNS, compute_ticket_facts
from deskmetrics.sla.states import SlaState, sla_state

__all__ = [
    "FACT_COLUMNS",
    "MAX_WALK_DAYS",
    "NAT",
    "BusinessCalendar",
    "BusinessClock",
    "DeadlineOutOfRangeError",
    "SlaState",
    "add_business",
    "business_seconds",
    "compute_ticket_facts",
    "sla_state",
]
