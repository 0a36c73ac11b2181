"""`deskmetrics health`: client health scores as a table or JSON, the daily snapshot, and
assessment imports. The numbers are the Health tab's: both read one HealthBoard.

JSON (`deskmetrics health --json`): ``day``, ``baseline`` (the trend compares with the latest
snapshot on or before it), ``min_coverage``, ``cut_scores`` [name, colour, min_score,
max_score], ``metrics`` [metric_id, name, icon, kind, max_score, weight, weight_percent,
assessment, description], ``segments`` [tier, colour, min_score, max_score, clients] and
``clients`` [client_id, client, score, coverage, tier, colour, previous_score, previous_date,
change, trend, contributions [metric_id, metric, value, max_score, normalized, weight_percent,
effective_percent, points, detail]]. Missing values are null. Scores, previous scores and
changes have one decimal, coverage three, the rest two.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path

TIER_WIDTH = 17  # "Insufficient data"


def add_health_parser(sub, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """The `health` command and its `snapshot` and `import-assessments` subcommands."""
    health = sub.add_parser("health", help="client health scores, snapshots and assessments")
    common(health)
    _health_file(health)
    health.add_argument("--client", metavar="ID", help="only this client, with its metrics")
    health.add_argument("--day", metavar="YYYY-MM-DD", help="scoring day (default: today)")
    health.add_argument("--json", action="store_true", help="print one JSON object")
    hsub = health.add_subparsers(dest="health_command", metavar="{snapshot,import-assessments}")
    snapshot = hsub.add_parser(
        "snapshot", help="keep today's scores for the trend (daily, from cron; idempotent)"
    )
    _shared(snapshot)
    snapshot.add_argument(
        "--day", metavar="YYYY-MM-DD", default=argparse.SUPPRESS, help="default: today"
    )
    assessments = hsub.add_parser(
        "import-assessments",
        help="load assessment results (assessment,client_id,assessed_at,score)",
    )
    _shared(assessments)
    assessments.add_argument("file", type=Path, metavar="FILE.csv")


def _health_file(parser: argparse.ArgumentParser, default=None) -> None:
    parser.add_argument(
        "--health-config",
        metavar="FILE",
        default=default,
        help="health settings (default parameters/health.yaml)",
    )


def _shared(parser: argparse.ArgumentParser) -> None:
    """The parent's options again, so they may come after the subcommand too; SUPPRESS keeps
    a value given before the subcommand."""
    keep = argparse.SUPPRESS
    parser.add_argument("--warehouse", metavar="URL", default=keep, help="SQLAlchemy URL")
    parser.add_argument("--config", metavar="FILE", default=keep, help="YAML settings")
    _health_file(parser, keep)


def run_health(args) -> int:
    from deskmetrics.health.service import Health
    from deskmetrics.health.settings import load_health_settings
    from deskmetrics.session import Session

    health_settings = load_health_settings(args.health_config)
    session = Session(args.warehouse, args.config)
    health = Health(session.warehouse, session.settings, health_settings)
    if args.health_command == "import-assessments":
        count = health.import_assessments(args.file)
        print(f"imported {count} assessment results from {args.file}")
        return 0
    day = _day(args.day) if args.day else health.today()
    if args.health_command == "snapshot":
        board = health.snapshot(day)
        print(f"health snapshot {day}: {len(board.clients)} clients, " + _tier_counts(board))
        return 0
    if args.client:
        known = {client_id for _, client_id in session.filter_options().clients}
        if args.client not in known:
            from deskmetrics.errors import InputError

            raise InputError(f"no client {args.client!r} in the warehouse")
    board = health.board(day, client=args.client)
    if args.json:
        print(json.dumps(board_json(board, health_settings.min_coverage), indent=2))
    else:
        print(describe_board(board, health_settings.min_coverage, one_client=bool(args.client)))
    return 0


def _day(value: str):
    from deskmetrics.cli import _day as parse_day

    return parse_day(value, "--day")


def _num(value, digits: int):
    """A JSON number rounded to ``digits``, or None for missing (never NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else round(value, digits) + 0.0  # no -0.0


def _text(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def board_json(board, min_coverage: float) -> dict:
    """The board as the documented JSON structure (module docstring)."""
    from deskmetrics.health.cut_scores import maxima

    total = sum(m.weight for m in board.metrics)
    by_client = {cid: rows for cid, rows in board.contributions.groupby("client_id", sort=False)}
    clients = []
    for row in board.clients.itertuples(index=False):
        parts = by_client.get(row.client_id)
        clients.append(
            {
                "client_id": row.client_id,
                "client": row.client,
                "score": _num(row.score, 1),
                "coverage": _num(row.coverage, 3),
                "tier": row.tier,
                "colour": row.colour,
                "previous_score": _num(row.previous_score, 1),
                "previous_date": _text(row.previous_date),
                "change": _num(row.change, 1),
                "trend": _text(row.trend),
                "contributions": [] if parts is None else _contributions(parts),
            }
        )
    return {
        "day": board.day.isoformat(),
        "baseline": None if board.baseline is None else board.baseline.isoformat(),
        "min_coverage": min_coverage,
        "cut_scores": [
            {**cut.as_dict(), "max_score": top}
            for cut, top in zip(board.cut_scores, maxima(board.cut_scores), strict=True)
        ],
        "metrics": [
            {
                "metric_id": m.metric_id,
                "name": m.name,
                "icon": m.icon,
                "kind": m.kind,
                "max_score": m.max_score,
                "weight": m.weight,
                "weight_percent": _num(m.weight / total * 100, 2),
                "assessment": m.assessment,
                "description": m.description,
            }
            for m in board.metrics
        ],
        "segments": [
            {
                "tier": s.tier,
                "colour": s.colour,
                "min_score": _num(s.min_score, 2),
                "max_score": _num(s.max_score, 2),
                "clients": int(s.clients),
            }
            for s in board.segments().itertuples(index=False)
        ],
        "clients": clients,
    }


def _contributions(parts) -> list[dict]:
    return [
        {
            "metric_id": p.metric_id,
            "metric": p.metric,
            "value": _num(p.value, 2),
            "max_score": _num(p.max_score, 2),
            "normalized": _num(p.normalized, 2),
            "weight_percent": _num(p.weight_percent, 2),
            "effective_percent": _num(p.effective_percent, 2),
            "points": _num(p.points, 2),
            "detail": p.detail,
        }
        for p in parts.itertuples(index=False)
    ]


def _tier_counts(board) -> str:
    return ", ".join(f"{s.tier} {s.clients}" for s in board.segments().itertuples(index=False))


def describe_board(board, min_coverage: float, *, one_client: bool = False) -> str:
    """A plain-text table: client, score, tier, coverage and trend, then clients per tier."""
    data = json.loads(json.dumps(board_json(board, min_coverage)))
    width = max([len("client"), *(len(c["client"]) for c in data["clients"])])
    lines = [
        f"Client health on {data['day']} (trend against the latest snapshot on or before "
        f"{data['baseline']})",
        "",
        f"{'client':<{width}}  {'score':>5}  {'tier':<{TIER_WIDTH}}  {'coverage':>8}  trend",
    ]
    for c in data["clients"]:
        score = "-" if c["score"] is None else f"{c['score']:.1f}"
        lines.append(
            f"{c['client']:<{width}}  {score:>5}  {c['tier']:<{TIER_WIDTH}}  "
            f"{c['coverage'] * 100:>7.0f}%  {_trend(c)}"
        )
    if one_client and data["clients"]:
        lines += ["", *_metric_lines(data["clients"][0]["contributions"])]
    counts = " · ".join(f"{s['tier']} {s['clients']}" for s in data["segments"])
    lines += ["", f"{counts}   (minimum coverage {min_coverage:.0%})"]
    return "\n".join(lines)


def _trend(client: dict) -> str:
    if client["change"] is None:
        return "-" if client["previous_date"] is None else f"no score on {client['previous_date']}"
    return f"{client['trend']} {client['change']:+.1f} since {client['previous_date']}"


def _metric_lines(contributions: list[dict]) -> list[str]:
    width = max([len("metric"), *(len(p["metric"]) for p in contributions)])
    lines = [f"{'metric':<{width}}  {'value':>12}  {'of 100':>6}  {'weight':>6}  points  detail"]
    for p in contributions:
        value = "-" if p["value"] is None else f"{p['value']:g} / {p['max_score']:g}"
        normalized = "-" if p["normalized"] is None else f"{p['normalized']:.1f}"
        points = "-" if p["points"] is None else f"{p['points']:.2f}"
        lines.append(
            f"{p['metric']:<{width}}  {value:>12}  {normalized:>6}  "
            f"{p['weight_percent']:>5.1f}%  {points:>6}  {p['detail']}"
        )
    return lines
