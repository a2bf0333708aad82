"""The demo dashboards are declared only over the real demo datasets (no invented numbers)."""

from __future__ import annotations

from satudata.dashboards import demo
from satudata.demo import content


def _real_published_datasets() -> set[str]:
    return {d.slug for d in content.DATASETS if d.data_file and d.publish}


def test_every_demo_chart_and_indicator_reads_a_real_published_demo_dataset():
    real = _real_published_datasets()
    for item in (*demo.CHARTS, *demo.INDICATORS):
        assert item.dataset in real, f"{item} reads {item.dataset}, not a real demo dataset"


def test_home_and_four_sector_dashboards_with_known_panels():
    slugs = [d.slug for d in demo.DASHBOARDS]
    assert slugs == ["klungkung", "kependudukan", "kemiskinan", "kesehatan", "pariwisata"]
    home = demo.DASHBOARDS[0]
    assert home.values["is_home"] and len(home.panels) == 8  # the benchmark's 8 panels
    charts = {c.key for c in demo.CHARTS}
    indicators = {i.slug for i in demo.INDICATORS}
    for dashboard in demo.DASHBOARDS:
        for key, _width in dashboard.panels:
            known = key.removeprefix("i:") in indicators if key.startswith("i:") else key in charts
            assert known, f"{dashboard.slug}: unknown panel {key}"
        assert dashboard.values.get("note") or dashboard.slug == "klungkung"
