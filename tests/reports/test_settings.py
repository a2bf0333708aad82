"""The reports settings: each is in the guide's table with the code's default, and a bad value
is a clear configuration error."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from satudata.reports import conf

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "panduan-laporan.md"
ROW_RE = re.compile(r"^\| `(SATUDATA_[A-Z_]+)` \| `?([^`|]*?)`? \|", re.MULTILINE)


def test_every_setting_is_in_the_guide_with_its_default():
    documented = dict(ROW_RE.findall(GUIDE.read_text(encoding="utf-8")))
    read = set(re.findall(r'"(SATUDATA_[A-Z_]+)"', inspect.getsource(conf)))
    assert not read - set(documented), "document these in docs/panduan-laporan.md §7"
    for bound in conf.BOUNDS:
        name = re.search(r'"(SATUDATA_[A-Z_]+)"', inspect.getsource(bound)).group(1)
        assert documented[name] == str(bound()), name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SATUDATA_REPORT_TABLE_ROWS_MAX", "0"),
        ("SATUDATA_REPORT_SCHEDULE_HOUR", "25"),
        ("SATUDATA_REPORT_SECTIONS_MAX", "banyak"),
    ],
)
def test_bad_values_are_configuration_errors(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    bound = next(b for b in conf.BOUNDS if name in inspect.getsource(b))
    with pytest.raises(ImproperlyConfigured, match=name):
        bound()
