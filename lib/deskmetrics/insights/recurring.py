"""Recurring issues: similar ticket titles within one category, this period against the last.

Titles are normalised (lower case; ticket numbers, ids, dates and other tokens holding a digit
dropped; punctuation, stopwords, day and month names removed; plurals made singular) and
clustered by token-set similarity. Only the two periods' tickets leave the database, and each
distinct title is normalised once, so a week of a large desk stays a small pandas job.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, case, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.frames import ticket_conditions
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import tickets

COLUMNS = [
    "category",
    "issue",
    "tickets",
    "previous_tickets",
    "trend",
    "clients_affected",
    "example_ticket_ids",
]
NO_CATEGORY = "(no category)"
EXAMPLES = 3

_DAYS_MONTHS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow am pm"
)
# words that say nothing about the issue: articles, pronouns, courtesy, mail prefixes, "ticket"
STOPWORDS = frozenset(
    (
        "a an the and or but of to in on at for from with by as into about is are was were be "
        "been it its this that these those my our your their his her we i me you he she they "
        "them us can cannot could will would should do does did has have had please pls kindly "
        "urgent asap help hi hello thanks re fw fwd ticket request again still " + _DAYS_MONTHS
    ).split()
)
_LETTERS = re.compile(r"[^\W\d_]+")


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


def normalise_title(title: str | None) -> str:
    """The words of a title that identify the issue, in order, each once ("" when none)."""
    if not isinstance(title, str):
        return ""
    words: list[str] = []
    for token in title.casefold().split():
        # ticket numbers, ids, dates, versions, hosts with numbers, addresses, links
        if any(ch.isdigit() for ch in token) or "@" in token or "://" in token:
            continue
        for word in _LETTERS.findall(token):
            word = _singular(word)
            if len(word) > 1 and word not in STOPWORDS and word not in words:
                words.append(word)
    return " ".join(words)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def cluster_keys(keys: Iterable[str], similarity: float) -> dict[str, int]:
    """Normalised title -> cluster number, greedy in the order given: a title joins the most
    similar representative (the first of its cluster) at ``similarity`` or above, ties to the
    earlier cluster, else it starts a cluster of its own."""
    representatives: list[frozenset[str]] = []
    by_word: dict[str, list[int]] = defaultdict(list)  # only clusters sharing a word can match
    assigned: dict[str, int] = {}
    for key in keys:
        words = frozenset(key.split())
        best, best_score = None, 0.0
        for number in sorted({n for w in words for n in by_word.get(w, ())}):
            score = jaccard(words, representatives[number])
            if score >= similarity and score > best_score:
                best, best_score = number, score
        if best is None:
            best = len(representatives)
            representatives.append(words)
            for w in words:
                by_word[w].append(best)
        assigned[key] = best
    return assigned


def trend(tickets: int, previous: int) -> str:
    if previous == 0:
        return "new"
    return "up" if tickets > previous else "down" if tickets < previous else "flat"


def recurring_issues(
    conn: Connection, settings: Settings, scope: Scope, limit: int = 10
) -> pd.DataFrame:
    """Clusters of similar titles with at least insights.recurring_min_count tickets created in
    the period, largest first: the COLUMNS, one row per issue."""
    rows = _titles(conn, scope)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    normalised = {t: normalise_title(t) for t in rows["title"].unique()}
    rows = rows.assign(
        category=rows["category"].fillna(NO_CATEGORY),
        key=rows["title"].map(normalised),
    )
    rows = rows[rows["key"] != ""]
    rows["cluster"] = _clusters(rows, settings.insights.recurring_similarity)
    current = rows[rows["current"] == 1]
    sizes = current.groupby("cluster").size()
    keep = sizes[sizes >= settings.insights.recurring_min_count].index
    if keep.empty:
        return pd.DataFrame(columns=COLUMNS)
    previous = rows[rows["current"] == 0].groupby("cluster").size()
    frame = _summarise(current[current["cluster"].isin(keep)], previous)
    frame = frame.sort_values(
        ["tickets", "clients_affected", "category", "issue"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return frame.head(limit).reset_index(drop=True)


def _titles(conn: Connection, scope: Scope) -> pd.DataFrame:
    """The titles of tickets created in the period or the one before (the filter in SQL)."""
    start, end, _ = scope.naive
    before, _, _ = scope.previous().naive
    t = tickets.c
    query = select(
        t.ticket_id,
        t.category,
        t.client_id,
        t.title,
        t.created_at,
        case((t.created_at >= start, 1), else_=0).label("current"),
    ).where(
        *ticket_conditions(scope),
        t.created_at >= before,
        t.created_at < end,
        t.title.is_not(None),
    )
    result = conn.execute(query)
    columns = list(result.keys())
    # plain tuples: pandas probes every Row object for named fields otherwise
    return pd.DataFrame([tuple(row) for row in result], columns=columns)


def _clusters(rows: pd.DataFrame, similarity: float) -> pd.Series:
    """A cluster label per row; titles common this period become representatives first."""
    counts = (
        rows.groupby(["category", "key"])["current"]
        .agg(current="sum", total="size")
        .reset_index()
        .assign(previous=lambda f: f["total"] - f["current"])
        .sort_values(
            ["category", "current", "previous", "key"], ascending=[True, False, False, True]
        )
    )
    labels: dict[tuple[str, str], str] = {}
    for category, group in counts.groupby("category", sort=True):
        for key, number in cluster_keys(group["key"], similarity).items():
            labels[(category, key)] = f"{category}\x00{number}"
    return pd.Series(
        [labels[(c, k)] for c, k in zip(rows["category"], rows["key"], strict=True)],
        index=rows.index,
    )


def _summarise(current: pd.DataFrame, previous: pd.Series) -> pd.DataFrame:
    """One row per cluster of the period's tickets; ``previous`` counts the period before."""
    current = current.assign(written=[" ".join(t.split()) for t in current["title"]])
    out = current.groupby("cluster").agg(
        category=("category", "first"),
        tickets=("ticket_id", "size"),
        clients_affected=("client_id", "nunique"),
    )
    out["issue"] = _representative_titles(current)
    out["previous_tickets"] = previous.reindex(out.index, fill_value=0).astype(int)
    out["trend"] = [
        trend(n, p) for n, p in zip(out["tickets"], out["previous_tickets"], strict=True)
    ]
    newest = current.sort_values(["created_at", "ticket_id"], ascending=[False, True])
    examples = newest.groupby("cluster").head(EXAMPLES).groupby("cluster")["ticket_id"]
    out["example_ticket_ids"] = examples.agg(", ".join)
    return out.reset_index(drop=True)[COLUMNS]


