"""Editing health metrics, cut scores and manual scores: validation, history and audit, on
every supported warehouse."""

from __future__ import annotations

import json
from datetime import date

import pytest

from deskmetrics.errors import InputError
from deskmetrics.health.model import CutScore
from tests.health.health_small import DAY, load_health_small


@pytest.fixture
def health(warehouse_url):
    return load_health_small(warehouse_url)


def _actions(health) -> list[str]:
    return health.audit()["action"].tolist()


def test_first_use_seeds_the_default_metrics_and_cut_scores(health):
    metrics = health.store.metrics()
    assert [m.name for m in metrics] == ["Sentiment", "CSAT", "Org", "Renewals"]
    assert [m.kind for m in metrics] == ["manual", "csat", "manual", "manual"]
    assert [c.name for c in health.store.cut_scores()] == ["Healthy", "At risk", "Critical"]
    assert {"metrics.seed", "cut_scores.seed"} <= set(_actions(health))
    health.store.ensure()  # seeding again changes nothing
    assert len(health.store.metrics()) == 4
    assert _actions(health).count("metrics.seed") == 1


def test_add_edit_and_reorder_metrics(health):
    added = health.store.add_metric(
        "Backup health", 10, 50, description="Backups verified", icon="💾"
    )
    assert added.metric_id == "backup_health" and added.position == 4
    edited = health.store.edit_metric("backup_health", weight=25.0, name="  Backups  ")
    assert edited.name == "Backups" and edited.weight == 25.0
    order = health.store.move_metric("backup_health", -2)
    assert [m.metric_id for m in order] == ["sentiment", "csat", "backup_health", "org", "renewals"]
    assert [m.metric_id for m in health.store.move_metric("sentiment", 99)][-1] == "sentiment"
    log = health.audit()
    edit = log[log["action"] == "metric.edit"].iloc[0]
    assert edit["actor"] == "ana" and edit["subject"] == "backup_health"
    assert json.loads(edit["before"])["weight"] == 50.0
    assert json.loads(edit["after"])["weight"] == 25.0
    assert {"metric.add", "metrics.reorder"} <= set(log["action"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "give the metric a name"),
        ({"name": "csat"}, "another metric is already called 'csat'"),
        ({"weight": 0}, "weight must be a number above 0"),
        ({"max_score": -1}, "max score must be a number above 0"),
        ({"kind": "guess"}, "kind 'guess' is not one of"),
        ({"kind": "assessment"}, "name the assessment"),
    ],
)
def test_invalid_metric_edits_are_refused_and_change_nothing(health, changes, message):
    with pytest.raises(InputError, match=message):
        health.store.edit_metric("sentiment", **changes)
    assert health.store.metrics()[0].name == "Sentiment"
    assert "metric.edit" not in _actions(health)


def test_delete_takes_a_metric_out_of_scores_and_restore_brings_it_back(health):
    before = health.board(DAY).clients.set_index("client_id")
    health.store.delete_metric("renewals")
    assert [m.metric_id for m in health.store.metrics()] == ["sentiment", "csat", "org"]
    deleted = [m for m in health.store.metrics(include_deleted=True) if m.deleted]
    assert [m.metric_id for m in deleted] == ["renewals"]
    after = health.board(DAY).clients.set_index("client_id")
    # C1 without Renewals: (80 + 75 + 60) / 3 = 71.7, At risk
    assert after.loc["C1", "score"] == pytest.approx(71.7)
    assert after.loc["C1", "tier"] == "At risk"
    with pytest.raises(InputError, match="already deleted"):
        health.store.delete_metric("renewals")
    health.store.restore_metric("renewals")
    restored = health.board(DAY).clients.set_index("client_id")
    assert restored.loc["C1", "score"] == before.loc["C1", "score"] == pytest.approx(78.8)
    assert restored.loc["C1", "tier"] == "Healthy"  # its scores were kept
    assert {"metric.delete", "metric.restore"} <= set(_actions(health))


def test_the_last_metric_cannot_be_deleted(health):
    for metric_id in ("sentiment", "csat", "org"):
        health.store.delete_metric(metric_id)
    with pytest.raises(InputError, match="last metric"):
        health.store.delete_metric("renewals")


def test_restoring_a_name_taken_meanwhile_is_refused(health):
    health.store.delete_metric("org")
    health.store.add_metric("Org", 5, 10)
    with pytest.raises(InputError, match="already called 'Org'"):
        health.store.restore_metric("org")


