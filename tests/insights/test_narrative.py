"""The narrative paragraph: wording from the numbers, and the pluggable summarizer."""

from __future__ import annotations

import logging
import sys
import types
from dataclasses import dataclass

import pandas as pd
import pytest
from insights.report_small import WEEK, load_report_small

from deskmetrics.config import Settings, load_settings
from deskmetrics.errors import ConfigError
from deskmetrics.insights.automation import (
    POTENTIAL_COLUMNS,
    AutomationImpact,
    AutomationPotential,
    automation_impact,
)
from deskmetrics.insights.narrative import deterministic_text, narrative_facts, summarize
from deskmetrics.insights.sentiment import FRUSTRATED_COLUMNS, Sentiment, customer_sentiment
from deskmetrics.insights.summary import PeriodSummary, kpi_change, period_summary

FIXTURE_TEXT = (
    "Tickets created rose 129% to 16 while closures rose 325% to 17, so the backlog shrank by 1 "
    "to 2. First response time improved to 0.4 business hours from 0.6 and resolution time "
    "improved to 2.5 business hours from 3.3; resolution SLA attainment rose 34 points to 94%. "
    "44% of survey responses were positive (down 31 points), and 3 customers look frustrated, "
    "led by Lee Park of Birch & Co Accountants (2 dissatisfied ratings, 2 negative comments). "
    "29% of closed tickets were auto-resolved (up 4 points) and 19% of new tickets were "
    "AI-assisted (up 4 points); Accounts / Password reset (3 tickets, 0.8 h) looks ready to "
    "automate."
)


@dataclass
class Alert:  # the shape insights.alerts produces; only severity and message are read
    severity: str
    message: str


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report_small")
    session = load_report_small(tmp, f"duckdb:///{tmp / 'w.duckdb'}")
    scope = session.scope(*WEEK)
    with session.warehouse.reading() as conn:
        return (
            period_summary(conn, session.settings, scope),
            customer_sentiment(conn, session.settings, scope),
            automation_impact(conn, session.settings, scope),
        )


def test_fixture_week_in_words(week):
    assert summarize(*week) == FIXTURE_TEXT
    assert summarize(*week, settings=Settings()) == FIXTURE_TEXT  # no summarizer by default


# -- wording cases on made-up numbers --------------------------------------------------------
def _k(name, value, previous, unit="tickets"):
    return kpi_change(name, name, unit, value, previous)


def _summary(created=(340, 304), closed=(310, 310), backlog=(95, 65), first=(1.0, 1.0),
             resolution=(4.0, 4.0), sla=(90.0, 90.0)) -> PeriodSummary:  # fmt: skip
    return PeriodSummary(
        None,
        None,
        None,
        None,
        _k("tickets_created", *created),
        _k("tickets_closed", *closed),
        _k("open_tickets", *backlog),
        _k("avg_first_response_business_hours", *first, "hours"),
        _k("avg_resolution_business_hours", *resolution, "hours"),
        _k("resolution_sla_attainment", *sla, "percent"),
    )


def _sentiment(positive=(80.0, 80.0), frustrated=()) -> Sentiment:
    return Sentiment(
        _k("positive_interactions_percent", *positive, "percent"),
        pd.DataFrame(list(frustrated), columns=FRUSTRATED_COLUMNS),
    )


def _automation(auto=(None, None), ai=(None, None), potential=()) -> AutomationImpact:
    frame = pd.DataFrame(list(potential), columns=POTENTIAL_COLUMNS)
    return AutomationImpact(
        0,
        0,
        _k("auto_resolved_percent", *auto, "percent"),
        _k("ai_assisted_percent", *ai, "percent"),
        AutomationPotential(frame, int(frame["tickets"].sum()), float(frame["hours"].sum())),
    )


def _sentences(text: str) -> list[str]:
    return [s for s in text.replace("; ", "|").split(". ") if s]


def test_rise_and_flat_explain_the_backlog():
    text = deterministic_text(_summary(), _sentiment(), _automation())
    assert text.startswith(
        "Tickets created rose 12% to 340 while closures held at 310, so the backlog grew by "
        "30 to 95."
    )
    assert "First response time held at 1.0 business hours and resolution time held at 4.0 " in (
        text
    )
    assert "resolution SLA attainment held at 90%." in text
    assert "80% of survey responses were positive (unchanged), and no customer looks " in text
    assert 3 <= len(_sentences(text)) <= 5


def test_falls_and_slower_times():
    summary = _summary(
        created=(200, 250), closed=(260, 240), backlog=(40, 100), first=(1.5, 1.0),
        resolution=(3.0, 4.0), sla=(81.0, 90.0),
    )  # fmt: skip
    text = deterministic_text(summary, _sentiment(positive=(70.0, 78.0)), _automation())
    assert text.startswith(
        "Tickets created fell 20% to 200 while closures rose 8% to 260, so the backlog shrank "
        "by 60 to 40."
    )
    assert "First response time slowed to 1.5 business hours from 1.0" in text
    assert "resolution time improved to 3.0 business hours from 4.0" in text
    assert "resolution SLA attainment fell 9 points to 81%." in text
    assert "70% of survey responses were positive (down 8 points)" in text


def test_backlog_against_the_flows_says_and():
    # more created than closed, yet the backlog shrank (e.g. old tickets cancelled)
    text = deterministic_text(_summary(backlog=(60, 65)), _sentiment(), _automation())
    assert "closures held at 310, and the backlog shrank by 5 to 60." in text


