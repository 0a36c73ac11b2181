"""Business panels about managed devices: awaiting contract review, discovered in the period,
and missing patches, by client."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, or_, select

from deskmetrics.panels.business_base import (
    CHART_ROWS,
    NONE,
    TAB,
    client_is,
    client_names,
    empty,
    key_is,
    local_day_texts,
    missing,
    named,
    whole,
)
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import devices

D = devices.c
KNOWN_WORDS = (
    "Devices count when known at the period end: discovered before it, or with no discovery "
    "time. Status and patch counts are the ones loaded last (the RMM's current view), not "
    f"history. Rows are clients ({NONE} for devices without one); the Client filter keeps that "
    "client."
)


def _known(ctx: PanelContext) -> ColumnElement:
    _, end, _ = ctx.bounds
    return and_(or_(D.discovered_at.is_(None), D.discovered_at < end), client_is(ctx, D.client_id))


def _by_client(ctx: PanelContext, measures: dict, keep: str, order: list[str]) -> pd.DataFrame:
    """``measures`` per client of the known devices, rows where ``keep`` > 0, sorted by
    ``order`` (largest first), devices without a client last."""
    query = (
        select(D.client_id, *(m.label(k) for k, m in measures.items()))
        .where(_known(ctx))
        .group_by(D.client_id)
    )
    frame = ctx.frame(query)
    columns = ["client", "client_id", *measures]
    if frame.empty:
        return empty(columns)
    for k in measures:
        frame[k] = whole(frame[k])
    frame = frame[frame[keep] > 0]
    frame = frame.assign(_none=[missing(c) for c in frame["client_id"]])
    frame = frame.sort_values(
        ["_none", *order, "client_id"], ascending=[True, *[False] * len(order), True]
    )
    frame.insert(0, "client", named(frame["client_id"], client_names(ctx)))
    return frame[columns].reset_index(drop=True)


# which devices each count field counts
DEVICE_FIELDS = {
    "devices": None,
    "awaiting_review": D.contract_status == "awaiting_review",
    "devices_missing_patches": D.missing_patches > 0,
    "missing_patches": D.missing_patches > 0,
    "devices_patches_unknown": D.missing_patches.is_(None),
}


def _devices(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The known devices behind a client's count (missing_patches: those missing any)."""
    condition = DEVICE_FIELDS[field]
    frame = ctx.frame(
        select(
            D.device_id,
            D.name,
            D.client_id,
            D.device_type,
            D.contract_status,
            D.missing_patches,
            D.discovered_at,
        )
        .where(
            _known(ctx),
            key_is(D.client_id, row.get("client_id")),
            *([] if condition is None else [condition]),
        )
        .order_by(D.device_id)
    )
    columns = ["device", "device_id", "client", "type", "contract_status", "missing_patches"]
    if frame.empty:
        return empty([*columns, "discovered"])
    return pd.DataFrame(
        {
            "device": frame["name"].fillna(frame["device_id"]),
            "device_id": frame["device_id"],
            "client": named(frame["client_id"], client_names(ctx)),
            "type": frame["device_type"].fillna(""),
            "contract_status": frame["contract_status"].fillna(""),
            "missing_patches": frame["missing_patches"].astype("Int64"),
            "discovered": local_day_texts(ctx, frame["discovered_at"]),
        }
    )


def _awaiting(ctx: PanelContext) -> pd.DataFrame:
    measures = {
        "awaiting_review": count_if(D.contract_status == "awaiting_review"),
        "devices": func.count(),
    }
    return _by_client(ctx, measures, "awaiting_review", ["awaiting_review"])


register(
    Panel(
        id="devices_awaiting_review",
        title="Devices awaiting contract review",
        tab=TAB,
        definition="Devices whose contract_status is awaiting_review (found by the RMM, not yet "
        "added to or excluded from an agreement), by client, beside all the client's devices. "
        "Clients with none awaiting review are left out. " + KNOWN_WORDS,
        attribution="the current status of devices discovered before the period end",
        query=_awaiting,
        chart=Chart("hbar", "client", ("awaiting_review",), ("Awaiting review",), "devices"),
        drill_records=_devices,
        drill_fields=("awaiting_review", "devices"),
        drill_label="List devices",
    )
)


def _discovered(ctx: PanelContext) -> pd.DataFrame:
    new = ctx.in_period(D.discovered_at)
    measures = {
        "discovered": count_if(new),
        "awaiting_review": count_if(and_(new, D.contract_status == "awaiting_review")),
    }
    return _by_client(ctx, measures, "discovered", ["discovered"])


register(
    Panel(
        id="devices_discovered",
        title="Devices discovered in the period",
        tab=TAB,
        definition="Devices whose discovered_at falls in the period, by client, and how many of "
        "them await contract review. Devices without a discovery time are never counted here. "
        + KNOWN_WORDS,
        attribution="discovered_at",
        query=_discovered,
        chart=Chart(
            "bar",
            "client",
            ("discovered", "awaiting_review"),
            ("Discovered", "Awaiting review"),
            "devices",
            limit=CHART_ROWS,
        ),
    )
)


def _patches(ctx: PanelContext) -> pd.DataFrame:
    missing_any = D.missing_patches > 0
    measures = {
        "devices": func.count(),
        "devices_missing_patches": count_if(missing_any),
        "missing_patches": func.coalesce(func.sum(D.missing_patches), 0),
        "devices_patches_unknown": count_if(D.missing_patches.is_(None)),
    }
    return _by_client(ctx, measures, "devices", ["missing_patches", "devices_missing_patches"])


register(
    Panel(
        id="missing_patches_by_client",
        title="Missing patches by client",
        tab=TAB,
        definition="Per client: its devices, the devices with at least one missing patch "
        "(missing_patches > 0), the missing patches in total, and the devices whose patch "
        "count is unknown (not counted as 0). Sorted by missing patches. " + KNOWN_WORDS,
        attribution="the current patch counts of devices discovered before the period end",
        query=_patches,
        chart=Chart("hbar", "client", ("missing_patches",), ("Missing patches",), "patches"),
        drill_records=_devices,
        drill_fields=(
            "missing_patches",
            "devices_missing_patches",
            "devices",
            "devices_patches_unknown",
        ),
        drill_label="List devices",
    )
)
