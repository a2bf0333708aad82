"""Due-date rules and monitoring/scorecard figures against hand-computed values."""

from __future__ import annotations

from datetime import date

import pytest

from satudata.monitoring import periods, queries
from satudata.monitoring.models import DataPromise


@pytest.mark.parametrize(
    ("frequency", "year", "number", "expected"),
    [
        ("yearly", 2025, 0, date(2026, 3, 31)),
        ("monthly", 2026, 1, date(2026, 2, 15)),
        ("monthly", 2026, 12, date(2027, 1, 15)),
        ("quarterly", 2026, 1, date(2026, 4, 15)),
        ("quarterly", 2026, 4, date(2027, 1, 15)),
        ("semester", 2026, 1, date(2026, 7, 15)),
        ("semester", 2026, 2, date(2027, 1, 15)),
    ],
)
def test_due_dates_follow_the_documented_rule(settings, frequency, year, number, expected):
    settings.SATUDATA_YEARLY_DUE_MONTH_DAY = "03-31"
    settings.SATUDATA_MONTHLY_DUE_DAY = 15
    assert periods.due_date(frequency, year, number) == expected


def test_due_dates_are_configurable_and_clamped_to_the_month(settings):
    settings.SATUDATA_YEARLY_DUE_MONTH_DAY = "02-29"
    settings.SATUDATA_MONTHLY_DUE_DAY = 31
    assert periods.due_date("yearly", 2026, 0) == date(2027, 2, 28)
    assert periods.due_date("yearly", 2027, 0) == date(2028, 2, 29)
    assert periods.due_date("monthly", 2026, 1) == date(2026, 2, 28)
    assert periods.due_date("monthly", 2026, 2) == date(2026, 3, 31)


@pytest.mark.parametrize(
    ("frequency", "text", "expected"),
    [
        ("yearly", "2025", (2025, 0)),
        ("monthly", "2026-03", (2026, 3)),
        ("quarterly", "2026-T2", (2026, 2)),
        ("quarterly", "2026-Q4", (2026, 4)),
        ("semester", "2026-S2", (2026, 2)),
    ],
)
def test_periods_parse(frequency, text, expected):
    assert periods.parse_period(frequency, text) == expected


@pytest.mark.parametrize(
    ("frequency", "text"),
    [("yearly", "2025-01"), ("monthly", "2026-13"), ("quarterly", "2026-T5"), ("monthly", "x")],
)
def test_bad_periods_are_refused_with_a_message(frequency, text):
    with pytest.raises(ValueError, match=r"\w"):
        periods.parse_period(frequency, text)


@pytest.mark.django_db
def test_promise_status_from_the_dataset_versions(scenario):
    rows = queries.with_status(DataPromise.objects.all(), scenario["now"])
    status = {row.pk: row.status for row in rows}
    promises = scenario["promises"]
    assert status[promises["on_time"].pk] == queries.ON_TIME
    assert status[promises["late"].pk] == queries.LATE
    # The May version came before May ended: it does not deliver May's data.
    assert status[promises["overdue"].pk] == queries.OVERDUE
    assert status[promises["not_due"].pk] == queries.NOT_DUE
    assert status[promises["b_on_time"].pk] == queries.ON_TIME


@pytest.mark.django_db
def test_agency_figures_and_scorecard_match_hand_computed_values(scenario):
    rows = queries.agency_rows(2026, now=scenario["now"])
    world = scenario["world"]
    assert [row.organisation for row in rows] == [world.other, world.owner]
    b, a = rows
    assert (a.promised, a.delivered, a.on_time, a.late, a.overdue, a.due) == (4, 2, 1, 1, 1, 3)
    assert a.completeness == 70.0
    assert (a.first_versions, a.first_pass, a.first_pass_rate) == (2, 1, 50.0)
    assert (a.submissions, a.returns, a.returns_per_submission) == (2, 1, 0.5)
    assert a.median_review_hours == 7.0  # 10 h and 4 h
    assert a.components == {
        "timeliness": 33.3,
        "delivery": 66.7,
        "completeness": 70.0,
        "quality": 50.0,
    }
    # (40 * 33.3 + 20 * 66.7 + 20 * 70 + 20 * 50) / 100 = 50.66
    assert a.score == 50.7
    assert a.rank == 2
    assert b.score == 100.0
    assert b.rank == 1
    assert a.sync_health == "—"


@pytest.mark.django_db
def test_scorecard_weights_come_from_the_setting(scenario, settings):
    settings.SATUDATA_SCORECARD_WEIGHTS = (
        '{"timeliness": 100, "completeness": 0, "quality": 0, "delivery": 0}'
    )
    rows = {row.organisation: row for row in queries.agency_rows(2026, now=scenario["now"])}
    assert rows[scenario["world"].owner].score == 33.3


@pytest.mark.django_db
def test_monthly_trend_counts_by_due_month(scenario):
    trend = queries.monthly_trend(2026, now=scenario["now"])
    by_key = {(row["month"], row["status"]): row["count"] for row in trend}
    assert by_key[("2026-03", str(queries.STATUS_LABELS["on_time"]))] == 2
    assert by_key[("2026-05", str(queries.STATUS_LABELS["late"]))] == 1
    assert by_key[("2026-06", str(queries.STATUS_LABELS["overdue"]))] == 1
    assert by_key[("2026-07", str(queries.STATUS_LABELS["not_due"]))] == 1