def test_missing_previous_figures():
    summary = _summary(first=(0.5, None), sla=(75.0, None))
    text = deterministic_text(summary, _sentiment(positive=(60.0, None)), _automation())
    assert "First response time averaged 0.5 business hours (none in the previous period)" in text
    assert "resolution SLA attainment was 75% (none in the previous period)." in text
    assert "60% of survey responses were positive, and" in text  # no change to state


def test_no_previous_period_at_all():
    summary = _summary(created=(7, 0), closed=(4, 0), backlog=(3, 0), first=(0.6, None),
                       resolution=(3.3, None), sla=(60.0, None))  # fmt: skip
    text = deterministic_text(summary, _sentiment(positive=(75.0, None)), _automation())
    assert text.startswith(
        "7 tickets were created and 4 closed, leaving 3 open; the previous period has no "
        "tickets to compare with. First response time averaged 0.6 business hours and "
        "resolution time averaged 3.3 business hours; resolution SLA attainment was 60%."
    )


def test_a_count_from_zero_and_an_empty_period():
    text = deterministic_text(_summary(created=(5, 0), backlog=(65, 65)), _sentiment(),
                              _automation())  # fmt: skip
    assert text.startswith("Tickets created rose from 0 to 5 while closures held at 310")
    empty = _summary(created=(0, 0), closed=(0, 0), backlog=(0, 0), first=(None, None),
                     resolution=(None, None), sla=(None, None))  # fmt: skip
    text = deterministic_text(empty, _sentiment(positive=(None, None)), _automation())
    assert text == (
        "No tickets were created or closed, and none are open. No ticket got a first response "
        "and no ticket was resolved; no resolution target fell due. No survey responses came "
        "in, and no customer looks frustrated."
    )


def test_frustration_automation_and_alerts():
    frustrated = [("P9", "Kai Moss", "C9", None, "reopens", 0, 0, 3, 3, None, None)]
    automation = _automation(
        auto=(20.0, 20.4), ai=(10.0, None),
        potential=[("Accounts", None, 6, 1.5, 15.0, 0.2), ("Printing", "Toner", 5, 1.0, 12.0, 0.1)],
    )  # fmt: skip
    alerts = [
        Alert("info", "Dune Dental raised 4 tickets after none"),
        Alert("warning", "Backlog grew 25%"),
        Alert("critical", "SLA attainment 60% is under the 90% target."),
    ]
    text = deterministic_text(_summary(), _sentiment(frustrated=frustrated), automation, alerts)
    assert "and 1 customer looks frustrated, led by Kai Moss (3 reopens)." in text
    assert (
        "20% of closed tickets were auto-resolved (unchanged) and 10% of new tickets were "
        "AI-assisted; 2 categories (11 tickets, 2.5 h) look ready to automate, led by Accounts."
    ) in text
    assert text.endswith(
        "2 alerts need attention, most urgently: SLA attainment 60% is under the 90% target."
    )
    assert len(_sentences(text)) == 5
    only_info = deterministic_text(_summary(), _sentiment(), _automation(), alerts[:1])
    assert only_info.endswith("For information: Dune Dental raised 4 tickets after none.")


# -- the pluggable summarizer ----------------------------------------------------------------
def test_summarizer_gets_the_facts_and_the_text(week):
    seen = {}

    def shout(facts, text):
        seen.update(facts=facts, text=text)
        return text.upper()

    assert summarize(*week, summarizer=shout) == FIXTURE_TEXT.upper()
    assert seen["text"] == FIXTURE_TEXT
    facts = seen["facts"]
    assert facts == narrative_facts(*week)
    assert facts["period"] == {"from": "2024-12-09", "to": "2024-12-15"}
    assert facts["kpis"]["tickets_created"]["value"] == 16
    assert facts["kpis"]["auto_resolved_percent"]["previous"] == 25.0
    assert facts["frustrated_count"] == 3
    assert facts["frustrated_customers"][0]["contact"] == "Lee Park"
    assert facts["automation_potential"][0]["hours"] == pytest.approx(0.75)


def test_summarizer_named_in_the_settings(week, monkeypatch):
    module = types.ModuleType("dm_test_summarizer")
    module.short = lambda facts, text: f"{facts['kpis']['tickets_created']['value']:.0f} new."
    monkeypatch.setitem(sys.modules, "dm_test_summarizer", module)
    settings = load_settings(
        overrides={"insights": {"summarizer": "dm_test_summarizer:short"}}, use_local=False
    )
    assert summarize(*week, settings=settings) == "16 new."


def _broken(facts, text):
    raise RuntimeError("model offline")


@pytest.mark.parametrize(
    "summarizer",
    [_broken, lambda facts, text: "  ", lambda facts, text: None, "dm_no_such_module:rewrite"],
    ids=["raises", "blank", "not-text", "unimportable"],
)
def test_failing_summarizer_falls_back_with_a_warning(week, caplog, summarizer):
    with caplog.at_level(logging.WARNING, logger="deskmetrics.insights.narrative"):
        assert summarize(*week, summarizer=summarizer) == FIXTURE_TEXT
    assert "using the built-in narrative" in caplog.text


def test_summarizer_setting_must_name_a_function():
    with pytest.raises(ConfigError, match="summarizer"):
        load_settings(overrides={"insights": {"summarizer": "rewrite the text"}}, use_local=False)
    assert load_settings(use_local=False).insights.summarizer is None
