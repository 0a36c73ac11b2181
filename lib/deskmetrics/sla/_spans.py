"""Half-open interval helpers and UTC normalisation shared by the sla modules.

A span is a ``(start, end)`` pair meaning ``[start, end)``. The helpers work on any ordered
values (aware datetimes or int64 nanoseconds) and return new sorted lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from deskmetrics.errors import InputError

T = TypeVar("T")
Span = tuple[T, T]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def as_utc(value: object, name: str) -> datetime:
    """Return ``value`` converted to UTC; naive datetimes are refused, never guessed."""
    if not isinstance(value, datetime):
        raise InputError(f"{name}: expected a timezone-aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            f"{name}: {value!r} is naive; attach a time zone (e.g. tzinfo=datetime.UTC)"
        )
    return value.astimezone(UTC)


def to_ns(value: datetime) -> int:
    """Nanoseconds since the epoch of an aware datetime (pandas Timestamps keep their ns)."""
    # integer arithmetic so that no instant is rounded through a float
    micros = (value - _EPOCH) // _MICROSECOND
    return micros * 1000 + int(getattr(value, "nanosecond", 0))


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and merge overlapping or touching spans; empty spans are dropped."""
    out: list[list] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def clip(spans: Iterable[Span], lo: T, hi: T) -> list[Span]:
    """Intersect each span with ``[lo, hi)``, dropping the ones that end up empty."""
    out = []
    for start, end in spans:
        s, e = max(start, lo), min(end, hi)
        if s < e:
            out.append((s, e))
    return out


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """``spans`` minus ``holes``; both must be sorted and merged (see :func:`merge`)."""
    out: list[Span] = []
    j = 0
    for start, end in spans:
        cursor = start
        # holes that end before this span can never matter again: spans are sorted
        while j < len(holes) and holes[j][1] <= cursor:
            j += 1
        k = j
        while k < len(holes) and holes[k][0] < end and cursor < end:
            hole_start, hole_end = holes[k]
            if hole_start > cursor:
                out.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def utc_pauses(pauses: Iterable[tuple[datetime, datetime]], name: str = "pauses") -> list[Span]:
    """Pause intervals converted to UTC, sorted and merged."""
    spans = []
    for i, pause in enumerate(pauses):
        start, end = pause
        spans.append((as_utc(start, f"{name}[{i}].start"), as_utc(end, f"{name}[{i}].end")))
    return merge(spans)