def _representative_titles(current: pd.DataFrame) -> pd.Series:
    """Per cluster, the most common title as written; ties to the shortest, then alphabetical."""
    counts = current.groupby(["cluster", "written"]).size().reset_index(name="n")
    counts = counts.assign(
        length=counts["written"].str.len(), folded=counts["written"].str.casefold()
    )
    ranked = counts.sort_values(
        ["cluster", "n", "length", "folded", "written"],
        ascending=[True, False, True, True, True],
    )
    return ranked.drop_duplicates("cluster").set_index("cluster")["written"]


register(
    Insight(
        "recurring_issues",
        "Recurring issues",
        "business_owner",
        "Tickets created in the period whose titles are alike, within one category. A title is "
        "normalised: lower case; any word holding a digit (ticket numbers, ids, dates, "
        "versions), e-mail addresses and links dropped; punctuation removed; stopwords, day and "
        "month names dropped; plurals made singular. Distinct normalised titles are taken "
        "most frequent first and each joins the cluster whose representative (its first "
        "title) shares the most words, when the Jaccard similarity of the two word sets is at "
        "least insights.recurring_similarity; otherwise it starts a cluster. Clusters with at "
        "least insights.recurring_min_count tickets in the period are listed, largest first, "
        "with the most common title, the tickets of the previous period of the same length in "
        "the same cluster, the trend (new when the previous period had none, else up, down or "
        "flat), the number of clients affected and the newest ticket ids. Tickets without a "
        "title are left out.",
        "tickets created in the period and in the previous period of the same length",
    )
)
