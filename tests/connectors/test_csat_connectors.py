"""The CSAT connectors (SmileBack, Crewhu, Simplesat) end to end: fake vendor APIs over real
HTTP, a DuckDB warehouse and the sync engine."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from deskmetrics.config import Settings
from deskmetrics.connectors import get_connector
from deskmetrics.connectors.crewhu import CrewhuConnector
from deskmetrics.connectors.http import SourceError
from deskmetrics.connectors.simplesat import SimplesatConnector
from deskmetrics.connectors.smileback import SmileBackConnector
from deskmetrics.connectors.smileback import iso as api_iso
from deskmetrics.connectors.sources import SourceConfig
from deskmetrics.connectors.sync import parse_instant, sync_source
from deskmetrics.errors import ConfigError
from deskmetrics.warehouse.engine import Warehouse
from fakes import crewhu as cf
from fakes import simplesat as zf
from fakes import smileback as sf

SETTINGS = Settings()


def utc(value: str) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None)


def table(warehouse: Warehouse, name: str) -> pd.DataFrame:
    with warehouse.reading() as conn:
        frame = pd.DataFrame(conn.execute(text(f'SELECT * FROM "{name}"')).mappings().all())
    if frame.empty or name != "surveys":
        return frame
    return frame.sort_values("response_id").reset_index(drop=True)


def dump(warehouse: Warehouse) -> str:
    out = []
    with warehouse.reading() as conn:
        for name in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
            out.append(f"{name}: {rows!r}")
    return "\n".join(out)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'csat.duckdb'}")


def sync(connector_cls, config, warehouse, sleeps=None, **kw):
    sleep = sleeps.append if sleeps is not None else (lambda seconds: None)
    connector = connector_cls(config, SETTINGS, sleep=sleep, **kw)
    return sync_source(warehouse, SETTINGS, config, connector=connector)


def test_registry_knows_the_csat_connectors():
    assert get_connector("smileback") is SmileBackConnector
    assert get_connector("crewhu") is CrewhuConnector
    assert get_connector("simplesat") is SimplesatConnector


# == SmileBack ================================================================================
@pytest.fixture
def smileback(monkeypatch):
    for name, value in sf.ENV.items():
        monkeypatch.setenv(name, value)
    with sf.FakeSmileBack(reviews=12) as fake:
        yield fake
    assert not fake.server.errors, fake.server.errors[0]


def sb_source(fake, page_size: int = 5, **settings) -> SourceConfig:
    return SourceConfig(
        name="sb",
        type="smileback",
        base_url=fake.url,
        secrets=sf.SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        settings={"token_url": fake.server.url + "/api/token/", **settings},
    )


def sb_run(fake, warehouse, page_size=5, sleeps=None):
    return sync(SmileBackConnector, sb_source(fake, page_size), warehouse, sleeps)


def test_smileback_full_sync(smileback, warehouse):
    smileback.add_review(rating=None, rated_on=None)  # unrated: not requested, not loaded
    report = sb_run(smileback, warehouse)

    rated = {k: r for k, r in smileback.reviews.items() if r["rating"] is not None}
    surveys = table(warehouse, "surveys").set_index("response_id")
    assert sorted(surveys.index) == sorted(f"smileback:{k}" for k in rated)
    review = rated[503]
    row = surveys.loc["smileback:503"]
    assert row["source"] == "smileback" and row["scale"] == "smileback"
    assert row["ticket_id"] == review["ticket"]["id"]  # the PSA ticket number, as text
    assert row["client_id"] == review["company"]["id"]
    assert row["tech_id"] == review["ticket"]["agents"][0]
    assert row["submitted_at"] == utc(review["rated_on"])
    assert row["rating"] == review["rating"]
    assert row["comment"] == (review["comment"] or None)
    expected = {1: "positive", 0: "neutral", -1: "negative"}
    assert list(surveys["sentiment"]) == [
        expected[rated[int(i[10:])]["rating"]] for i in surveys.index
    ]

    pages = smileback.review_pages()
    assert [p.arg("offset") for p in pages] == ["0", "5", "10"]
    assert all(p.arg("limit") == "5" for p in pages)
    assert pages[0].arg("modified_since") == "2000-01-01T00:00:00Z"
    assert smileback.tokens_issued == 1  # one token for the whole sync
    token = smileback.server.requests("/api/token/")[0]
    assert token.method == "POST"
    assert report.streams["surveys"].records == 12


def test_smileback_incremental_sync_and_deleted_review(smileback, warehouse):
    sb_run(smileback, warehouse)
    newest = max(r["last_modified"] for r in smileback.reviews.values())
    smileback.tick(600)
    smileback.update_review(504, rating=-1, comment="Actually, it broke again")
    smileback.delete_review(507)
    added = smileback.add_review(rating=1)
    smileback.server.clear_log()

    report = sb_run(smileback, warehouse)

    pages = smileback.review_pages()
    since = parse_instant(newest) - timedelta(minutes=5)
    assert [p.arg("modified_since") for p in pages] == [since.isoformat().replace("+00:00", "Z")]
    # the changed, the deleted and the new review, plus the newest one of the first sync (inside
    # the 5-minute overlap)
    assert report.streams["surveys"].records == 4
    assert report.streams["surveys"].deleted == 1
    surveys = table(warehouse, "surveys").set_index("response_id")
    assert "smileback:507" not in surveys.index
    assert f"smileback:{added}" in surveys.index
    assert (surveys.loc["smileback:504", "rating"], surveys.loc["smileback:504", "sentiment"]) == (
        -1,
        "negative",
    )
    assert len(surveys) == 12  # 12 - 1 deleted + 1 new


def test_smileback_retries_and_quarantine(smileback, warehouse):
    smileback.reviews[502]["rating"] = 7
    smileback.reviews[505]["rated_on"] = "yesterday"
    smileback.reviews[506]["id"] = None
    limited = smileback.server.fail(429, times=2, retry_after=4, path=r"/reviews/$")
    broken = smileback.server.fail(500, times=1, path=r"/api/token/$")
    sleeps: list[float] = []

    report = sb_run(smileback, warehouse, sleeps=sleeps)

    assert (limited.fired, broken.fired) == (2, 1)
    assert sleeps.count(4.0) == 2 and len(sleeps) == 3
    quarantine = table(warehouse, "quarantine").set_index("record_key")["reason"].to_dict()
    assert quarantine == {
        "502": "rating is not 1, 0 or -1: 7",
        "505": "rated_on is not an ISO timestamp: 'yesterday'",
        "(no id, #0 of its page)": "id is missing",
    }
    assert report.quarantined == 3
    assert len(table(warehouse, "surveys")) == 9


def test_smileback_crash_then_rerun_equals_a_clean_run(monkeypatch, tmp_path):
    for name, value in sf.ENV.items():
        monkeypatch.setenv(name, value)
    with sf.FakeSmileBack(reviews=20) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        sb_run(fake, clean, page_size=4)
        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.server.fail(500, times=None, after=2, path=r"/reviews/$")
        with pytest.raises(SourceError, match=r"HTTP 500 from /?reviews/ after \d+ attempts"):
            sb_run(fake, crashed, page_size=4)
        assert len(table(crashed, "surveys")) == 8

        fake.server.clear_faults()
        fake.server.clear_log()
        report = sb_run(fake, crashed, page_size=4)

        assert report.streams["surveys"].resumed
        assert [p.arg("offset") for p in fake.review_pages()] == ["8", "12", "16"]
        pd.testing.assert_frame_equal(table(crashed, "surveys"), table(clean, "surveys"))
        state = table(crashed, "sync_state").set_index("stream")
        assert state.loc["surveys", "cursor"] == table(clean, "sync_state").iloc[0]["cursor"]


SB_SECRETS = (sf.PASSWORD, sf.CLIENT_SECRET, sf.ACCESS_TOKEN, sf.CLIENT_ID)


def test_smileback_secrets_never_in_tables_logs_or_errors(
    smileback, warehouse, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    smileback.server.fail(429, times=1, retry_after=1, path=r"/reviews/$")
    smileback.reviews[502]["rating"] = "??"
    sb_run(smileback, warehouse)
    assert any("retrying" in r.getMessage() for r in caplog.records)
    errors = []
    smileback.server.fail(500, times=None, path=r"/reviews/$")
    with pytest.raises(SourceError) as caught:
        sb_run(smileback, warehouse)
    errors.append("".join(traceback.format_exception(caught.value)))
    smileback.server.clear_faults()
    monkeypatch.setenv("SB_PASSWORD", "wrong-password-31337")
    with pytest.raises(SourceError, match="SB_PASSWORD") as caught:
        sb_run(smileback, warehouse)
    errors.append("".join(traceback.format_exception(caught.value)))
    assert "HTTP 401" in str(caught.value)
    text_out = dump(warehouse) + caplog.text + "\n".join(errors)
    assert "quarantine" in text_out
    for secret in (*SB_SECRETS, "wrong-password-31337"):
        assert secret not in text_out
    monkeypatch.delenv("SB_CLIENT_SECRET")
    with pytest.raises(ConfigError, match="SB_CLIENT_SECRET"):
        SmileBackConnector(sb_source(smileback), SETTINGS)
    with pytest.raises(ConfigError, match="unknown key"):
        SmileBackConnector(sb_source(smileback, boards=1), SETTINGS)


# == Crewhu ===================================================================================
@pytest.fixture
def crewhu(monkeypatch):
    for name, value in cf.ENV.items():
        monkeypatch.setenv(name, value)
    with cf.FakeCrewhu(surveys=12) as fake:
        yield fake
    assert not fake.server.errors, fake.server.errors[0]


def ch_source(fake, page_size: int = 5, **settings) -> SourceConfig:
    return SourceConfig(
        name="ch",
        type="crewhu",
        base_url=fake.url,
        secrets=cf.SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        settings=settings,
    )


def ch_run(fake, warehouse, page_size=5, sleeps=None, **settings):
    return sync(CrewhuConnector, ch_source(fake, page_size, **settings), warehouse, sleeps)


def test_crewhu_full_sync(crewhu, warehouse):
    report = ch_run(crewhu, warehouse)

    surveys = table(warehouse, "surveys").set_index("response_id")
    assert sorted(surveys.index) == sorted(f"crewhu:{k}" for k in crewhu.surveys)
    key, survey = sorted(crewhu.surveys.items())[2]
    row = surveys.loc[f"crewhu:{key}"]
    assert (row["source"], row["scale"]) == ("crewhu", "crewhu")
    assert row["ticket_id"] == survey["ticket_num"]
    assert row["client_id"] == survey["customer_data"]["company_id"]
    assert row["tech_id"] == survey["employees"][0]
    assert row["submitted_at"] == utc(survey["closed"])
    assert row["rating"] == float(survey["rating"])
    assert row["comment"] == (survey["comment"] or None)
    labels = {"5": "positive", "0": "neutral", "-5": "negative"}
    assert list(surveys["sentiment"]) == [
        labels[crewhu.surveys[i[7:]]["rating"]] for i in surveys.index
    ]
    pages = crewhu.survey_pages()
    assert [(p.arg("step"), p.arg("limit"), p.items) for p in pages] == [
        ("1", "5", 5),
        ("2", "5", 5),
        ("3", "5", 2),
    ]
    assert pages[0].arg("_updated_at[$gte]") == "2000-01-01T00:00:00Z"
    assert all(p.headers["x_crewhu_apitoken"] == cf.TOKEN for p in pages)
    assert report.streams["surveys"].records == 12


def test_crewhu_incremental_sync_fetches_only_changed_surveys(crewhu, warehouse):
    ch_run(crewhu, warehouse)
    newest = max(s["_updated_at"] for s in crewhu.surveys.values())
    ids = sorted(crewhu.surveys)
    crewhu.tick(600)
    crewhu.update_survey(ids[1], rating="-5", rating_label="NEGATIVE")
    crewhu.update_survey(ids[4], inactive=True)  # deleted in Crewhu
    crewhu.server.clear_log()

    report = ch_run(crewhu, warehouse)

    pages = crewhu.survey_pages()
    since = (parse_instant(newest) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    # the two changed surveys plus the newest of the first sync, inside the 5-minute overlap
    assert [(p.arg("_updated_at[$gte]"), p.items) for p in pages] == [(since, 3)]
    assert report.streams["surveys"].deleted == 1
    surveys = table(warehouse, "surveys").set_index("response_id")
    assert f"crewhu:{ids[4]}" not in surveys.index and len(surveys) == 11
    assert surveys.loc[f"crewhu:{ids[1]}", "sentiment"] == "negative"


def test_crewhu_offset_steps_and_client_side_window(crewhu, warehouse):
    """With the server filter switched off, the connector still loads only the window."""
    crewhu.step_mode = "offset"
    ch_run(crewhu, warehouse, step_mode="offset", updated_filter=None)
    assert len(table(warehouse, "surveys")) == 12
    pages = crewhu.survey_pages()
    assert [p.arg("step") for p in pages] == ["0", "5", "10"]
    assert all(p.arg("_updated_at[$gte]") is None for p in pages)
    with pytest.raises(ConfigError, match="updated_filter"):
        CrewhuConnector(ch_source(crewhu, updated_filter={"since": "x"}), SETTINGS)


def test_crewhu_retries_and_quarantine(crewhu, warehouse):
    ids = sorted(crewhu.surveys)
    crewhu.surveys[ids[0]]["rating"] = "10"
    crewhu.surveys[ids[3]]["closed"] = None
    crewhu.surveys[ids[3]]["_created_at"] = None
    crewhu.surveys[ids[6]]["rating"] = None
    crewhu.surveys[ids[6]]["rating_label"] = "NEUTRAL"  # falls back to the label
    limited = crewhu.server.fail(429, times=1, retry_after=3, path=r"/survey$")
    broken = crewhu.server.fail(500, times=1, path=r"/survey$")
    sleeps: list[float] = []

    report = ch_run(crewhu, warehouse, sleeps=sleeps)

    assert (limited.fired, broken.fired) == (1, 1)
    assert sleeps[0] == 3.0 and len(sleeps) == 2
    assert [p.status for p in crewhu.survey_pages()][:3] == [429, 500, 200]
    quarantine = table(warehouse, "quarantine").set_index("record_key")["reason"].to_dict()
    assert quarantine == {
        ids[0]: "rating is not 5, 0 or -5: '10'",
        ids[3]: "closed is missing",
    }
    assert report.quarantined == 2
    surveys = table(warehouse, "surveys").set_index("response_id")
    assert len(surveys) == 10 and surveys.loc[f"crewhu:{ids[6]}", "rating"] == 0


def test_crewhu_secrets_never_in_tables_logs_or_errors(crewhu, warehouse, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    crewhu.server.fail(429, times=1, retry_after=1, path=r"/survey$")
    ch_run(crewhu, warehouse)
    monkeypatch.setenv("CREWHU_TOKEN", "not-the-token-999")
    with pytest.raises(SourceError) as caught:
        ch_run(crewhu, warehouse)
    message = "".join(traceback.format_exception(caught.value))
    assert "HTTP 401" in str(caught.value) and "CREWHU_TOKEN" in str(caught.value)
    out = dump(warehouse) + caplog.text + message
    for secret in (cf.TOKEN, "not-the-token-999"):
        assert secret not in out


# == Simplesat ================================================================================
@pytest.fixture
def simplesat(monkeypatch):
    for name, value in zf.ENV.items():
        monkeypatch.setenv(name, value)
    with zf.FakeSimplesat(responses=12, days=100) as fake:
        yield fake
    assert not fake.server.errors, fake.server.errors[0]


def ss_source(fake, page_size: int = 2, **settings) -> SourceConfig:
    return SourceConfig(
        name="ss",
        type="simplesat",
        base_url=fake.url,
        secrets=zf.SECRETS,
        page_size=page_size,
        per_minute=0,  # unpaced: the fakes have no limit to stay under
        commit_records=1,  # each page its own commit, so resume tests see page positions
        start=zf.iso(zf.NOW - timedelta(days=100)),
        settings=settings,
    )


def ss_run(fake, warehouse, page_size=2, sleeps=None, **settings):
    config = ss_source(fake, page_size, **settings)
    return sync(SimplesatConnector, config, warehouse, sleeps, now=lambda: fake.now)


def expected_rating(response: dict) -> tuple[str, float]:
    answer = response["answers"][0]
    question = answer["question"]["id"]
    metric, choices = zf.QUESTIONS[question]
    position = choices.index(answer["choice"]) + 1
    if metric == "nps":
        return "nps", int(answer["choice"])
    if len(choices) == 5:
        return "stars5", position
    return "smileback", {2: {1: -1, 2: 1}, 3: {1: -1, 2: 0, 3: 1}, 4: {1: -1, 2: 0, 3: 1, 4: 1}}[
        len(choices)
    ][position]


def test_simplesat_full_sync_in_30_day_windows(simplesat, warehouse):
    report = ss_run(simplesat, warehouse)

    day = timedelta(days=1)
    start = zf.NOW - 100 * day
    bounds = [start, start + 30 * day, start + 60 * day, start + 90 * day, zf.NOW]
    windows = sorted({(s, e) for s, e, _ in simplesat.windows()})
    assert windows == [(api_iso(a), api_iso(b)) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert all(zf.parse(e) - zf.parse(s) <= 30 * day for s, e in windows)
    assert all(p.status == 200 for p in simplesat.search_pages())

    surveys = table(warehouse, "surveys").set_index("response_id")
    assert sorted(surveys.index) == sorted(f"simplesat:{k}" for k in simplesat.responses)
    for key, response in simplesat.responses.items():
        row = surveys.loc[f"simplesat:{key}"]
        assert (row["scale"], row["rating"]) == expected_rating(response), key
        assert row["ticket_id"] == response["ticket"]["external_id"]
        assert row["client_id"] == response["customer"]["company"]["external_id"]
        assert row["tech_id"] == "klee"  # the primary team member
        assert row["submitted_at"] == utc(response["created"])
        assert row["source"] == "simplesat"
    assert {"stars5", "smileback", "nps"} <= set(surveys["scale"])
    assert report.streams["surveys"].records == 12


def test_simplesat_incremental_sync_fetches_only_changed_responses(simplesat, warehouse):
    ss_run(simplesat, warehouse)
    newest = max(r["modified"] for r in simplesat.responses.values())
    changed = sorted(simplesat.responses)[2]
    simplesat.responses[changed]["answers"][0]["question"] = {"id": 11, "metric": "csat"}
    simplesat.update_response(changed, "1")
    simplesat.searches.clear()

    report = ss_run(simplesat, warehouse)

    since = parse_instant(newest) - timedelta(minutes=5)
    assert simplesat.windows() == [(api_iso(since), api_iso(simplesat.now), 1)]
    # the changed response plus the newest of the first sync (inside the 5-minute overlap)
    assert report.streams["surveys"].records == 2
    row = table(warehouse, "surveys").set_index("response_id").loc[f"simplesat:{changed}"]
    assert (row["scale"], row["rating"], row["sentiment"]) == ("stars5", 1, "negative")


def test_simplesat_responses_deleted_at_the_source_go_at_the_periodic_check(simplesat, warehouse):
    ss_run(simplesat, warehouse)  # the first sync also lists every id once
    assert simplesat.listings
    gone = sorted(simplesat.responses)[4]
    simplesat.delete_response(gone)
    simplesat.listings.clear()
    ss_run(simplesat, warehouse)  # checked less than reconcile_days ago: not listed again
    assert simplesat.listings == []
    assert f"simplesat:{gone}" in set(table(warehouse, "surveys")["response_id"])
    config = SourceConfig(**{**ss_source(simplesat).model_dump(), "reconcile_days": 0})
    report = sync(SimplesatConnector, config, warehouse, now=lambda: simplesat.now)
    assert report.streams["surveys"].removed == 1
    surveys = set(table(warehouse, "surveys")["response_id"])
    assert f"simplesat:{gone}" not in surveys and len(surveys) == len(simplesat.responses)
    # the listing keeps to the 30-day windows of the sync, in its largest pages
    assert simplesat.listings and all("modified_start_date" in b for b in simplesat.listings)


def test_simplesat_retries_quarantine_and_unknown_questions(simplesat, warehouse):
    ids = sorted(simplesat.responses)
    simplesat.responses[ids[0]]["answers"][0].update(
        question={"id": 11, "metric": "csat"}, choice="9"
    )
    simplesat.responses[ids[1]]["created"] = None
    simplesat.responses[ids[2]]["answers"] = [simplesat.responses[ids[2]]["answers"][0]]
    simplesat.responses[ids[2]]["answers"][0].update(question={"id": 31, "metric": "ces"})
    simplesat.responses[ids[3]]["answers"][0].update(
        question={"id": 99, "metric": "csat"}, sentiment="Positive"
    )
    limited = simplesat.server.fail(429, times=2, retry_after=5, path=r"/responses/search$")
    broken = simplesat.server.fail(500, times=1, path=r"/questions$")
    sleeps: list[float] = []

    report = ss_run(simplesat, warehouse, sleeps=sleeps)

    assert (limited.fired, broken.fired) == (2, 1)
    assert sleeps.count(5.0) == 2 and len(sleeps) == 3
    quarantine = table(warehouse, "quarantine").set_index("record_key")["reason"].to_dict()
    assert quarantine == {
        str(ids[0]): "choice is not a whole number 1-5: '9'",
        str(ids[1]): "created is missing",
    }
    assert report.quarantined == 2
    surveys = table(warehouse, "surveys").set_index("response_id")
    assert f"simplesat:{ids[2]}" not in surveys.index  # CES only: not a CSAT response
    assert len(surveys) == 9
    unknown = surveys.loc[f"simplesat:{ids[3]}"]
    assert (unknown["scale"], unknown["rating"]) == ("smileback", 1)


def test_simplesat_crash_mid_backfill_then_rerun_equals_a_clean_run(monkeypatch, tmp_path):
    for name, value in zf.ENV.items():
        monkeypatch.setenv(name, value)
    with zf.FakeSimplesat(responses=12, days=100) as fake:
        clean = Warehouse(f"duckdb:///{tmp_path / 'clean.duckdb'}")
        ss_run(fake, clean)
        full = list(fake.windows())
        crashed = Warehouse(f"duckdb:///{tmp_path / 'crashed.duckdb'}")
        fake.searches.clear()
        fake.server.fail(500, times=None, after=3, path=r"/responses/search$")
        with pytest.raises(SourceError, match="HTTP 500"):
            ss_run(fake, crashed)
        assert fake.windows() == full[:3]
        fake.server.clear_faults()
        fake.searches.clear()
        fake.now += timedelta(days=2)  # a later rerun keeps the windows of the first attempt

        report = ss_run(fake, crashed)

        assert report.streams["surveys"].resumed
        assert fake.windows() == full[3:]
        pd.testing.assert_frame_equal(table(crashed, "surveys"), table(clean, "surveys"))


def test_simplesat_secrets_never_in_tables_logs_or_errors(
    simplesat, warehouse, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    simplesat.server.fail(429, times=1, retry_after=1, path=r"/responses/search$")
    ss_run(simplesat, warehouse)
    assert all(p.headers["x-simplesat-token"] == zf.KEY for p in simplesat.search_pages())
    monkeypatch.setenv("SIMPLESAT_KEY", "bad-simplesat-key-1")
    with pytest.raises(SourceError) as caught:
        ss_run(simplesat, warehouse)
    assert "HTTP 401" in str(caught.value) and "SIMPLESAT_KEY" in str(caught.value)
    out = dump(warehouse) + caplog.text + "".join(traceback.format_exception(caught.value))
    for secret in (zf.KEY, "bad-simplesat-key-1"):
        assert secret not in out
    with pytest.raises(ConfigError, match="window_days"):
        SimplesatConnector(ss_source(simplesat, window_days=45), SETTINGS)
