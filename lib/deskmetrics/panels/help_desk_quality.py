"""Help Desk panels: first contact resolution and escalation (metrics reference 3 and 4), over
tickets resolved (else closed) in the period."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, select

from deskmetrics.metrics.stats import percentile
from deskmetrics.panels.common import in_bucket
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import NONE, TAB, equals_or_none, ints, percent
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import tickets

VARIANTS = ("fcr_time_entry", "fcr_one_touch", "fcr_1_business_hour", "fcr_no_customer_followup")
VARIANT_WORDS = (
    "The variants (analysis.fcr_variant picks the one shown; default fcr_time_entry): "
    "fcr_time_entry = at most analysis.fcr_max_time_entries (default 1) time entries by at most "
    "one technician, not reopened within the window, not escalated; fcr_one_touch = at most one "
    "agent reply, not reopened; fcr_1_business_hour = resolved within one business hour (net of "
    "waiting), not reopened; fcr_no_customer_followup = no customer message after creation. "
    "Eligible = resolved (or closed) and not an alert/automation ticket (channel alert); "
    "cancelled tickets are left out. FCR % = fcr / eligible x 100 (gross FCR)."
)


def fcr_eligible_in_period(ctx: PanelContext, variant: str):
    """Tickets resolved in the period that count in the FCR denominator of ``variant``."""
    t = ctx.t
    return and_(
        ctx.resolved_in_period(),
        t.fcr_eligible.is_(True),
        getattr(t, variant).is_not(None),
    )


def fcr_in_period(ctx: PanelContext, variant: str):
    """The eligible tickets resolved on first contact by ``variant``."""
    return and_(fcr_eligible_in_period(ctx, variant), getattr(ctx.t, variant).is_(True))


# -- first contact resolution ----------------------------------------------------------------
def _first_contact(ctx: PanelContext) -> pd.DataFrame:
    variant = ctx.settings.analysis.fcr_variant
    out = ctx.by_bucket(
        ctx.t.ended_at,
        {
            "resolved": count_if(fcr_eligible_in_period(ctx, variant)),
            "fcr": count_if(fcr_in_period(ctx, variant)),
        },
    )
    resolved, fcr = ints(out["resolved"]).values, ints(out["fcr"]).values
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "resolved": resolved,
            "fcr": fcr,
            "fcr_percent": percent(fcr, resolved).values,
            "variant": variant,
        }
    )


def _drill_first_contact(ctx, row, field):
    variant = ctx.settings.analysis.fcr_variant
    condition = (
        fcr_eligible_in_period(ctx, variant) if field == "resolved" else fcr_in_period(ctx, variant)
    )
    return and_(in_bucket(ctx, ctx.t.ended_at, row["bucket"]), condition)


register(
    Panel(
        id="first_contact_resolution",
        title="First contact resolution (variant: analysis.fcr_variant)",
        tab=TAB,
        definition="Per period of resolve: resolved = FCR-eligible tickets resolved (else "
        "closed) in it; fcr = those resolved on first contact by the configured variant, named "
        "in the variant column; fcr_percent = fcr / resolved x 100. " + VARIANT_WORDS,
        attribution="resolved_at (else closed_at)",
        query=_first_contact,
        chart=Chart(
            "bar_line", "bucket", ("resolved", "fcr_percent"), ("Resolved", "FCR %"), "tickets"
        ),
        drill=_drill_first_contact,
        drill_fields=("resolved", "fcr"),
    )
)


def _variants(ctx: PanelContext) -> pd.DataFrame:
    measures = []
    for v in VARIANTS:
        measures += [
            count_if(fcr_eligible_in_period(ctx, v)).label(f"{v}_n"),
            count_if(fcr_in_period(ctx, v)).label(v),
        ]
    row = ctx.conn.execute(select(*measures).select_from(tickets).where(ctx.where)).one()._mapping
    eligible = ints([row[f"{v}_n"] for v in VARIANTS]).values
    fcr = ints([row[v] for v in VARIANTS]).values
    return pd.DataFrame(
        {
            "variant": list(VARIANTS),
            "eligible": eligible,
            "fcr": fcr,
            "fcr_percent": percent(fcr, eligible).values,
            "configured": [v == ctx.settings.analysis.fcr_variant for v in VARIANTS],
        }
    )


register(
    Panel(
        id="fcr_variants",
        title="First contact resolution, every variant",
        tab=TAB,
        definition="The four FCR variants side by side over tickets resolved (else closed) in "
        "the period: eligible, fcr and fcr_percent per variant; configured marks the one the "
        "first contact resolution panel shows. A ticket without resolution business time is not "
        "eligible for fcr_1_business_hour. " + VARIANT_WORDS,
        attribution="resolved_at (else closed_at)",
        query=_variants,
        chart=Chart("bar", "variant", ("fcr_percent",), ("FCR %",), "percent"),
        drill=lambda ctx, row, field: (
            fcr_eligible_in_period(ctx, row["variant"])
            if field == "eligible"
            else fcr_in_period(ctx, row["variant"])
        ),
        drill_fields=("eligible", "fcr"),
    )
)


# -- escalation --------------------------------------------------------------------------------
def escalated_in_period(ctx):
    """Tickets resolved in the period that were escalated before the resolve."""
    return and_(ctx.resolved_in_period(), ctx.t.escalated.is_(True))


ESCALATION_WORDS = (
    "escalation_rate = escalated / resolved x 100 over tickets resolved (else closed) in the "
    "period. Escalated = before the resolve the ticket moved to a technician of a higher tier "
    "than its first one, or entered a status named like Escalated; a move between technicians "
    "of the same tier is a transfer and does not count, nor does waiting on a vendor."
)


def _rates(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    resolved, escalated = ints(frame["resolved"]).values, ints(frame["escalated"]).values
    return pd.DataFrame(
        {
            label: frame[label].values,
            "resolved": resolved,
            "escalated": escalated,
            "rate_percent": percent(escalated, resolved).values,
        }
    )


def escalation_counts(ctx: PanelContext, column) -> pd.DataFrame:
    """key, resolved, escalated per value of a tickets ``column`` (the reports group by owner)."""
    return ctx.frame(
        select(
            column.label("key"),
            count_if(ctx.resolved_in_period()).label("resolved"),
            count_if(escalated_in_period(ctx)).label("escalated"),
        )
        .where(ctx.where, ctx.resolved_in_period())
        .group_by(column)
    )


def _by_priority(ctx: PanelContext) -> pd.DataFrame:
    frame = escalation_counts(ctx, ctx.t.priority)
    found = {
        (None if pd.isna(k) else int(k)): r for k, r in zip(frame["key"], frame.index, strict=True)
    }
    rows = []
    for p in (1, 2, 3, 4, None):
        if p is None and p not in found:
            continue
        r = frame.loc[found[p]] if p in found else {"resolved": 0, "escalated": 0}
        rows.append(
            {
                "priority": NONE if p is None else f"P{p}",
                **{k: r[k] for k in ("resolved", "escalated")},
            }
        )
    return _rates(pd.DataFrame(rows), "priority")


def _priority_of(label):
    return None if label == NONE else int(str(label).removeprefix("P"))


def _drill_priority(ctx, row, field):
    base = escalated_in_period(ctx) if field == "escalated" else ctx.resolved_in_period()
    return and_(base, equals_or_none(ctx.t.priority, _priority_of(row["priority"])))


register(
    Panel(
        id="escalation_rate_by_priority",
        title="Escalation rate by priority",
        tab=TAB,
        definition=ESCALATION_WORDS + " Per priority at creation (the stored priority), P1 to P4 "
        "always listed, (none) when tickets without a priority were resolved.",
        attribution="resolved_at (else closed_at)",
        query=_by_priority,
        chart=Chart("bar", "priority", ("rate_percent",), ("Escalation %",), "percent"),
        drill=_drill_priority,
        drill_fields=("resolved", "escalated"),
    )
)


def _by_type(ctx: PanelContext) -> pd.DataFrame:
    frame = escalation_counts(ctx, ctx.t.category)
    # pandas string columns hold a missing category as NaN, not None
    frame["category"] = [NONE if pd.isna(k) else k for k in frame["key"]]
    out = _rates(frame, "category")
    return out.sort_values(["resolved", "category"], ascending=[False, True]).reset_index(drop=True)


register(
    Panel(
        id="escalation_rate_by_type",
        title="Escalation rate by type",
        tab=TAB,
        definition=ESCALATION_WORDS + " Per ticket type (category; (none) when missing), most "
        "resolved first.",
        attribution="resolved_at (else closed_at)",
        query=_by_type,
        chart=Chart("hbar", "category", ("rate_percent",), ("Escalation %",), "percent"),
        drill=lambda ctx, row, field: and_(
            escalated_in_period(ctx) if field == "escalated" else ctx.resolved_in_period(),
            equals_or_none(ctx.t.category, row["category"]),
        ),
        drill_fields=("resolved", "escalated"),
    )
)


def _trend(ctx: PanelContext) -> pd.DataFrame:
    out = ctx.by_bucket(
        ctx.t.ended_at,
        {
            "resolved": count_if(ctx.resolved_in_period()),
            "escalated": count_if(escalated_in_period(ctx)),
        },
    )
    return _rates(out, "bucket")


register(
    Panel(
        id="escalation_trend",
        title="Escalation rate over time",
        tab=TAB,
        definition=ESCALATION_WORDS + " Per day (week or month for long periods) of resolve.",
        attribution="resolved_at (else closed_at)",
        query=_trend,
        chart=Chart(
            "bar_line",
            "bucket",
            ("resolved", "rate_percent"),
            ("Resolved", "Escalation %"),
            "tickets",
        ),
        drill=lambda ctx, row, field: and_(
            in_bucket(ctx, ctx.t.ended_at, row["bucket"]),
            escalated_in_period(ctx) if field == "escalated" else ctx.resolved_in_period(),
        ),
        drill_fields=("resolved", "escalated"),
    )
)


def _time_to_escalate(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    frame = ctx.frame(
        select(t.escalation_business_s.label("s")).where(
            ctx.where, escalated_in_period(ctx), t.escalation_business_s.is_not(None)
        )
    )
    values = [float(v) / 3600.0 for v in pd.to_numeric(frame["s"], errors="coerce").dropna()]
    mean = sum(values) / len(values) if values else None
    return pd.DataFrame(
        {
            "statistic": ["median", "p90", "mean"],
            "hours": [percentile(values, 50), percentile(values, 90), mean],
            "tickets": [len(values)] * 3,
        }
    ).astype({"hours": float})


register(
    Panel(
        id="time_to_escalate",
        title="Time to escalate",
        tab=TAB,
        definition="Business hours (calendar windows, no pause deducted) from creation to the "
        "first escalation of the escalated tickets resolved (else closed) in the period: median "
        "and p90 (linear interpolation between closest ranks) and mean, over tickets (n). "
        "Escalation as in the escalation rate panels.",
        attribution="resolved_at (else closed_at)",
        query=_time_to_escalate,
        chart=Chart("bar", "statistic", ("hours",), ("Business hours",), "hours"),
        drill=lambda ctx, row, field: and_(
            escalated_in_period(ctx), ctx.t.escalation_business_s.is_not(None)
        ),
        drill_fields=("tickets",),
    )
)