def test_cut_scores_save_whole_or_not_at_all(health):
    bad = [CutScore("Good", "#00ff00", 0), CutScore("Bad", "#ff0000", 0)]
    with pytest.raises(InputError, match="cut scores not saved"):
        health.store.save_cut_scores(bad)
    assert [c.name for c in health.store.cut_scores()] == ["Healthy", "At risk", "Critical"]
    saved = health.store.save_cut_scores(
        [CutScore("Thriving", "#16A34A", 80), CutScore("Watch", "#f59e0b", 40), bad[1]]
    )
    assert saved[0].colour == "#16a34a"
    assert health.store.cut_scores() == saved
    board = health.board(DAY).clients.set_index("client_id")
    assert board.loc["C1", "tier"] == "Watch"  # 78.8 is under the new 80
    entry = health.audit().iloc[0]
    assert entry["action"] == "cut_scores.save"
    assert [c["name"] for c in json.loads(entry["before"])] == ["Healthy", "At risk", "Critical"]


def test_manual_scores_keep_who_when_and_history(health):
    health.store.set_score("C1", "org", 5, "met the new CFO")
    history = health.history("C1")["scores"]
    org = history[history["metric_id"] == "org"]
    assert org["score"].tolist() == [5.0, 3.0]  # newest first
    assert org["scored_by"].tolist() == ["ana", "ana"]
    assert org["note"].iloc[0] == "met the new CFO"
    renewals = history[history["metric_id"] == "renewals"]
    assert renewals["score"].tolist() == [5.0, 2.0]
    entry = health.audit().iloc[0]
    assert (entry["action"], entry["subject"]) == ("score.set", "C1/org")
    assert json.loads(entry["before"]) == {"score": 3.0}


def test_clearing_a_manual_score_removes_it_from_the_score(health):
    health.store.set_score("C3", "sentiment", None, "contact left")
    row = health.board(date.today()).clients.set_index("client_id").loc["C3"]
    assert row["coverage"] == pytest.approx(0.5)  # Org and Renewals remain
    assert "score.clear" in _actions(health)


@pytest.mark.parametrize(
    ("client", "metric", "score", "message"),
    [
        ("C1", "org", 6, r"score 6 is outside 0-5"),
        ("C1", "org", -1, r"outside 0-5"),
        ("C1", "csat", 3, "fills itself"),
        ("C9", "org", 3, "no client 'C9'"),
        ("C1", "nope", 3, "no health metric 'nope'"),
    ],
)
def test_invalid_manual_scores_are_refused(health, client, metric, score, message):
    changes, scores = len(health.audit()), len(health.history(client)["scores"])
    with pytest.raises(InputError, match=message):
        health.store.set_score(client, metric, score)
    assert len(health.audit()) == changes
    assert len(health.history(client)["scores"]) == scores


def test_score_dates_are_shown_as_local_days(health):
    from datetime import datetime

    health.store.set_score("C4", "org", 4, at=datetime(2025, 3, 21, 2, 0))  # 22:00 in New York
    detail = health.board(DAY).client("C4").set_index("metric_id").loc["org", "detail"]
    assert detail == "set by ana on 2025-03-20"


def test_many_scores_save_together_or_not_at_all(health):
    from deskmetrics.health.scores import ScoreEntry

    good = ScoreEntry("C4", "org", 4, "from the QBR", by="raj")
    bad = ScoreEntry("C4", "renewals", 9)
    with pytest.raises(InputError, match="score 9 is outside 0-5"):
        health.store.set_scores([good, bad])
    assert health.history("C4")["scores"].empty
    assert health.store.set_scores([good, ScoreEntry("C4", "renewals", 3)]) == 2
    scores = health.history("C4")["scores"].set_index("metric_id")
    assert scores.loc["org", "scored_by"] == "raj" and scores.loc["renewals", "scored_by"] == "ana"
    assert set(health.audit().head(2)["actor"]) == {"raj", "ana"}


def test_opening_a_set_up_warehouse_only_reads(health, monkeypatch):
    from deskmetrics.health.store import HealthStore

    def no_writes():
        raise AssertionError("a set-up warehouse was opened for writing")

    monkeypatch.setattr(health.warehouse, "writing", no_writes)
    store = HealthStore(health.warehouse, health.health, actor="lee")
    assert [m.metric_id for m in store.metrics()][0] == "sentiment"


def test_a_back_dated_score_is_audited_now_against_the_score_it_follows(health):
    from datetime import datetime

    # C1 Renewals: 2 on 2025-02-01, 5 on 2025-03-20; a 3 recorded for 2025-03-01 sits between
    health.store.set_score("C1", "renewals", 3, "from the February QBR", at=datetime(2025, 3, 1))
    entry = health.audit().iloc[0]  # the newest change, although its score is back-dated
    assert (entry["action"], entry["subject"]) == ("score.set", "C1/renewals")
    assert json.loads(entry["before"]) == {"score": 2.0}
    assert json.loads(entry["after"])["scored_at"] == "2025-03-01 00:00:00"
    assert entry["at"].year >= 2026
