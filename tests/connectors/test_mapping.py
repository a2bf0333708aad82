"""Mapping rules and the safe expression language (no eval), on Arrow tables."""

from __future__ import annotations

import pyarrow as pa
import pytest

from satudata.connectors.mapping import apply_mapping, dotted_region_code, parse_mapping
from satudata.connectors.types.base import SourceError
from satudata.core.errors import ValidationFailed

# Messages are asserted in English (tests elsewhere check the Indonesian catalogue).
pytestmark = pytest.mark.usefixtures("english")

SOURCE = pa.table(
    {
        "JK": ["L", "P", "X", None],
        "laki": ["3", "4", "", "1"],
        "perempuan": [2, 5, 1, 0],
        "kode": ["5105012001", "5105", "51.05.01", "abc"],
        "nama kolom": ["a", "b", "c", "d"],
    }
)


def mapped(fields, table=SOURCE, log=None):
    return apply_mapping(table, parse_mapping({"fields": fields}), log).to_pydict()


def test_rename_values_constant_and_region_codes():
    log: list[str] = []
    result = mapped(
        [
            {
                "target": "jenis_kelamin",
                "source": "JK",
                "values": {"L": "Laki-laki", "P": "Perempuan"},
            },
            {"target": "kode_wilayah", "source": "kode", "transform": "kode_wilayah"},
            {"target": "tahun", "constant": 2024},
        ],
        log=log,
    )
    assert result["jenis_kelamin"] == ["Laki-laki", "Perempuan", "X", None]
    assert result["kode_wilayah"] == ["51.05.01.2001", "51.05", "51.05.01", "abc"]
    assert result["tahun"] == [2024] * 4
    assert any("1 value(s) without an entry" in line for line in log)


def test_dotted_region_codes():
    assert dotted_region_code("5105012001") == "51.05.01.2001"
    assert dotted_region_code("510501") == "51.05.01"
    assert dotted_region_code("51") == "51"
    assert dotted_region_code("51050120011") == "51050120011"  # not a code: unchanged


def test_expressions_compute_columnwise():
    result = mapped(
        [
            {"target": "jumlah", "expression": "laki + perempuan"},
            {"target": "rasio", "expression": "round(laki / perempuan * 100, 1)"},
            {"target": "label", "expression": "concat(upper(JK), '-', field(\"nama kolom\"))"},
            {"target": "teks", "expression": "'kode ' + kode"},
        ]
    )
    assert result["jumlah"] == [5, 9, None, 1]
    assert result["rasio"] == [150.0, 80.0, None, None]  # division by zero → empty
    assert result["label"] == ["L-a", "P-b", "X-c", None]
    assert result["teks"][0] == "kode 5105012001"


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('id')",
        "laki.__class__",
        "[x for x in laki]",
        "open('/etc/passwd')",
        "lambda: 1",
        "laki if JK else perempuan",
        "laki ** 1000000",
        "eval('1')",
    ],
)
def test_unsafe_expressions_are_refused(expression):
    with pytest.raises(ValidationFailed) as refused:
        parse_mapping({"fields": [{"target": "x", "expression": expression}]})
    assert refused.value.code == "expression-invalid"


def test_a_renamed_source_field_names_what_is_missing():
    with pytest.raises(SourceError) as failed:
        mapped([{"target": "jk", "source": "JENIS_KELAMIN"}])
    assert failed.value.code == "source-field-missing"
    assert "JENIS_KELAMIN" in failed.value.message and "JK" in failed.value.message


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"fields": [{"target": "a", "source": "x", "constant": 1}]}, "exactly one"),
        ({"fields": [{"target": "a", "source": "x"}, {"target": "a", "source": "y"}]}, "twice"),
        ({"fields": [{"target": "a", "source": "x", "type": "uuid"}]}, "unknown type"),
        ({"fields": [{"target": "a", "source": "x"}], "key": ["b"]}, "Key field"),
        ({"fields": "a"}, "must be a list"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_mappings_are_refused_clearly(document, words):
    with pytest.raises(ValidationFailed) as refused:
        parse_mapping(document)
    assert words in refused.value.message


@pytest.mark.django_db
def test_region_names_become_codes_through_the_region_list():
    from tests.factories import make_regions

    make_regions()
    table = pa.table({"desa": ["Sakti", "Desa Sakti", "Atlantis"]})
    log: list[str] = []
    result = mapped(
        [
            {
                "target": "kode",
                "source": "desa",
                "transform": "region_code",
                "region_parent": "51.05",
            }
        ],
        table=table,
        log=log,
    )
    assert result["kode"] == ["51.05.01.2001", "51.05.01.2001", "Atlantis"]
    assert any("1 region name(s) not found" in line for line in log)


@pytest.mark.django_db
def test_mapping_changes_are_versioned_and_secrets_stay_out_of_the_audit_log(make_http_connector):
    from satudata.connectors import services
    from satudata.core.models import AuditEvent
    from satudata.core.permissions import SYSTEM
    from tests.connectors.agency_api import API_KEY

    connector = make_http_connector()
    assert connector.mapping_version == 1
    connector = services.update_connector(SYSTEM, connector, mapping={"fields": []})
    assert connector.mapping_version == 2
    connector = services.update_connector(SYSTEM, connector, title="Baru", mapping={"fields": []})
    assert connector.mapping_version == 2  # same mapping: same version
    services.update_connector(SYSTEM, connector, secrets={"api_key": "kunci-baru-456"})
    events = AuditEvent.objects.filter(action__startswith="connector.")
    text = " ".join(str(e.changes) for e in events)
    assert events.count() >= 4
    assert API_KEY not in text and "kunci-baru-456" not in text
