"""The workflow and monitoring bounds: every one is in the admin guide's table with the code's
default, can be set by environment variable or Django setting, and a bad value is a clear
configuration error (also from `manage check`)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from satudata.monitoring import conf as monitoring_conf
from satudata.workflow import conf as workflow_conf

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "admin-guide.md"
NAME_RE = re.compile(r'"(SATUDATA_[A-Z_]+)"')
ROW_RE = re.compile(r"^\| `(SATUDATA_[A-Z_]+)` \| `([^`]*)` \|", re.MULTILINE)


def names_read_by(module) -> set[str]:
    return set(NAME_RE.findall(inspect.getsource(module)))


def documented_defaults() -> dict[str, str]:
    return dict(ROW_RE.findall(GUIDE.read_text(encoding="utf-8")))


def clear(monkeypatch, settings, name: str) -> None:
    monkeypatch.delenv(name, raising=False)
    if hasattr(settings, name):
        delattr(settings, name)


def test_every_bound_is_in_the_admin_guide_with_its_default(monkeypatch, settings):
    names = names_read_by(workflow_conf) | names_read_by(monitoring_conf)
    assert {"SATUDATA_REVIEW_OVERDUE_DAYS", "SATUDATA_SCORECARD_WEIGHTS"} <= names
    documented = documented_defaults()
    missing = sorted(names - set(documented))
    assert not missing, f"add these to docs/admin-guide.md (workflow settings table): {missing}"
    for name in names:
        clear(monkeypatch, settings, name)
    for bound in (*workflow_conf.BOUNDS, *monitoring_conf.BOUNDS):
        name = NAME_RE.search(inspect.getsource(bound)).group(1)
        value = bound()
        shown = documented[name]
        if isinstance(value, dict):
            assert {k: float(v) for k, v in json.loads(shown).items()} == value
        elif isinstance(value, tuple):
            assert shown == "-".join(f"{part:02d}" for part in value), name
        else:
            assert shown == str(value), name


def test_environment_variable_sets_a_bound(monkeypatch, settings):
    clear(monkeypatch, settings, "SATUDATA_REVIEW_OVERDUE_DAYS")
    monkeypatch.setenv("SATUDATA_REVIEW_OVERDUE_DAYS", "9")
    assert workflow_conf.review_overdue_days() == 9
    settings.SATUDATA_REVIEW_OVERDUE_DAYS = 3  # a Django setting comes first
    assert workflow_conf.review_overdue_days() == 3
    clear(monkeypatch, settings, "SATUDATA_SCORECARD_WEIGHTS")
    monkeypatch.setenv("SATUDATA_SCORECARD_WEIGHTS", '{"timeliness": 100, "unknown": 5}')
    assert monitoring_conf.scorecard_weights()["timeliness"] == 100.0
    clear(monkeypatch, settings, "SATUDATA_YEARLY_DUE_MONTH_DAY")
    monkeypatch.setenv("SATUDATA_YEARLY_DUE_MONTH_DAY", "06-30")
    assert monitoring_conf.yearly_due_month_day() == (6, 30)


@pytest.mark.parametrize(
    ("name", "value", "bound"),
    [
        ("SATUDATA_REVIEW_OVERDUE_DAYS", "lima", workflow_conf.review_overdue_days),
        ("SATUDATA_REVIEW_OVERDUE_DAYS", "0", workflow_conf.review_overdue_days),
        ("SATUDATA_YEARLY_DUE_MONTH_DAY", "31-03", monitoring_conf.yearly_due_month_day),
        ("SATUDATA_MONTHLY_DUE_DAY", "40", monitoring_conf.monthly_due_day),
        ("SATUDATA_SCORECARD_WEIGHTS", "[40, 20]", monitoring_conf.scorecard_weights),
        ("SATUDATA_SCORECARD_WEIGHTS", "{not json", monitoring_conf.scorecard_weights),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    monkeypatch, settings, name, value, bound
):
    clear(monkeypatch, settings, name)
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        bound()
    from satudata.workflow.apps import check_bounds

    errors = check_bounds()
    assert [error.id for error in errors] == ["satudata.workflow.E001"]
    assert name in errors[0].msg
